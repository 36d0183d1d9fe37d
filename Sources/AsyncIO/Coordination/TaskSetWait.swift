/// Suspends the calling task until `shouldWake` says so, asking it each time
/// one of `handles` finishes. The building block of `gather`, `wait`, `shield`
/// and `asCompleted`.
///
/// - Parameters:
///   - handles: the tasks to watch (finished ones are not watched).
///   - ready: checked where the task parks, right before it starts watching:
///     true ends the wait at once. The caller's own check ran earlier, and a
///     bare `Task { @Loop in }` can be suspended in between while tasks finish.
///   - shouldWake: called with each task as it finishes; true ends the wait.
/// - Throws: `CancellationError` if the waiting task is cancelled (the watched
///   tasks are left alone: what to do with them is the caller's choice).
func waitForTasks(
    _ handles: [AnyTaskHandle],
    ready: () -> Bool,
    until shouldWake: @escaping (AnyTaskHandle) -> Bool
) async throws {
    var watched: [(AnyTaskHandle, Int)] = []
    defer { for (handle, id) in watched { handle.removeObserver(id) } }
    try await Waiter<Void>().park(
        takeNow: { ready() ? .success(()) : nil },
        enqueue: { waiter in
            for handle in handles where !handle.isDone {
                let id = handle.addObserver { finished in
                    if waiter.isParked && shouldWake(finished) { waiter.resume(with: ()) }
                }
                watched.append((handle, id))
            }
        },
        dequeue: { _ in })
}
