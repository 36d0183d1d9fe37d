/// Runs `main` as the first task on the loop, on the calling thread, until it
/// finishes; returns its value or rethrows its error (MicroPython's `asyncio.run`).
///
/// When `main` finishes, tasks it left running are cancelled and the loop runs
/// until they have finished, so nothing outlives the call.
///
/// ```swift
/// try AsyncIO.run {
///     try await sleep(0.1)
///     print("done")
/// }
/// ```
///
/// - Throws: what `main` throws; ``LoopError/alreadyRunning`` if the loop runs
///   already (for example when called from inside a task);
///   ``LoopError/stoppedBeforeCompletion`` if `Loop.stop()` ended the run first;
///   ``LoopError/backendUnavailable(reason:)`` if no kernel backend can start.
public func run<T: Sendable>(_ main: @escaping @Loop () async throws -> T) throws -> T {
    let loop = EventLoop.shared
    return try loop.withLoopThread {
        let handle = Loop.assumeIsolated { TaskHandle<T>.spawnMain(main) }
        let completed = loop.drive(until: { handle.hasFinished })
        loop.finishRun()
        guard completed else { throw LoopError.stoppedBeforeCompletion }
        return try Loop.assumeIsolated { try handle.takeOutcome() }
    }
}

extension EventLoop {
    /// Cancels every live task (at the end of `run`).
    func cancelAllTasks() {
        for handle in core.pointee.tasks.all { handle.cancel() }
    }
}
