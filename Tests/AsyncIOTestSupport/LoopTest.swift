public import AsyncIO
import Synchronization
public import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` as a task on the default loop (through `AsyncIO.run`) with a
/// time limit, then checks that the loop holds nothing more than before:
/// no operation in flight, no timer, no task beyond the baseline.
///
/// A body that outlives `timeout` is cancelled and the test fails with
/// `TimeoutError`, so a lost completion fails a test instead of hanging CI.
@discardableResult
public func runLoopTest<T: Sendable>(
    timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Loop () async throws -> T
) throws -> T {
    try AsyncIO.run {
        let baseline = try Loop.statistics()
        let work = createTask(name: "test-body", body)
        let value = try await waitFor(work, timeout: timeout)
        try await settle(to: baseline, sourceLocation: sourceLocation)
        return value
    }
}

/// Lets finished tasks unwind (a few scheduling passes, at most 1 s), then
/// expects the loop's counts to equal `baseline`.
@Loop
public func settle(to baseline: LoopStatistics, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    var now = try Loop.statistics()
    var passes = 0
    while !matches(now, baseline) && passes < 1000 {
        try await sleepMs(passes < 10 ? 0 : 1)
        now = try Loop.statistics()
        passes += 1
    }
    #expect(now.operationsInFlight == baseline.operationsInFlight, "operations leaked: \(now)", sourceLocation: sourceLocation)
    #expect(now.timers == baseline.timers, "timers leaked: \(now)", sourceLocation: sourceLocation)
    #expect(now.tasks == baseline.tasks, "tasks leaked: \(now)", sourceLocation: sourceLocation)
}

private func matches(_ a: LoopStatistics, _ b: LoopStatistics) -> Bool {
    a.operationsInFlight == b.operationsInFlight && a.timers == b.timers && a.tasks == b.tasks
}

/// The calling thread's id, to check where code ran.
public func currentThreadID() -> UInt { UInt(pthread_self()) }

/// Seconds elapsed since `start` on the monotonic clock.
public func elapsed(since start: ContinuousClock.Instant) -> Duration { ContinuousClock.now - start }

/// A pipe whose ends are closed when the value is released.
public final class TestPipe: Sendable {
    /// The read end.
    public let readFD: Int32
    /// The write end.
    public let writeFD: Int32

    /// Creates a pipe.
    public init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Writes `bytes` synchronously to the write end.
    public func send(_ bytes: [UInt8]) {
        let n = bytes.withUnsafeBytes { write(writeFD, $0.baseAddress, $0.count) }
        precondition(n == bytes.count)
    }
}

/// Records values from any thread (for callbacks such as the exception handler).
public final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])

    /// Creates an empty recorder.
    public init() {}

    /// Appends a value.
    public func append(_ value: Value) { storage.withLock { $0.append(value) } }

    /// What was recorded so far.
    public var values: [Value] { storage.withLock { $0 } }
}

/// Runs `body` on a new POSIX thread (not a Swift concurrency thread) and returns a joiner.
public func startThread(_ body: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
    final class Box: @unchecked Sendable {
        // @unchecked Sendable: written before the thread starts, read by it once.
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(&thread, nil, { arg in
        let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    precondition(rc == 0)
    let joined = thread
    return { pthread_join(joined, nil) }
}
