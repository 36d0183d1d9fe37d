extension Loop {
    /// Queues `callback` to run on the loop behind every task and callback
    /// ready now (CPython's `loop.call_soon`). It runs outside any task, so it
    /// cannot await; start a task from it to do so. It runs on the loop of
    /// the calling thread.
    ///
    /// Traps off a loop's thread.
    public static func callSoon(_ callback: @escaping () -> Void) {
        EventLoop.requireRunning("Loop.callSoon").callSoon(callback)
    }

    /// Queues `callback` to run on the loop, from any thread (CPython's
    /// `loop.call_soon_threadsafe`, MicroPython's `micropython.schedule` for
    /// asyncio code): the loop wakes if it is waiting, and the callback runs
    /// behind the tasks and callbacks ready then. Not async-signal-safe (it
    /// allocates); from a signal handler set a ``ThreadSafeFlag`` instead.
    /// Callbacks queued while the loop is not running run at its next run.
    /// This is the main loop's (`@Loop`); ``Loop/call(_:)`` reaches any loop.
    public static func callSoonThreadsafe(_ callback: @escaping @Sendable @Loop () -> Void) {
        let loop = EventLoop.shared
        loop.inbox.post(.callback { loop.callSoon { Loop.assumeIsolated(callback) } })
    }
}
