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
    /// The inbox of the loop whose tasks wait (0: none has waited yet), as an
    /// address: `set()` in a signal handler may not lock, allocate or retain.
    /// Loops live as long as the process (groups reuse theirs), so it stays valid.
    private let waitingInbox = Atomic<UInt>(0)
    // Touched only on the thread of the loop whose tasks wait (by `wait` and `EventLoop.pollFlags`).
    nonisolated(unsafe) private var waiters: [(waiter: Waiter<Void>, priority: Bool)] = []

    /// Creates a cleared flag. Create it before installing a signal handler that sets it.
    public init() {}

    /// Sets the flag and wakes the loop its tasks wait on. Safe from any thread and from a signal handler.
    public func set() {
        state.store(true, ordering: .sequentiallyConsistent)
        let inbox = waitingInbox.load(ordering: .sequentiallyConsistent)
        if inbox != 0 {
            Unmanaged<Inbox>.fromOpaque(UnsafeRawPointer(bitPattern: inbox)!).takeUnretainedValue().wake()
        }
    }

    /// Clears the flag without waking anyone.
    public func clear() {
        state.store(false, ordering: .sequentiallyConsistent)
    }

    /// Waits until the flag is set, then clears it. Returns at once, without
    /// yielding, if it is already set.
    ///
    /// - Parameter priority: when true, the task runs as soon as the loop sees
    ///   the flag set, ahead of every task ready then, and the loop looks for
    ///   it after each task instead of once per turn (MicroPython's proposed
    ///   `wait(priority=True)`, for interrupt-to-task latency while other tasks
    ///   keep the loop busy). Otherwise it queues behind the tasks ready then.
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    public func wait(priority: Bool = false) async throws {
        if state.exchange(false, ordering: .sequentiallyConsistent) { return }
        let loop = try EventLoop.running("ThreadSafeFlag.wait")
        try await Waiter<Void>().park(
            takeNow: { state.exchange(false, ordering: .sequentiallyConsistent) ? .success(()) : nil },
            enqueue: { waiter in
                let inbox = UInt(bitPattern: Unmanaged.passUnretained(loop.inbox).toOpaque())
                let previous = waitingInbox.exchange(inbox, ordering: .sequentiallyConsistent)
                precondition(previous == inbox || waiters.isEmpty,
                             "ThreadSafeFlag: tasks of two loops wait on one flag; give each loop its own")
                waiters.append((waiter, priority))
                if priority { loop.core.pointee.priorityFlagWaiters += 1 }
                loop.watch(self)
                // A set() that read no inbox before the exchange above did not
                // wake this loop; the flag is checked at the next wake-up, so make one.
                if state.load(ordering: .sequentiallyConsistent) { loop.inbox.wake() }
            },
            dequeue: { [self] waiter in
                if let index = waiters.firstIndex(where: { $0.waiter === waiter }) {
                    if waiters[index].priority { loop.core.pointee.priorityFlagWaiters -= 1 }
                    waiters.remove(at: index)
                }
                if waiters.isEmpty { loop.unwatch(self) }
            },
            // Woken, then cancelled before it ran: the set must not be lost.
            giveBack: { [self] _ in set() })
    }

    /// Called by the loop after a wake-up: if the flag is set, clears it and
    /// wakes every waiter (priority ones at the front of the ready queue, in
    /// the order they waited). Returns true when nobody waits any more.
    func poll() -> Bool {
        guard !waiters.isEmpty, state.exchange(false, ordering: .sequentiallyConsistent) else {
            return waiters.isEmpty
        }
        let woken = waiters
        waiters.removeAll(keepingCapacity: true)
        let loop = EventLoop.current!
        for (waiter, priority) in woken.reversed() where priority {
            loop.core.pointee.priorityFlagWaiters -= 1
            loop.core.pointee.queueNextAtFront = true
            waiter.resume(with: ())
            loop.core.pointee.queueNextAtFront = false
        }
        for (waiter, priority) in woken where !priority { waiter.resume(with: ()) }
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
        core.pointee.watchedFlags.removeAll { $0.poll() }
    }
}
