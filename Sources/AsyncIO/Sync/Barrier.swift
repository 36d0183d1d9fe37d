/// A barrier: a rendezvous for a fixed number of tasks (CPython 3.11's
/// `asyncio.Barrier`).
///
/// Each task calls ``wait()``; the first `parties - 1` wait, and the last one
/// to arrive releases them all. The barrier can then be used again. ``reset()``
/// and ``abort()`` release the waiting tasks with
/// ``SynchronizationError/barrierBroken``; after ``abort()`` every ``wait()``
/// throws it until ``reset()``.
public final class Barrier {
    private var machine: BarrierStateMachine<Waiter<Int>>

    /// Creates a barrier for `parties` tasks.
    ///
    /// - Throws: ``LoopError/invalidArgument(api:argument:reason:)`` for fewer
    ///   than one party (CPython raises `ValueError`).
    public init(parties: Int) throws(LoopError) {
        guard parties >= 1 else {
            throw .invalidArgument(api: "Barrier", argument: "parties: \(parties)", reason: "must be at least 1")
        }
        machine = BarrierStateMachine(parties: parties)
    }

    /// The number of tasks that must call ``wait()`` to pass the barrier.
    public var parties: Int { machine.parties }

    /// Tasks waiting in ``wait()`` for the barrier to trip (CPython's `n_waiting`).
    public var waitingCount: Int { machine.waitingCount }

    /// True after ``abort()`` until ``reset()`` (CPython's `broken`).
    public var isBroken: Bool { machine.isBroken }

    /// Waits until `parties` tasks have called `wait()`; the last to arrive
    /// does not wait.
    ///
    /// - Returns: this task's arrival index in the round, from 0 (first) to
    ///   `parties - 1` (the one that tripped the barrier), different for each task.
    ///   A waiter cancelled before the barrier tripped does not count, and later
    ///   arrivals take its place.
    /// - Throws: ``SynchronizationError/barrierBroken`` if the barrier is broken,
    ///   or is reset or aborted while this task waits; `CancellationError` if
    ///   cancelled while waiting (the other parties are then still released if
    ///   the barrier had already tripped).
    public func wait() async throws -> Int {
        switch machine.arrive() {
        case .broken:
            throw SynchronizationError.barrierBroken
        case .trip(let index, let waiters):
            for (i, waiter) in waiters.enumerated() { waiter.resume(with: i) }
            return index
        case .suspend:
            // Arrives again where the task parks: in a bare `Task { @Loop in }`
            // the hops before it suspend, and other parties may arrive meanwhile
            // (an arrival that does not trip changes nothing, so this is safe).
            return try await Waiter<Int>().park(
                takeNow: {
                    switch machine.arrive() {
                    case .broken: return .failure(SynchronizationError.barrierBroken)
                    case .trip(let index, let waiters):
                        for (i, waiter) in waiters.enumerated() { waiter.resume(with: i) }
                        return .success(index)
                    case .suspend: return nil
                    }
                },
                enqueue: { machine.enqueue($0) },
                dequeue: { [self] in machine.cancel($0) })
        }
    }

    /// Returns the barrier to its initial state: the waiting tasks throw
    /// ``SynchronizationError/barrierBroken``, and a broken barrier is usable again.
    public func reset() {
        for waiter in machine.reset() { waiter.fail(with: SynchronizationError.barrierBroken) }
    }

    /// Breaks the barrier: the waiting tasks, and every later ``wait()`` until
    /// ``reset()``, throw ``SynchronizationError/barrierBroken``.
    public func abort() {
        for waiter in machine.abort() { waiter.fail(with: SynchronizationError.barrierBroken) }
    }
}
