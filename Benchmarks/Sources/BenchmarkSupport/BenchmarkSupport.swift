// Helpers every benchmark target of this package shares: the clock, the
// thread that runs the loop, and the continuation hand-off the task-switch
// benchmarks use.

public import AsyncIO
import Dispatch
import Synchronization
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

/// One thread that runs every `AsyncIO.run` of a suite.
///
/// The harness calls synchronous benchmarks on a thread of Swift's
/// cooperative pool. Running the loop there would nest it inside the harness's
/// own task, and the pool thread could change between iterations (each change
/// makes the loop open a new single-issuer ring). A program runs the loop on a
/// thread of its own, usually `main`; so do the suites.
public final class LoopThread: @unchecked Sendable {
    // @unchecked Sendable: `job` is written by the caller before `request` is
    // signalled and read by the loop thread after it waits; `done` orders the rest.
    /// The suite's loop thread.
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
    ///
    /// - Throws: what `body` throws.
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
///
/// - Throws: what `AsyncIO.run` throws.
public func onLoop<T: Sendable>(_ main: @escaping @Loop () async throws -> T) throws -> T {
    try LoopThread.shared.run { try AsyncIO.run(main) }
}

/// Two tasks hand control to each other through `UnsafeContinuation`s: each
/// call stores the caller's continuation and resumes the other's, so exactly
/// one task runs at a time and every call is one switch. The atomic exchange
/// makes the very first call safe when the two tasks start on two threads
/// (the default executor); after that the hand-off itself orders them.
public final class Baton: Sendable {
    private let slot = Atomic<UInt>(0)

    /// Creates a baton nobody holds.
    public init() {}

    /// Parks the caller's continuation and resumes the partner's, if any.
    @inline(__always)
    public func handOff(_ continuation: UnsafeContinuation<Void, Never>) {
        let mine = unsafeBitCast(continuation, to: UInt.self)
        let other = slot.exchange(mine, ordering: .acquiringAndReleasing)
        if other != 0 { unsafeBitCast(other, to: UnsafeContinuation<Void, Never>.self).resume() }
    }

    /// Releases the partner after the last round.
    public func finish() {
        let other = slot.exchange(0, ordering: .acquiringAndReleasing)
        if other != 0 { unsafeBitCast(other, to: UnsafeContinuation<Void, Never>.self).resume() }
    }
}
