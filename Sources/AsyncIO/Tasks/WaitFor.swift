/// Runs `body` as a task and waits at most `timeout` for it (MicroPython's
/// `wait_for`). On timeout the task is cancelled and awaited (so its cleanup
/// has run), then ``TimeoutError`` is thrown, even if the task swallowed the
/// cancellation, as MicroPython does. A `nil` timeout waits without limit.
///
/// The deadline is one entry in the loop's timer heap, not another task.
///
/// - Throws: ``TimeoutError`` on timeout; what `body` throws; `CancellationError`
///   if the waiting task is cancelled (the inner task is cancelled too and, as
///   in CPython, awaited before this throws).
@Loop
public func waitFor<T: Sendable>(
    _ body: @escaping @Loop () async throws -> T, timeout: Duration?
) async throws -> T {
    try await waitFor(createTask(body), timeout: timeout)
}

/// Waits at most `timeout` for an existing task; on timeout the task is
/// cancelled and awaited, then ``TimeoutError`` is thrown.
///
/// - Throws: ``TimeoutError`` on timeout; what the task throws; `CancellationError`
///   if the waiting task is cancelled (the awaited task is cancelled too).
@Loop
public func waitFor<T: Sendable>(_ task: TaskHandle<T>, timeout: Duration?) async throws -> T {
    guard let timeout else { return try await task.value }
    let loop = EventLoop.shared
    try loop.checkOnLoop("waitFor")
    let deadline = MonotonicClock.now() &+ max(0, timeout.nanosecondsClamped)
    let expiry = TimeoutFlag()
    let timer = loop.call(at: deadline) {
        Loop.assumeIsolated {
            expiry.fired = task.cancel()
        }
    }
    defer { loop.cancelTimer(timer) }
    let outcome: Result<T, any Error>
    do { outcome = .success(try await task.value) } catch { outcome = .failure(error) }
    if expiry.fired { throw TimeoutError() }
    return try outcome.get()
}

/// `waitFor` with the timeout in milliseconds (MicroPython's `wait_for_ms`).
///
/// - Throws: as `waitFor(_:timeout:)`.
@Loop
public func waitForMs<T: Sendable>(_ body: @escaping @Loop () async throws -> T, _ timeout: Int) async throws -> T {
    try await waitFor(body, timeout: .milliseconds(timeout))
}

/// Whether a `waitFor` deadline cancelled its task.
@Loop
private final class TimeoutFlag {
    var fired = false
}
