/// A flag tasks can wait for (MicroPython's `asyncio.Event`).
///
/// `set()` wakes every waiter; `wait()` returns at once while the flag is set.
/// It belongs to the loop that made it (its tasks share it); from other threads,
/// other loops or signal handlers use ``ThreadSafeFlag``.
public final class Event {
    // @exclusivity(unchecked) here and below: loop-thread state on the hot path; the
    // compiler still checks exclusivity statically, the run-time check cost ~15% of an
    // echo server's user time (docs/decisions/0005).
    @exclusivity(unchecked) private var machine = EventStateMachine<Waiter<Void>>()

    /// Creates a cleared event.
    public init() {}

    /// True while the flag is set (MicroPython's `is_set()`).
    public var isSet: Bool { machine.isSet }

    /// Sets the flag and wakes every waiting task (in the order they waited).
    public func set() {
        // `resume` only schedules the waiter, so nothing re-enters `machine` meanwhile.
        machine.set { $0.resume(with: ()) }
    }

    /// Clears the flag. Tasks already woken by ``set()`` still return from `wait()`.
    public func clear() { machine.clear() }

    /// Waits until the flag is set; returns at once, without yielding, if it is.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting (a
    ///   task cancelled after `set()` woke it, but before it ran, also throws).
    public func wait() async throws {
        if machine.wait() == .returnNow { return }
        try await Waiter<Void>().park(
            takeNow: { machine.isSet ? .success(()) : nil },
            enqueue: { machine.enqueue($0) },
            dequeue: { [self] in machine.cancel($0) })
    }
}
