public import AsyncIO
import Synchronization
public import Testing
#if canImport(Glibc)
public import Glibc
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
/// expects the calling thread's loop's counts to equal `baseline`.
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

/// A child process started with `posix_spawnp`, its standard output on a pipe.
public final class ChildProcess: Sendable {
    /// The child's pid.
    public let pid: pid_t
    /// The read end of the child's standard output (non-blocking is not needed: read it with `RawIO`).
    public let stdoutFD: Int32

    /// Starts `arguments[0]` (looked up in `PATH`) with the rest as its arguments.
    public init(_ arguments: [String]) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        var pid = pid_t()
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let rc = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        for p in argv { free(p) }
        posix_spawn_file_actions_destroy(&actions)
        close(fds[1])
        precondition(rc == 0, "posix_spawnp \(arguments[0]) failed: \(rc)")
        self.pid = pid
        stdoutFD = fds[0]
    }

    /// Waits for the child to exit and returns its exit status (or 128+signal).
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(stdoutFD)
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}

/// The calling process's resident set size, in bytes (from /proc/self/statm).
public func residentBytes() -> Int {
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var text = [UInt8](repeating: 0, count: 256)
    let n = read(fd, &text, text.count)
    let fields = String(decoding: text.prefix(max(0, n)), as: UTF8.self).split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// CPU seconds (user + system) this process has used.
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Sets the soft limit on open files, returning the previous soft limit.
@discardableResult
public func setOpenFileLimit(_ soft: rlim_t) -> rlim_t {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    let previous = limit.rlim_cur
    limit.rlim_cur = min(soft, limit.rlim_max)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return previous
}

/// Holds a loop-bound value in `@Loop` state, so that a `@Sendable` closure
/// (another thread's) can carry the holder and touch the value from a `@Loop`
/// callback. Values made on the main loop are not Sendable themselves.
@Loop
public final class LoopHeld<Value> {
    /// The value, reachable only from `@Loop` code.
    public let value: Value

    /// Holds `value`.
    public init(_ value: Value) { self.value = value }
}

/// Open file descriptors of this process.
public func openDescriptorCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var count = 0
    while readdir(dir) != nil { count += 1 }
    return count
}
