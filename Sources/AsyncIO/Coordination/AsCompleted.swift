/// The tasks of `tasks` in the order they finish (CPython's `as_completed`):
///
/// ```swift
/// for try await finished in asCompleted(downloads) {
///     print(try await finished.value)
/// }
/// ```
public func asCompleted<T: Sendable>(_ tasks: [TaskHandle<T>]) -> AsCompleted<T> {
    AsCompleted(tasks)
}

/// An asynchronous sequence of tasks, each yielded once it has finished.
///
/// Iterating it throws `CancellationError` if the iterating task is cancelled;
/// the tasks themselves are not cancelled.
public struct AsCompleted<T: Sendable>: AsyncSequence {
    /// The values the sequence yields.
    public typealias Element = TaskHandle<T>
    private let tasks: [TaskHandle<T>]

    init(_ tasks: [TaskHandle<T>]) { self.tasks = tasks }

    /// An iterator over the tasks, each yielded once it has finished.
    public nonisolated func makeAsyncIterator() -> Iterator {
        Iterator(pending: tasks)
    }

    /// Yields the next task to finish; nil once all were yielded.
    public struct Iterator: AsyncIteratorProtocol {
        private var pending: [TaskHandle<T>]

        nonisolated init(pending: [TaskHandle<T>]) { self.pending = pending }

        /// The next finished task.
        ///
        /// - Throws: `CancellationError` if the iterating task is cancelled.
        public mutating func next() async throws -> TaskHandle<T>? {
            let (next, rest) = try await Self.takeNextFinished(from: pending)
            pending = rest
            return next
        }

        /// The next element, waiting in the caller's isolation (what `for try await` calls).
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> TaskHandle<T>? {
            try await next()
        }

        private static func takeNextFinished(
            from pending: [TaskHandle<T>]
        ) async throws -> (TaskHandle<T>?, [TaskHandle<T>]) {
            if pending.isEmpty { return (nil, []) }
            if !pending.contains(where: { $0.isDone }) {
                try await waitForTasks(pending, ready: { pending.contains(where: { $0.isDone }) }, until: { _ in true })
            }
            var rest = pending
            let next = rest.remove(at: rest.firstIndex(where: { $0.isDone })!)
            return (next, rest)
        }
    }
}
