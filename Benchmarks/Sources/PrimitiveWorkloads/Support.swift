// Helpers shared by PrimitiveBenchmarks (the harness) and PrimitivesFullPool.
// The same as CoreBenchmarks' helpers, which stay in that target.

import AsyncIO
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic nanoseconds.
@inline(__always)
public func nowNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
}

/// One thread that runs every `AsyncIO.run` of the suite, as a program runs
/// the loop on a thread of its own (see CoreBenchmarks' `LoopThread`).
public final class LoopThread: @unchecked Sendable {
    // @unchecked Sendable: `job` is written by the caller before `request` is
    // signalled and read by the loop thread after it waits; `done` orders the rest.
    public static let shared = LoopThread()

    private let request = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var job: (() -> Void)?

    private init() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { argument in
            let me = Unmanaged<LoopThread>.fromOpaque(argument!).takeRetainedValue()
            me.serve()
        }, context)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }

    private func serve() -> Never {
        while true {
            request.wait()
            job!()
            job = nil
            done.signal()
        }
    }

    /// Runs `body` on the loop thread and waits for it.
    public func run<T>(_ body: () throws -> T) throws -> T {
        var result: Result<T, any Error>?
        withoutActuallyEscaping(body) { body in
            job = { result = Result { try body() } }
            request.signal()
            done.wait()
        }
        return try result!.get()
    }
}

/// Runs `main` with `AsyncIO.run` on the suite's loop thread.
public func onLoop<T: Sendable>(_ main: @escaping @Loop () async throws -> T) throws -> T {
    try LoopThread.shared.run { try AsyncIO.run(main) }
}

/// Sizes of one iteration, the same in every implementation (and in
/// Benchmarks/python/primitives.py).
public enum Size {
    /// Event ping-pong round trips (two switches each).
    public static let pingPongRounds = 50_000
    /// Lock: tasks contending, and acquire/release rounds per task.
    public static let lockTasks = 8
    public static let lockRounds = 5_000
    /// Queue: items put and got per iteration (split evenly between the
    /// producers, and between the consumers).
    public static let queueItems = 100_000
    /// Spawn (PrimitivesLoop only): tasks per iteration, as in CoreBenchmarks.
    public static let spawnTotal = 200_000
    /// Task switches of the baseline (two tasks, half each).
    public static let switchRounds = 50_000
    /// Yields of the baseline.
    public static let yields = 100_000
}
