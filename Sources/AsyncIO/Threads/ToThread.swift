/// Runs the blocking function `body` on a worker thread and waits for its
/// result without blocking the loop (CPython's `asyncio.to_thread`; MicroPython
/// runs it on a thread of its own). Other tasks run meanwhile.
///
/// `body` must not touch loop state: it is `@Sendable` and runs on another
/// thread. The workers are a pool of at most `min(32, cores + 4)` threads
/// (CPython's default); more calls wait for a free worker.
///
/// - Throws: what `body` throws; `CancellationError` if the waiting task is
///   cancelled: it stops waiting at once, while `body` runs to its end on its
///   thread (a thread cannot be interrupted) and its result is dropped.
public func toThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let loop = try EventLoop.running("toThread")
    let outcome = Future<T>()
    // The future stays on this loop: the worker posts its result to the loop's inbox.
    let bound = LoopBound(outcome)
    WorkerPool.shared.submit {
        let result = Result(catching: body)
        loop.inbox.post(.callback {
            switch result {
            case .success(let value): _ = bound.value.resolve(value)
            case .failure(let error): _ = bound.value.fail(error)
            }
        })
    }
    return try await outcome.value
}
