/// A scope whose tasks all finish before it ends (CPython's `asyncio.TaskGroup`,
/// used through ``withTaskScope(_:)``).
///
/// The first task that fails cancels the scope's other tasks and the body of
/// the scope (the task that opened it), so everything unwinds at once; the
/// scope then throws what failed. Tasks that end by cancellation are not
/// failures. Named apart from Swift's own `TaskGroup`, whose child tasks are
/// not loop tasks.
public final class TaskScope {
    private let parent: AnyTaskHandle
    private var tasks: Set<AnyTaskHandle> = []
    private var errors: [any Error] = []
    private var aborting = false
    private var finished = false
    /// This scope cancelled `parent` (not yet taken back with `uncancel`).
    private var parentCancelRequested = false
    /// Wakes the exit wait when the last task finished.
    private var exitWaiter: Waiter<Void>?

    init(parent: AnyTaskHandle) {
        self.parent = parent
    }

    /// The scope's tasks that have not finished.
    public var taskCount: Int { tasks.count }

    /// Starts `body` as a task of this scope (CPython's `TaskGroup.create_task`).
    ///
    /// - Throws: ``TaskScopeError/closed`` once the scope has ended, or while
    ///   it is being cancelled because a task failed (CPython refuses those too).
    @discardableResult
    public func createTask<T: Sendable>(name: String? = nil, @_inheritActorContext(always) _ body: sending @escaping @isolated(any) () async throws -> T) throws(TaskScopeError) -> TaskHandle<T> {
        if finished || aborting { throw .closed }
        let task = TaskHandle.spawn(name: name, body)
        tasks.insert(task)
        task.addDoneCallback { [self] done in taskFinished(done) }
        return task
    }

    private func taskFinished(_ task: AnyTaskHandle) {
        tasks.remove(task)
        if tasks.isEmpty, let waiter = exitWaiter, waiter.isParked { waiter.resume(with: ()) }
        guard !task.isCancelled, let error = task.exception else { return }
        errors.append(error)
        if !aborting && !parentCancelRequested {
            abort()
            // Interrupt the body where it waits, unless it already waits at
            // the end of the scope (there is nothing to interrupt then).
            if exitWaiter == nil {
                parentCancelRequested = true
                parent.cancel()
            }
        }
    }

    private func abort() {
        aborting = true
        for task in tasks where !task.isDone { task.cancel() }
    }

    /// Ends the scope after the body returned or threw: waits for every task,
    /// then returns the body's value or throws.
    func exit<T>(_ body: Result<T, any Error>) async throws -> T {
        defer { finished = true }
        var propagatedCancellation: CancellationError?
        if case .failure(let error as CancellationError) = body { propagatedCancellation = error }
        if parentCancelRequested {
            parentCancelRequested = false
            // Only this scope's own request was pending: it must not escape as
            // a cancellation of the caller.
            if parent.uncancel() == 0 { propagatedCancellation = nil }
        }
        if case .failure = body, !aborting { abort() }
        while !tasks.isEmpty {
            do {
                try await Waiter<Void>().park(
                    takeNow: { tasks.isEmpty ? .success(()) : nil },
                    enqueue: { exitWaiter = $0 },
                    dequeue: { _ in })
            } catch let error as CancellationError {
                // The caller was cancelled while the scope waits: cancel the tasks and go on waiting.
                if !aborting {
                    propagatedCancellation = error
                    abort()
                }
            }
            exitWaiter = nil
        }
        if let propagatedCancellation, errors.isEmpty { throw propagatedCancellation }
        if case .failure(let error) = body, !(error is CancellationError) { errors.append(error) }
        if errors.count == 1 { throw errors[0] }
        if errors.count > 1 { throw TaskScopeError.failed(errors) }
        return try body.get()
    }
}

/// Why a ``TaskScope`` failed or refused a task.
public enum TaskScopeError: Error, CustomStringConvertible {
    /// Several of the scope's tasks (and perhaps its body) failed: every error,
    /// in the order they happened, the body's last (CPython's `ExceptionGroup`).
    /// A single failure is thrown as itself.
    case failed([any Error])
    /// ``TaskScope/createTask(name:_:)`` after the scope ended or while it is
    /// being cancelled.
    case closed

    /// A readable form, for logs and messages.
    public var description: String {
        switch self {
        case .failed(let errors): return "unhandled errors in a task scope (\(errors.count) sub-exceptions): \(errors.map { "\($0)" }.joined(separator: "; "))"
        case .closed: return "the task scope has ended or is shutting down"
        }
    }
}

/// Runs `body` with a ``TaskScope`` and waits for every task started in it
/// (CPython's `async with asyncio.TaskGroup() as tg:`).
///
/// ```swift
/// try await withTaskScope { scope in
///     try scope.createTask { try await fetch("a") }
///     try scope.createTask { try await fetch("b") }
/// }   // both have finished here
/// ```
///
/// When a task fails, the other tasks and `body` are cancelled (`body` gets
/// `CancellationError` at its await) and, once all have finished, the failure
/// is thrown. When the calling task is cancelled, the scope's tasks are
/// cancelled too and `CancellationError` is thrown after they finished.
///
/// - Returns: what `body` returns.
/// - Throws: the one error if one task (or `body`) failed;
///   ``TaskScopeError/failed(_:)`` with all of them if several did;
///   `CancellationError` if the caller was cancelled and nothing failed;
///   ``LoopError/noRunningTask`` outside a task made by `run` or `createTask`.
public func withTaskScope<T>(_ body: (TaskScope) async throws -> T) async throws -> T {
    guard let parent = AnyTaskHandle.runningHere() else { throw LoopError.noRunningTask }
    let scope = TaskScope(parent: parent)
    let outcome: Result<T, any Error>
    do { outcome = .success(try await body(scope)) } catch { outcome = .failure(error) }
    return try await scope.exit(outcome)
}
