/// A condition variable for tasks (CPython's `asyncio.Condition`).
///
/// A task holding the lock calls ``wait()`` (or ``wait(for:)``) to release the
/// lock and sleep until another task holding the lock calls ``notify(count:)``
/// or ``notifyAll()``; the waiter then re-acquires the lock before it returns.
/// Waiters are notified in FIFO order. Wake-ups are never lost: a waiter
/// cancelled after it was notified passes the notification on to the next one.
///
/// As with ``Lock``, there is no owner: "holding the lock" is checked as "the
/// lock is locked", which is what CPython checks too.
public final class Condition {
    /// The lock ``wait()`` releases and re-acquires.
    public let lock: Lock
    private var machine = ConditionStateMachine<Waiter<Void>>()

    /// Creates a condition on `lock`, which may be shared with other conditions
    /// (by default a new lock).
    public init(lock: Lock = Lock()) {
        self.lock = lock
    }

    /// True while the lock is held (CPython's `locked()`).
    public var isLocked: Bool { lock.isLocked }

    /// Acquires the lock (see ``Lock/acquire()``).
    ///
    /// - Throws: `CancellationError` if cancelled while waiting for the lock.
    public func acquire() async throws { try await lock.acquire() }

    /// Releases the lock (see ``Lock/release()``).
    ///
    /// - Throws: ``SynchronizationError/lockNotAcquired`` if it is not held.
    public func release() throws(SynchronizationError) { try lock.release() }

    /// Runs `body` holding the lock (`async with cond:`).
    ///
    /// - Throws: `CancellationError` while acquiring; what `body` throws.
    public func withLock<T>(_ body: () async throws -> T) async throws -> T {
        try await lock.withLock(body)
    }

    /// Releases the lock, waits to be notified, then re-acquires the lock,
    /// which the caller holds again when this returns or throws.
    ///
    /// - Throws: ``SynchronizationError/conditionLockNotHeld`` (at once) if the
    ///   lock is not held; `CancellationError` if cancelled while waiting or
    ///   re-acquiring. The lock is re-acquired first even then (CPython), so a
    ///   cancelled waiter still waits for whoever holds the lock to release it;
    ///   a notification this task received passes on to the next waiter.
    public func wait() async throws {
        guard lock.isLocked else { throw SynchronizationError.conditionLockNotHeld }
        var failure: (any Error)?
        var notified = false
        var released = false
        do {
            // The lock is released where the task parks, after it joined the
            // waiters (CPython's order): a notify, which needs the lock, cannot
            // fall between the two, even in a bare `Task { @Loop in }` whose hops
            // suspend.
            try await Waiter<Void>().park(
                enqueue: {
                    machine.enqueue($0)
                    try? lock.release()
                    released = true
                },
                dequeue: { [self] in machine.cancel($0) },
                giveBack: { [self] in passNotificationOn() })
            notified = true
        } catch {
            failure = error
        }
        // Cancelled before parking: the lock was never released, and is still held.
        if released, let error = await reacquireLock() {
            // Notified, but this task will not act on it: let another waiter.
            if notified { passNotificationOn() }
            failure = failure ?? error
        }
        if let failure { throw failure }
    }

    /// Waits until `predicate` is true (CPython's `wait_for`): checks it, and
    /// while false calls ``wait()`` and checks it again. The predicate runs
    /// with the lock held.
    ///
    /// - Throws: ``SynchronizationError/conditionLockNotHeld`` if the lock is
    ///   not held; what ``wait()`` or `predicate` throws (the lock is held then).
    public func wait(for predicate: () throws -> Bool) async throws {
        guard lock.isLocked else { throw SynchronizationError.conditionLockNotHeld }
        while try !predicate() {
            try await wait()
        }
    }

    /// Wakes up to `count` waiting tasks, longest waiting first. Each returns
    /// from ``wait()`` once it has re-acquired the lock, so after the caller
    /// releases it.
    ///
    /// - Throws: ``SynchronizationError/conditionLockNotHeld`` if the lock is not held.
    public func notify(count: Int = 1) throws(SynchronizationError) {
        guard lock.isLocked else { throw .conditionLockNotHeld }
        for waiter in machine.notify(count: count) { waiter.resume(with: ()) }
    }

    /// Wakes every waiting task (CPython's `notify_all()`).
    ///
    /// - Throws: ``SynchronizationError/conditionLockNotHeld`` if the lock is not held.
    public func notifyAll() throws(SynchronizationError) {
        guard lock.isLocked else { throw .conditionLockNotHeld }
        for waiter in machine.notifyAll() { waiter.resume(with: ()) }
    }

    private func passNotificationOn() {
        for waiter in machine.notify(count: 1) { waiter.resume(with: ()) }
    }

    /// Acquires the lock even if the task is cancelled; returns the
    /// cancellation error, if any, for the caller to rethrow afterwards.
    private func reacquireLock() async -> (any Error)? {
        await lock.acquireIgnoringCancellation()
        return Task.isCancelled ? CancellationError() : nil
    }

}
