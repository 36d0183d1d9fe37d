/// A semaphore that refuses to be released more often than it was acquired
/// (CPython's `asyncio.BoundedSemaphore`).
///
/// Behaves as ``Semaphore`` (strict FIFO hand-off, cancellation passes a
/// handed permit on), except that ``release()`` throws when every permit is
/// already free, which catches a release without a matching acquire.
public final class BoundedSemaphore: PermitPool {
    /// The permits and waiters (``PermitPool``).
    var machine: SemaphoreStateMachine<Waiter<Void>>

    /// Creates a semaphore with `value` free permits; `value` is also the most
    /// there may ever be (CPython's default is 1).
    ///
    /// - Throws: ``LoopError/invalidArgument(api:argument:reason:)`` for a
    ///   negative `value` (CPython raises `ValueError`).
    public init(value: Int = 1) throws(LoopError) {
        guard value >= 0 else {
            throw .invalidArgument(api: "BoundedSemaphore", argument: "value: \(value)", reason: "must not be negative")
        }
        machine = SemaphoreStateMachine(value: value, bounded: true)
    }

    /// The number of free permits (0 while tasks wait or a permit is being handed over).
    public var value: Int { machine.value }

    /// The initial value: the most permits there may be.
    public var limit: Int { machine.limit! }

    /// True when ``acquire()`` would wait: no permit is free (CPython's `locked()`).
    public var isLocked: Bool { machine.isLocked }

    /// Takes a permit, waiting in FIFO order while none is free; returns at
    /// once, without yielding, when one is.
    ///
    /// - Throws: `CancellationError` if cancelled while waiting; the task then
    ///   holds no permit (one it had just been handed passes on to the next
    ///   waiter, or back to the pool).
    public func acquire() async throws { try await acquirePermit() }

    /// Returns a permit: hands it to the first waiting task, or adds it to the
    /// free permits.
    ///
    /// - Throws: ``SynchronizationError/semaphoreOverReleased(limit:)`` if every
    ///   permit is free already (nothing changes then).
    public func release() throws(SynchronizationError) {
        wake(try machine.release())
    }

    /// Runs `body` holding a permit and releases it however `body` ends
    /// (`async with sem:`).
    ///
    /// - Throws: `CancellationError` while acquiring (then `body` does not run);
    ///   what `body` throws. (If `body` released the permit itself, the second
    ///   release is refused and ignored.)
    public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { try? release() }
        return try await body()
    }
}
