/// Waits for every task and returns their values as a tuple (MicroPython's
/// `gather`): `let (a, b) = try await gather(t1, t2)`.
///
/// The first failure *in time* is thrown at once; the other tasks keep running
/// (a sibling's failure cancels nobody). Cancelling the waiting task cancels
/// every task still running. The tasks' failures count as retrieved.
///
/// - Throws: the first task failure to happen (`CancellationError` if a task
///   was cancelled); `CancellationError` if the waiting task is cancelled.
public func gather<each T: Sendable>(_ tasks: repeat TaskHandle<each T>) async throws -> (repeat each T) {
    var handles: [AnyTaskHandle] = []
    for task in repeat each tasks { handles.append(task) }
    try await gatherAll(handles, stopOnFailure: true)
    return (repeat try (each tasks).takeOutcome())
}

/// Waits for every task and returns each outcome as a `Result`, failures
/// included (MicroPython's `gather(..., return_exceptions=True)`).
///
/// - Parameter returnExceptions: MicroPython's spelling; this form always returns
///   `Result`s whatever the value (write `true`). The form without it throws instead.
/// - Throws: `CancellationError` only if the waiting task is cancelled (every
///   task still running is then cancelled).
public func gather<each T: Sendable>(
    _ tasks: repeat TaskHandle<each T>, returnExceptions: Bool
) async throws -> (repeat Result<each T, any Error>) {
    var handles: [AnyTaskHandle] = []
    for task in repeat each tasks { handles.append(task) }
    try await gatherAll(handles, stopOnFailure: false)
    return (repeat (each tasks).settledResult())
}

/// Waits for every task of an array and returns their values in order.
///
/// - Throws: as the tuple form.
public func gather<T: Sendable>(_ tasks: [TaskHandle<T>]) async throws -> [T] {
    try await gatherAll(tasks, stopOnFailure: true)
    return try tasks.map { try $0.takeOutcome() }
}

/// Waits for every task of an array and returns each outcome as a `Result`.
///
/// - Throws: `CancellationError` only if the waiting task is cancelled.
public func gather<T: Sendable>(_ tasks: [TaskHandle<T>], returnExceptions: Bool) async throws -> [Result<T, any Error>] {
    try await gatherAll(tasks, stopOnFailure: false)
    return tasks.map { $0.settledResult() }
}

/// Waits until every task finished, or (with `stopOnFailure`) one failed; on
/// failure throws it; on cancellation cancels every running task.
private func gatherAll(_ handles: [AnyTaskHandle], stopOnFailure: Bool) async throws {
    for handle in handles { handle.retrieved = true }
    // Failed before the call: the first in argument order (MicroPython).
    if stopOnFailure, let failed = handles.first(where: { $0.failure != nil }) { throw failed.failure! }
    var remaining = handles.count { !$0.isDone }
    if remaining == 0 { return }
    var firstFailure: (any Error)?
    do {
        try await waitForTasks(handles, ready: {
            // Counted again where the task parks (tasks may have finished meanwhile).
            if stopOnFailure, let failed = handles.first(where: { $0.failure != nil }) {
                firstFailure = failed.failure
                return true
            }
            remaining = handles.count { !$0.isDone }
            return remaining == 0
        }, until: { finished in
            remaining -= 1
            if stopOnFailure, let failure = finished.failure {
                firstFailure = failure
                return true
            }
            return remaining == 0
        })
    } catch let error as CancellationError {
        // Cancelled: the tasks still running are cancelled as the gathering task
        // resumes with the error (MicroPython's order: tasks ready before it run first).
        for handle in handles where !handle.isDone { handle.cancel() }
        throw error
    }
    if let firstFailure { throw firstFailure }
}

extension TaskHandle {
    /// The outcome of a finished task as a `Result`, counted as retrieved.
    func settledResult() -> Result<Success, any Error> {
        retrieved = true
        return result!
    }
}
