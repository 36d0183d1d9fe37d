/// A mutual-exclusion lock for tasks (MicroPython's `asyncio.Lock`).
///
/// Strict FIFO: `release()` hands the lock to the longest waiter, and a task
/// arriving meanwhile queues behind. A waiter cancelled after it was handed the
/// lock passes it on to the next one. Prefer ``withLock(_:)`` (`async with lock`).
public final class Lock {
    // @exclusivity(unchecked) here and below: loop-thread state on the hot path; the
    // compiler still checks exclusivity statically, the run-time check cost ~15% of an
    // echo server's user time (docs/decisions/0005).
    @exclusivity(unchecked) private var machine = LockStateMachine<Waiter<Void>>()

    /// Creates an unlocked lock.
    public init() {}

    /// True while some task holds the lock or it is being handed to a waiter.
    /// (MicroPython's `locked()` reports false during a hand-off; this does not,
    /// because a newcomer would have to wait.)
    public var isLocked: Bool { machine.isLocked }

    /// Acquires the lock, waiting in FIFO order if it is held.
    ///
    /// - Throws: `CancellationError` if cancelled while waiting; the lock is then
    ///   not held by this task (if it had just been handed over, it passes on).
    public func acquire() async throws {
        if machine.acquire() == .acquired { return }
        try await Waiter<Void>().park(
            takeNow: { machine.acquire() == .acquired ? .success(()) : nil },
            enqueue: { machine.enqueue($0) },
            dequeue: { [self] in machine.cancel($0) },
            giveBack: { [self] in try? release() })
    }

    /// Acquires the lock even if the task is cancelled (a condition's waiter
    /// must hold the lock again before it throws).
    func acquireIgnoringCancellation() async {
        if machine.acquire() == .acquired { return }
        await Waiter<Void>().parkIgnoringCancellation(enqueue: { machine.enqueue($0) })
    }

    /// Releases the lock, handing it to the first waiter if there is one.
    ///
    /// Any task may release (as in MicroPython, there is no owner check).
    ///
    /// - Throws: ``SynchronizationError/lockNotAcquired`` if the lock is not held.
    public func release() throws(SynchronizationError) {
        switch try machine.release() {
        case .unlocked: break
        case .handOff(let waiter): waiter.resume(with: ())
        }
    }

    /// Runs `body` holding the lock and releases it however `body` ends
    /// (MicroPython's `async with lock:`).
    ///
    /// - Throws: `CancellationError` while acquiring; what `body` throws.
    public func withLock<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { try? release() }
        return try await body()
    }
}
