/// Runs `body` as a task and waits at most `timeout` for it (MicroPython's
/// `wait_for`). On timeout the task is cancelled and awaited (so its cleanup
/// has run), then ``TimeoutError`` is thrown, even if the task swallowed the
/// cancellation, as MicroPython does. A `nil` timeout waits without limit.
///
/// - Throws: ``TimeoutError`` on timeout; what `body` throws; `CancellationError`
///   if the waiting task is cancelled (the inner task is cancelled too).
@Loop
public func waitFor<T: Sendable>(
    _ body: @escaping @Loop () async throws -> T, timeout: Duration?
) async throws -> T {
    let task = createTask(body)
    return try await waitFor(task, timeout: timeout)
}

/// Waits at most `timeout` for an existing task; see ``waitFor(_:timeout:)-(()->T,_)``.
///
/// - Throws: ``TimeoutError`` on timeout (the task is cancelled and awaited first);
///   what the task throws; `CancellationError` if the waiting task is cancelled.
@Loop
public func waitFor<T: Sendable>(_ task: TaskHandle<T>, timeout: Duration?) async throws -> T {
    guard let timeout else { return try await task.value }
    let timer = createTask(name: "waitFor-timer") { () async throws -> Bool in
        try await sleep(for: timeout)
        return task.cancel()
    }
    do {
        let value = try await task.value
        timer.cancel()
        _ = await timer.result(settled: ())
        return value
    } catch {
        timer.cancel()
        let timedOut = (try? await timer.value) == true
        if timedOut { throw TimeoutError() }
        throw error
    }
}

/// `waitFor` with the timeout in milliseconds (MicroPython's `wait_for_ms`).
///
/// - Throws: as ``waitFor(_:timeout:)-(()->T,_)``.
@Loop
public func waitForMs<T: Sendable>(_ body: @escaping @Loop () async throws -> T, _ timeout: Int) async throws -> T {
    try await waitFor(body, timeout: .milliseconds(timeout))
}

extension TaskHandle {
    /// Waits for the task to finish without rethrowing, and returns its outcome.
    func result(settled: Void) async -> Result<Success, any Error> {
        do { return .success(try await value) } catch { return .failure(error) }
    }
}
