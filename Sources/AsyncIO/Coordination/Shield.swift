/// Waits for `task` without passing cancellation on to it (CPython's `shield`).
///
/// If the waiting task is cancelled, it throws `CancellationError` at once and
/// `task` keeps running; others can still await it.
///
/// - Throws: what `task` throws; `CancellationError` if the waiting task is cancelled.
public func shield<T: Sendable>(_ task: TaskHandle<T>) async throws -> T {
    task.retrieved = true
    if !task.isDone {
        try await waitForTasks([task], ready: { task.isDone }, until: { _ in true })
    }
    return try task.takeOutcome()
}
