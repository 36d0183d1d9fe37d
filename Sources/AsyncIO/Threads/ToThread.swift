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
@Loop
public func toThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let loop = EventLoop.shared
    try loop.checkOnLoop("toThread")
    let outcome = Future<T>()
    WorkerPool.shared.submit {
        let result = Result(catching: body)
        loop.inbox.post(.callback {
            Loop.assumeIsolated {
                switch result {
                case .success(let value): _ = outcome.resolve(value)
                case .failure(let error): _ = outcome.fail(error)
                }
            }
        })
    }
    return try await outcome.value
}
