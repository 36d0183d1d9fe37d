/// When ``wait(_:returnWhen:timeout:)`` returns.
public enum ReturnWhen: Sendable, Equatable {
    /// As soon as any task finishes (CPython `FIRST_COMPLETED`).
    case firstCompleted
    /// As soon as any task fails, or all finish (CPython `FIRST_EXCEPTION`).
    case firstException
    /// When all tasks have finished (CPython `ALL_COMPLETED`).
    case allCompleted
}

/// Waits for some or all of `tasks` (CPython's `asyncio.wait`) and returns
/// which finished and which are still running, each in the order given.
/// Nothing is cancelled, on timeout or otherwise; no failure is thrown (read
/// the finished tasks' `result`).
///
/// - Parameters:
///   - timeout: the longest wait; on expiry the split at that moment is returned.
/// - Throws: `CancellationError` if the waiting task is cancelled.
public func wait<T: Sendable>(
    _ tasks: [TaskHandle<T>], returnWhen: ReturnWhen = .allCompleted, timeout: Duration? = nil
) async throws -> (done: [TaskHandle<T>], pending: [TaskHandle<T>]) {
    func split() -> (done: [TaskHandle<T>], pending: [TaskHandle<T>]) {
        (tasks.filter(\.isDone), tasks.filter { !$0.isDone })
    }
    func satisfied(by finished: AnyTaskHandle?) -> Bool {
        switch returnWhen {
        case .firstCompleted: return finished != nil || tasks.contains(where: \.isDone)
        case .firstException:
            return finished?.failure != nil || tasks.contains { $0.failure != nil } || tasks.allSatisfy(\.isDone)
        case .allCompleted: return tasks.allSatisfy(\.isDone)
        }
    }
    if tasks.isEmpty || satisfied(by: nil) { return split() }
    if let timeout {
        // nonisolated(unsafe): the waiting task runs on this loop, which owns the handles.
        nonisolated(unsafe) let handles = tasks
        nonisolated(unsafe) let isSatisfied = satisfied
        do {
            try await withTimeout(timeout) {
                try await waitForTasks(handles, ready: { isSatisfied(nil) }, until: { isSatisfied($0) })
            }
        } catch is TimeoutError {}
    } else {
        try await waitForTasks(tasks, ready: { satisfied(by: nil) }, until: { satisfied(by: $0) })
    }
    return split()
}
