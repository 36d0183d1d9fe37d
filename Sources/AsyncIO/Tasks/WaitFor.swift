/// Runs `body` as a task and waits at most `timeout` for it (MicroPython's
/// `wait_for`). On timeout the task is cancelled and awaited (so its cleanup
/// has run), then ``TimeoutError`` is thrown, even if the task swallowed the
/// cancellation, as MicroPython does. A `nil` timeout waits without limit; a
/// negative one counts as zero, and one too long to represent never expires.
///
/// The deadline is one entry in the loop's timer heap, not another task.
///
/// - Throws: ``TimeoutError`` on timeout; what `body` throws; `CancellationError`
///   if the waiting task is cancelled: the inner task is cancelled too, and
///   this throws at once, without waiting for it (MicroPython's order).
public func waitFor<T: Sendable>(
    @_inheritActorContext(always) _ body: sending @escaping @isolated(any) () async throws -> T, timeout: Duration?
) async throws -> T {
    try await waitFor(createTask(body), timeout: timeout)
}

/// Waits at most `timeout` for an existing task; on timeout the task is
/// cancelled and awaited, then ``TimeoutError`` is thrown.
///
/// - Throws: ``TimeoutError`` on timeout; what the task throws; `CancellationError`
///   if the waiting task is cancelled (the awaited task is cancelled too, and
///   this throws at once).
public func waitFor<T: Sendable>(_ task: TaskHandle<T>, timeout: Duration?) async throws -> T {
    guard let timeout else { return try await task.value }
    let loop = try EventLoop.running("waitFor")
    // The outcome is this call's to report: the task's failure is not "unretrieved".
    task.retrieved = true
    let deadline = MonotonicClock.deadline(after: timeout)
    let expiry = TimeoutFlag()
    let timer = loop.call(at: deadline) { expiry.fired = task.cancel() }
    defer { loop.cancelTimer(timer) }
    do {
        // Not `value`: a cancellation of this task must reach this wait (and
        // end it at once), not be forwarded to `task` as `value` would do. The
        // end of `task` wakes it one turn of the ready queue later, the turn
        // MicroPython's runner task takes, so that tasks interleave as there.
        var observer = 0
        defer { task.removeObserver(observer) }
        try await Waiter<Void>().park(
            takeNow: { task.isDone ? .success(()) : nil },
            enqueue: { waiter in
                observer = task.addObserver { _ in
                    loop.callSoon { if waiter.isParked { waiter.resume(with: ()) } }
                }
            },
            dequeue: { _ in })
    } catch let error as CancellationError {
        task.cancel()
        throw error
    }
    if expiry.fired { throw TimeoutError() }
    return try task.takeOutcome()
}

/// `waitFor` with the timeout in milliseconds (MicroPython's `wait_for_ms`).
///
/// - Throws: as `waitFor(_:timeout:)`.
public func waitForMs<T: Sendable>(@_inheritActorContext(always) _ body: sending @escaping @isolated(any) () async throws -> T, _ timeout: Int) async throws -> T {
    try await waitFor(body, timeout: .milliseconds(timeout))
}

/// Whether a `waitFor` deadline cancelled its task.
private final class TimeoutFlag {
    var fired = false
}
