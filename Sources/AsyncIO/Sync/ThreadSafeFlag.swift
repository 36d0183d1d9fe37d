import Synchronization

/// A self-clearing flag that any thread, or a POSIX signal handler, can set to
/// wake tasks on the loop (MicroPython's `asyncio.ThreadSafeFlag`).
///
/// `set()` is async-signal-safe: it does one atomic store, one atomic exchange
/// and at most one `write(2)` to the loop's eventfd; it never locks or
/// allocates. The loop notices the flag on its next pass and wakes every task
/// waiting on it; each `wait()` clears the flag as it returns.
///
/// Unlike MicroPython, any number of tasks may wait: `set()` wakes all of them
/// (MicroPython silently loses all but the last waiter). Several `set()` calls
/// before a waiter runs count as one, as in MicroPython.
public final class ThreadSafeFlag: Sendable {
    private let state = Atomic<Bool>(false)
    /// Captured at creation, so `set()` in a signal handler never runs a lazy
    /// global initialiser (which takes a lock).
    private let inbox: Inbox
    // Touched only on the loop thread (by `wait` and `EventLoop.pollFlags`).
    nonisolated(unsafe) private var waiters: [Waiter<Void>] = []

    /// Creates a cleared flag. Create it before installing a signal handler that sets it.
    public init() {
        inbox = EventLoop.shared.inbox
    }

    /// Sets the flag and wakes the loop. Safe from any thread and from a signal handler.
    public func set() {
        state.store(true, ordering: .sequentiallyConsistent)
        inbox.wake()
    }

    /// Clears the flag without waking anyone.
    public func clear() {
        state.store(false, ordering: .sequentiallyConsistent)
    }

    /// Waits until the flag is set, then clears it. Returns at once, without
    /// yielding, if it is already set.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    @Loop
    public func wait() async throws {
        if state.exchange(false, ordering: .sequentiallyConsistent) { return }
        let loop = EventLoop.shared
        try await Waiter<Void>().park(
            takeNow: { state.exchange(false, ordering: .sequentiallyConsistent) ? .success(()) : nil },
            enqueue: { waiter in
                waiters.append(waiter)
                loop.watch(self)
            },
            dequeue: { [self] waiter in
                waiters.removeAll { $0 === waiter }
                if waiters.isEmpty { loop.unwatch(self) }
            },
            // Woken, then cancelled before it ran: the set must not be lost.
            giveBack: { [self] _ in set() })
    }

    /// Called by the loop after a wake-up: if the flag is set, clears it and
    /// wakes every waiter. Returns true when nobody waits any more.
    @Loop
    func poll() -> Bool {
        guard !waiters.isEmpty, state.exchange(false, ordering: .sequentiallyConsistent) else {
            return waiters.isEmpty
        }
        let woken = waiters
        waiters.removeAll(keepingCapacity: true)
        for waiter in woken { waiter.resume(with: ()) }
        return true
    }
}

extension EventLoop {
    /// Starts checking `flag` after each wake-up (while it has waiters).
    func watch(_ flag: ThreadSafeFlag) {
        if !core.pointee.watchedFlags.contains(where: { $0 === flag }) {
            core.pointee.watchedFlags.append(flag)
        }
    }

    /// Stops checking `flag`.
    func unwatch(_ flag: ThreadSafeFlag) {
        core.pointee.watchedFlags.removeAll { $0 === flag }
    }

    /// Wakes the waiters of every flag that was set. Loop thread only.
    func pollFlags() {
        guard !core.pointee.watchedFlags.isEmpty else { return }
        Loop.assumeIsolated {
            core.pointee.watchedFlags.removeAll { $0.poll() }
        }
    }
}
