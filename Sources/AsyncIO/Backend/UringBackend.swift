import CURing
import URing
#if canImport(Glibc)
import Glibc
#endif

/// The io_uring backend: one ring, submissions batched until the loop polls.
/// On a busy loop, receives on sockets their last receive left empty go to the
/// kernel one enter after the rest of the batch (docs/decisions/0006).
final class UringBackend: LoopBackend {
    private let ring: Ring
    private let deliver: (Completion) -> Void
    /// Receives on sockets that were empty, held back until the entries queued
    /// before them reached the kernel (see ``poll(timeoutNanoseconds:)``).
    @exclusivity(unchecked) private var deferredReceives: [DeferredReceive] = []
    /// Completions the last ``poll(timeoutNanoseconds:)`` delivered: a measure of
    /// how long a loop turn takes, so of whether holding a receive back one
    /// enter gives its peer time to answer.
    @exclusivity(unchecked) private var completionsLastPoll = 0
    /// From this many completions in the last poll on, receives on empty sockets
    /// are held back (tests set 0 to hold back every one).
    var receiveDeferralThreshold = 8
    /// Receives held back so far (for tests).
    private(set) var deferredReceiveCount = 0

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

    var hasPendingSubmissions: Bool { ring.pendingSubmissions > 0 || !deferredReceives.isEmpty }

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
        switch request {
        case .receive(let fd, let buffer, let count, let flags, true) where completionsLastPoll >= receiveDeferralThreshold:
            deferredReceives.append(DeferredReceive(fd: fd, buffer: buffer, count: count, flags: flags, userData: userData))
            deferredReceiveCount &+= 1
            return
        case .close where !deferredReceives.isEmpty:
            // A held-back receive must reach the kernel before its fd is closed
            // (and its number perhaps reused by an accept in the same enter).
            queueDeferredReceives()
        default:
            break
        }
        prepare(request, userData: userData)
    }

    /// Moves the held-back receives into the submission queue.
    private func queueDeferredReceives() {
        for receive in deferredReceives {
            // Without POLL_FIRST: the data has probably arrived by now.
            let sqe = nextEntry()
            sqe.receive(fd: receive.fd, into: receive.buffer, count: receive.count, flags: receive.flags)
            sqe.userData = receive.userData
        }
        deferredReceives.removeAll(keepingCapacity: true)
    }

    private func prepare(_ request: IORequest, userData: UInt64) {
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
        // A held-back receive reaches the kernel ahead of its cancel.
        if !deferredReceives.isEmpty { queueDeferredReceives() }
        let sqe = nextEntry()
        sqe.cancel(userData: target)
        sqe.userData = OperationTable.cancelTag
    }

    func poll(timeoutNanoseconds: Int64?) {
        if !deferredReceives.isEmpty {
            // Receives on sockets found empty go to the kernel one enter after the
            // sends queued with them: the peers' answers to those sends then
            // usually arrived, and the receive completes inline instead of
            // arming a poll and running again from task work (decision 0006).
            if ring.pendingSubmissions > 0 { enter { () throws(Errno) in try ring.submitAndGetEvents() } }
            queueDeferredReceives()
            if ring.readyCompletions > 0 {
                completionsLastPoll = ring.reap(deliver)
                return
            }
        }
        if timeoutNanoseconds == 0 {
            enter { () throws(Errno) in try ring.submitAndGetEvents() }
        } else {
            enter { () throws(Errno) in try ring.submitAndWait(timeoutNanoseconds: timeoutNanoseconds) }
        }
        completionsLastPoll = ring.reap(deliver)
        assert(ring.droppedCompletions == 0, "io_uring dropped completions: a CQ overflow without NODROP")
    }

    /// Runs one `io_uring_enter`. `EBUSY`/`EAGAIN` mean the kernel holds
    /// overflowed completions: the reap that follows takes them, and the next
    /// poll submits again. Any other error is a bug in the loop.
    private func enter(_ call: () throws(Errno) -> Void) {
        do {
            try call()
        } catch where error == .resourceBusy || error == .resourceTemporarilyUnavailable {
        } catch {
            preconditionFailure("io_uring_enter failed on the loop's own ring: \(error)")
        }
    }
}

/// A stream receive the io_uring backend holds back for one enter.
private struct DeferredReceive {
    var fd: Int32
    var buffer: UnsafeMutableRawPointer
    var count: Int
    var flags: Int32
    var userData: UInt64
}
