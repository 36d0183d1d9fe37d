extension Loop {
    /// Runs `body` on this loop, as a task of its own isolated to it, and
    /// returns its value or rethrows its error (decision 0008).
    ///
    /// The caller may be on another loop, on this one, or on any thread's task;
    /// it waits without blocking its loop. Only Sendable values cross: `body`
    /// captures and returns them; whatever it makes on this loop stays here.
    ///
    /// ```swift
    /// let total = try await group.loops[1].call { loop in
    ///     try await Task.sleep(for: .milliseconds(5))   // loop 1's timers
    ///     return loop.index
    /// }
    /// ```
    ///
    /// Cancelling the caller cancels the task on this loop; the call then ends
    /// with what that task did (its value if it finished first, else its error).
    ///
    /// - Throws: what `body` throws; `CancellationError`;
    ///   ``LoopError/loopNotRunning(index:)`` if this loop is not running (a call
    ///   racing the loop's end waits until the loop runs again or the caller is cancelled).
    public nonisolated func call<T: Sendable>(
        _ body: @escaping @Sendable (isolated Loop) async throws -> T
    ) async throws -> T {
        guard eventLoop.isRunning else { throw LoopError.loopNotRunning(index: index) }
        let task = Task(executorPreference: eventLoop.taskExecutor) { [self] in try await body(self) }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}

extension Loop {
    /// Queues `callback` to run on this loop, from any thread, without waiting
    /// for it (CPython's `loop.call_soon_threadsafe`): the loop wakes if it is
    /// waiting, and the callback runs behind the tasks and callbacks ready then,
    /// outside any task (it cannot await; start a task from it to do so). A
    /// callback queued while the loop is not running runs at its next run.
    /// Not async-signal-safe (it allocates): from a signal handler set a ``ThreadSafeFlag``.
    public nonisolated func post(_ callback: @escaping @Sendable (isolated Loop) -> Void) {
        let loop = eventLoop
        loop.inbox.post(.callback { [self] in
            loop.callSoon {
                typealias Unisolated = @Sendable (Loop) -> Void
                // Runs on this loop's thread, its actor's executor: calling the
                // isolated closure here is what its isolation means (as in `Loop.assumeIsolated`).
                unsafeBitCast(callback, to: Unisolated.self)(self)
            }
        })
    }
}
