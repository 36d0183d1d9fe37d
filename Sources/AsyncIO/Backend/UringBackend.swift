import CURing
import URing
#if canImport(Glibc)
import Glibc
#endif

/// The io_uring backend: one ring, submissions batched until the loop polls.
final class UringBackend: LoopBackend {
    private let ring: Ring
    private let deliver: (Completion) -> Void

    /// Sets up a ring.
    ///
    /// - Throws: ``RingUnavailableError`` when io_uring is denied or incomplete here.
    init(entries: UInt32, deliver: @escaping (Completion) -> Void) throws(RingUnavailableError) {
        var configuration = Ring.Configuration()
        configuration.entries = entries
        ring = try Ring(configuration)
        self.deliver = deliver
    }

    var description: String { "io_uring (\(ring.mode), \(ring.entries) entries)" }

    var hasPendingSubmissions: Bool { ring.pendingSubmissions > 0 }

    /// The next free submission entry. A full SQ is flushed to the kernel; if the
    /// kernel first wants completions reaped (`EBUSY`), they are delivered and the
    /// flush retried, so a full queue is never an error.
    private func nextEntry() -> SubmissionEntry {
        while true {
            if let sqe = ring.tryNextEntry() { return sqe }
            do {
                try ring.submit()
            } catch let error where error == .resourceBusy || error == .resourceTemporarilyUnavailable {
                ring.reap(deliver)
                try? ring.submitAndGetEvents()
                ring.reap(deliver)
            } catch {
                preconditionFailure("io_uring_submit failed on the loop's own ring: \(error)")
            }
        }
    }

    func submit(_ request: IORequest, userData: UInt64) {
        let sqe = nextEntry()
        switch request {
        case .nop:
            sqe.nop()
        case .read(let fd, let buffer, let count):
            sqe.read(fd: fd, into: buffer, count: count)
        case .write(let fd, let buffer, let count):
            sqe.write(fd: fd, from: buffer, count: count)
        case .poll(let fd, let events):
            sqe.poll(fd: fd, events: events)
        case .pollMultishot(let fd, let events):
            sqe.poll(fd: fd, events: events, multishot: true)
        case .receive(let fd, let buffer, let count, let flags, let likelyEmpty):
            sqe.receive(fd: fd, into: buffer, count: count, flags: flags, pollFirst: likelyEmpty)
        case .send(let fd, let buffer, let count, let flags):
            sqe.send(fd: fd, from: buffer, count: count, flags: flags)
        case .accept(let fd):
            sqe.accept(fd: fd, address: nil, length: nil, flags: Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue))
        case .acceptMultishot(let fd):
            sqe.accept(fd: fd, address: nil, length: nil, flags: Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), multishot: true)
        case .sendMessage(let fd, let message):
            sqe.sendMessage(fd: fd, message: message)
        case .receiveMessage(let fd, let message):
            sqe.receiveMessage(fd: fd, message: message)
        case .connect(let fd, let address, let length):
            sqe.connect(fd: fd, address: address, length: length)
        case .close(let fd):
            sqe.close(fd: fd)
        }
        sqe.userData = userData
    }

    func cancel(userData target: UInt64) {
        let sqe = nextEntry()
        sqe.cancel(userData: target)
        sqe.userData = OperationTable.cancelTag
    }

    func poll(timeoutNanoseconds: Int64?) {
        do {
            if timeoutNanoseconds == 0 {
                try ring.submitAndGetEvents()
            } else {
                try ring.submitAndWait(timeoutNanoseconds: timeoutNanoseconds)
            }
        } catch let error where error == .resourceBusy || error == .resourceTemporarilyUnavailable {
            // The kernel holds overflowed completions: reap them; the next poll submits.
        } catch {
            preconditionFailure("io_uring_enter failed on the loop's own ring: \(error)")
        }
        ring.reap(deliver)
        assert(ring.droppedCompletions == 0, "io_uring dropped completions: a CQ overflow without NODROP")
    }
}
