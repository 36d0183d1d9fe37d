import CLinuxSys
import CURing
import Glibc
import Testing
@testable import URing

/// Whether this process may use io_uring (not under a seccomp policy that denies it).
let ringAvailable: Bool = (try? Ring()) != nil

/// The ring layer against the real kernel, one scenario per test (liburing's shape).
/// Skipped, saying so, where io_uring is denied (the epoll legs of CI).
@Suite("URing on the real kernel", .timeLimit(.minutes(1)),
       .enabled(if: ringAvailable, "io_uring is not permitted in this process"))
struct RingTests {
    /// Prepares an entry, flushing the SQ when it is full.
    func entry(_ ring: Ring) throws -> SubmissionEntry {
        while true {
            if let sqe = ring.tryNextEntry() { return sqe }
            try ring.submit()
        }
    }

    /// Waits until `count` completions were reaped (at most 2 s).
    func collect(_ ring: Ring, count: Int) throws -> [Completion] {
        var out: [Completion] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while out.count < count && ContinuousClock.now < deadline {
            try ring.submitAndWait(timeoutNanoseconds: 50_000_000)
            ring.reap { out.append($0) }
        }
        return out
    }

    @Test func setupReportsModeFeaturesAndOpcodes() throws {
        let ring = try Ring()
        #expect(ring.features.contains(.noDrop))
        #expect(ring.features.contains(.extendedArgument))
        #expect(ring.probe.supports(IORING_OP_NOP))
        #expect(ring.probe.supports(IORING_OP_ASYNC_CANCEL))
        #expect(ring.entries >= 256)
        // Linux 6.1+ takes the fastest mode; this machine runs 6.18.
        #expect(ring.mode == .deferTaskrun)
    }

    @Test func plainRingWhenDeferredTaskrunIsNotWanted() throws {
        var configuration = Ring.Configuration()
        configuration.preferDeferredTaskrun = false
        let ring = try Ring(configuration)
        #expect(ring.mode == .plain)
    }

    @Test func nopCompletesWithItsUserData() throws {
        let ring = try Ring()
        let sqe = try entry(ring)
        sqe.nop()
        sqe.userData = 42
        let done = try collect(ring, count: 1)
        #expect(done == [Completion(userData: 42, result: 0)])
    }

    @Test func aFullSubmissionQueueIsFlushedNotAnError() throws {
        var configuration = Ring.Configuration()
        configuration.entries = 8
        let ring = try Ring(configuration)
        for i in 0..<100 {
            let sqe = try entry(ring)
            sqe.nop()
            sqe.userData = UInt64(i)
        }
        let done = try collect(ring, count: 100)
        #expect(Set(done.map(\.userData)) == Set((0..<100).map(UInt64.init)))
    }

    @Test func completionsBeyondTheCQRingAreKeptNotDropped() throws {
        var configuration = Ring.Configuration()
        configuration.entries = 8
        configuration.completionMultiplier = 2
        let ring = try Ring(configuration)
        // 64 NOPs into a 16-entry CQ without reaping: the kernel holds the overflow (NODROP).
        for i in 0..<64 {
            let sqe = try entry(ring)
            sqe.nop()
            sqe.userData = UInt64(i)
        }
        try ring.submit()
        let done = try collect(ring, count: 64)
        #expect(done.count == 64)
        #expect(ring.droppedCompletions == 0)
    }

    @Test func timeoutCompletesWithETIME() throws {
        let ring = try Ring()
        var ts = __kernel_timespec(tv_sec: 0, tv_nsec: 5_000_000)
        let sqe = try entry(ring)
        sqe.timeout(&ts)
        sqe.userData = 7
        try ring.submit()
        let done = try collect(ring, count: 1)
        #expect(done.first?.error == .timerExpired)
    }

    @Test func pipeWriteThenRead() throws {
        let ring = try Ring()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let message: [UInt8] = Array("hello ring".utf8)
        var buffer = [UInt8](repeating: 0, count: 64)
        try message.withUnsafeBytes { out in
            let w = try entry(ring)
            w.write(fd: fds[1], from: out.baseAddress!, count: UInt32(out.count))
            w.userData = 1
            w.link()
            try buffer.withUnsafeMutableBytes { into in
                let r = try entry(ring)
                r.read(fd: fds[0], into: into.baseAddress!, count: 64)
                r.userData = 2
                let done = try collect(ring, count: 2).sorted { $0.userData < $1.userData }
                #expect(done.map(\.result) == [Int32(message.count), Int32(message.count)])
            }
        }
        #expect(Array(buffer.prefix(message.count)) == message)
    }

    @Test func asyncCancelStopsAPendingRead() throws {
        let ring = try Ring()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var buffer = [UInt8](repeating: 0, count: 8)
        try buffer.withUnsafeMutableBytes { into in
            let r = try entry(ring)
            r.read(fd: fds[0], into: into.baseAddress!, count: 8)
            r.userData = 10
            try ring.submit()
            let c = try entry(ring)
            c.cancel(userData: 10)
            c.userData = 11
            let done = try collect(ring, count: 2).sorted { $0.userData < $1.userData }
            #expect(done.map(\.userData) == [10, 11])
            #expect(done[0].error == .canceled)
            #expect(done[1].result == 0)
        }
    }

    @Test func linkTimeoutCancelsASlowRead() throws {
        let ring = try Ring()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var ts = __kernel_timespec(tv_sec: 0, tv_nsec: 10_000_000)
        var buffer = [UInt8](repeating: 0, count: 8)
        try buffer.withUnsafeMutableBytes { into in
            let r = try entry(ring)
            r.read(fd: fds[0], into: into.baseAddress!, count: 8)
            r.userData = 20
            r.link()
            let t = try entry(ring)
            t.linkTimeout(&ts)
            t.userData = 21
            let done = try collect(ring, count: 2).sorted { $0.userData < $1.userData }
            #expect(done[0].error == .canceled)
            #expect(done[1].error == .timerExpired)
        }
    }

    @Test func multishotPollPostsOneCompletionPerEventAndStaysArmed() throws {
        let ring = try Ring()
        let fd = eventfd(0, Int32(EFD_NONBLOCK))
        defer { close(fd) }
        let sqe = try entry(ring)
        sqe.poll(fd: fd, events: UInt32(POLLIN), multishot: true)
        sqe.userData = 30
        try ring.submit()
        var seen: [Completion] = []
        for _ in 0..<2 {
            var one: UInt64 = 1
            _ = write(fd, &one, 8)
            seen += try collect(ring, count: 1)
            _ = read(fd, &one, 8)
        }
        #expect(seen.count == 2)
        #expect(seen.allSatisfy { $0.hasMore && $0.result & Int32(POLLIN) != 0 })
    }

}

@Suite("URing errors")
struct RingErrorTests {
    @Test func unavailableErrorsNameTheirCause() {
        #expect(RingUnavailableError(setupErrno: .notPermitted).description.contains("seccomp"))
        #expect(RingUnavailableError(setupErrno: .noFunction).description.contains("ENOSYS"))
        #expect(RingUnavailableError(setupErrno: .noMemory).description.contains("RLIMIT_MEMLOCK"))
        #expect(Errno.notPermitted.description.hasPrefix("EPERM"))
    }
}
