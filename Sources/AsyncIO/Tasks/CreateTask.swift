/// Starts `body` as a new task on the loop and returns its handle (MicroPython's
/// `create_task`). The task first runs when the current task next awaits.
///
/// The task prefers the loop as its executor, so everything it calls,
/// including nonisolated functions, `async let` and task-group children,
/// stays on the loop thread. (A bare `Task { }` would not; see docs/08-pitfalls.md.)
///
/// - Parameters:
///   - name: shown in diagnostics; defaults to `Task-N`.
///   - body: the task's code.
@discardableResult @inlinable
public func createTask<T: Sendable>(name: String? = nil, @_inheritActorContext(always) _ body: sending @escaping @isolated(any) () async throws -> T) -> TaskHandle<T> {
    TaskHandle.spawn(name: name, body)
}

extension Loop {
    /// Same as the free function ``createTask(name:_:)`` (MicroPython's `Loop.create_task`).
    @discardableResult @inlinable
    public static func createTask<T: Sendable>(name: String? = nil, @_inheritActorContext(always) _ body: sending @escaping @isolated(any) () async throws -> T) -> TaskHandle<T> {
        TaskHandle.spawn(name: name, body)
    }
}

/// The task that is running now (MicroPython's `current_task()`).
///
/// - Throws: ``LoopError/noRunningTask`` outside a task made by `run` or
///   `createTask` (for example in an `async let` child, which is part of its parent).
public func currentTask() throws -> AnyTaskHandle {
    guard let handle = AnyTaskHandle.runningHere() else { throw LoopError.noRunningTask }
    return handle
}

/// The loop's tasks that have not finished, the running one included (CPython's
/// `asyncio.all_tasks()`): those made by `run`, `createTask`, servers and
/// task scopes, not Swift's task-group children or bare `Task`s.
public func allTasks() -> Set<AnyTaskHandle> {
    Set(EventLoop.requireRunning("allTasks()").core.pointee.tasks.all.lazy.filter { !$0.isDone })
}

/// The actor a task body is isolated to (read through a non-`sending`
/// parameter: reading it on a `sending` one crashes the 6.3 frontend,
/// swiftlang/swift#84645).
@usableFromInline
func isolation<T>(of body: @isolated(any) () async throws -> T) -> (any Actor)? {
    body.isolation
}
