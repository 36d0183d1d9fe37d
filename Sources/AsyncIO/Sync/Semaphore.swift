/// A counting semaphore for tasks (CPython's `asyncio.Semaphore`; MicroPython's
/// asyncio has none, micropython-async's is not fair).
///
/// It holds a number of permits: ``acquire()`` takes one, waiting while none is
/// free, and ``release()`` returns one. Strict FIFO: a release while tasks wait
/// hands the permit to the longest waiter, and a task arriving meanwhile queues
/// behind. A waiter cancelled after it was handed a permit passes it on.
/// Prefer ``withPermit(_:)`` (`async with sem:`). ``release()`` is never checked
/// against the initial value; use ``BoundedSemaphore`` for that.
public final class Semaphore: PermitPool {
    /// The permits and waiters (``PermitPool``).
    var machine: SemaphoreStateMachine<Waiter<Void>>

    /// Creates a semaphore with `value` free permits (CPython's default is 1).
    ///
    /// - Throws: ``LoopError/invalidArgument(api:argument:reason:)`` for a
    ///   negative `value` (CPython raises `ValueError`).
    public init(value: Int = 1) throws(LoopError) {
        guard value >= 0 else {
            throw .invalidArgument(api: "Semaphore", argument: "value: \(value)", reason: "must not be negative")
        }
        machine = SemaphoreStateMachine(value: value, bounded: false)
    }

    /// The number of free permits (0 while tasks wait or a permit is being handed over).
    public var value: Int { machine.value }

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
    /// free permits. Never throws; releasing more often than acquiring raises
    /// the number of permits.
    public func release() {
        wake(machine.returnPermit())
    }

    /// Runs `body` holding a permit and releases it however `body` ends
    /// (`async with sem:`).
    ///
    /// - Throws: `CancellationError` while acquiring (then `body` does not run);
    ///   what `body` throws.
    public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
