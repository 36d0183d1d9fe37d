/// A done callback added to a task, for ``AnyTaskHandle/removeDoneCallback(_:)``.
public struct DoneCallbackID: Hashable, Sendable {
    let value: Int
}

extension AnyTaskHandle {
    /// Calls `callback` with this task when it finishes (CPython's
    /// `add_done_callback`): right as it finishes, in the order added, before
    /// the tasks awaiting it run; at once if it has finished already (as in
    /// MicroPython; CPython would call it soon instead). Any number of
    /// callbacks may be added (MicroPython allows one).
    ///
    /// - Returns: an id for ``removeDoneCallback(_:)``.
    @discardableResult
    public func addDoneCallback(_ callback: @escaping (AnyTaskHandle) -> Void) -> DoneCallbackID {
        if isDone {
            callback(self)
            return DoneCallbackID(value: 0)
        }
        return DoneCallbackID(value: addObserver(callback))
    }

    /// Removes a callback added with ``addDoneCallback(_:)`` that has not run.
    ///
    /// - Returns: true if it was removed (CPython returns the number removed).
    @discardableResult
    public func removeDoneCallback(_ id: DoneCallbackID) -> Bool {
        removeObserver(id.value)
    }

    /// The error the task finished with: nil while it runs and after it
    /// returned a value; `CancellationError` if it was cancelled (CPython's
    /// `exception()`, which raises instead in those two cases). Reading it counts
    /// as retrieving the error (the exception handler is then not called).
    public var exception: (any Error)? {
        guard isDone else { return nil }
        retrieved = true
        return failure
    }
}

extension AnyTaskHandle: Hashable {
    /// Two handles are equal when they are the same task.
    public nonisolated static func == (a: AnyTaskHandle, b: AnyTaskHandle) -> Bool { a === b }

    /// Hashes the task's identity (tasks can be kept in sets, as in CPython).
    public nonisolated func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

extension AnyTaskHandle {
    /// Waits until the task has finished and rethrows its error, for callers
    /// that hold only the untyped handle (``TaskHandle/value`` has the result).
    ///
    /// - Throws: the task's error; `CancellationError` as ``TaskHandle/value`` does.
    public func waitUntilDone() async throws {
        retrieved = true
        if !isDone { try await waitUntilFinished() }
        if let failure { throw failure }
    }
}
