import Synchronization

/// The untyped part of a task handle: what ``currentTask()`` and the exception
/// handler can know about any task.
public class AnyTaskHandle: CustomStringConvertible {
    /// The loop the task runs on; every use of the handle is checked against it.
    @usableFromInline let loop: EventLoop

    private let explicitName: String?
    private let serial: Int
    /// Set once the body has returned or thrown; read by the loop's run condition.
    nonisolated(unsafe) private(set) var hasFinished = false
    /// True once someone asked for the outcome (`value`, `result`): failures are then theirs.
    @usableFromInline var retrieved = false
    /// The Swift task's address while the loop's registry holds the handle.
    nonisolated(unsafe) var registryKey: UnsafeRawPointer?
    /// True once an unretrieved failure went to the exception handler.
    @usableFromInline var reported = false
    /// What the task waits in while suspended, for ``cancel()`` (ParkedWait.swift).
    /// Loop thread only; `nonisolated(unsafe)` so that waits isolated to the
    /// caller's actor (I/O, sleep) can fill it without a hop.
    // @exclusivity(unchecked) here and below: loop-thread state on the hot path; the
    // compiler still checks exclusivity statically, the run-time check cost ~15% of an
    // echo server's user time (docs/decisions/0005).
    @exclusivity(unchecked) nonisolated(unsafe) var parkedIn = ParkedWait.nothing
    /// A `cancel()` not yet delivered: the next wait of this task throws
    /// `CancellationError` once (ParkedWait.swift). Loop thread only.
    @exclusivity(unchecked) @usableFromInline nonisolated(unsafe) var cancelRequested = false
    /// Set when the body starts (a task cancelled before that never runs it).
    @exclusivity(unchecked) @usableFromInline nonisolated(unsafe) var hasStarted = false

    @usableFromInline init(name: String?, loop: EventLoop) {
        explicitName = name
        serial = nextTaskSerial.add(1, ordering: .relaxed).newValue
        self.loop = loop
    }

    /// The task's name: the one given to `createTask`, else `Task-N`.
    public var name: String { explicitName ?? "Task-\(serial)" }

    nonisolated var nameForDiagnostics: String { TaskNaming.name(explicitName, serial) }

    /// True once the task finished: it returned, threw, or was cancelled.
    public var isDone: Bool { hasFinished }

    /// True if the task finished by cancellation.
    public var isCancelled: Bool { hasFinished && finishedByCancellation }

    var finishedByCancellation: Bool { false }

    /// Requests cancellation, as MicroPython's `Task.cancel()` does: one
    /// `CancellationError` is thrown into the task at the await where it is
    /// suspended, or at its next await if it is ready to run (or is the caller).
    /// A task cancelled before it first runs never runs its body. A task that
    /// awaits another task's `value` passes the request on to that task and
    /// gets its outcome. A task that catches the error may go on awaiting (for
    /// cleanup, say); several requests before it is delivered count as one.
    ///
    /// A task suspended in an await outside this library (`Task.sleep`, a task
    /// group, another actor) is cancelled the Swift way instead: that await
    /// throws, and `Task.isCancelled` stays true in the task.
    ///
    /// - Returns: false if the task had already finished, else true.
    @discardableResult
    public func cancel() -> Bool {
        loop.checkOwner("task '\(nameForDiagnostics)'")
        if hasFinished { return false }
        let target = cancellationTarget()
        target.cancelling += 1
        target.requestCancellation()
        return true
    }

    /// The cancellation requests made of this task and not taken back with
    /// ``uncancel()`` (CPython's `cancelling()`). Structured helpers such as
    /// ``withTaskScope(_:)`` use it to tell their own request from a caller's.
    public private(set) var cancelling = 0

    /// Takes back one cancellation request (CPython's `uncancel()`); when none
    /// is left, one not yet delivered is dropped.
    ///
    /// - Returns: the requests left.
    @discardableResult
    public func uncancel() -> Int {
        if cancelling > 0 { cancelling -= 1 }
        if cancelling == 0 { cancelRequested = false }
        return cancelling
    }

    func cancelUnderlying() {}

    /// Waits for the Swift task behind the handle (callers outside `createTask` tasks).
    func waitForUnderlyingTask() async {}

    /// The error the task finished with (nil while running or after success).
    private(set) var failure: (any Error)?
    private var observers: [(id: Int, call: (AnyTaskHandle) -> Void)] = []

    @usableFromInline func markFinished(failure: (any Error)?) {
        hasFinished = true
        self.failure = failure
        let toCall = observers
        observers.removeAll()
        for observer in toCall { observer.call(self) }
    }

    /// Calls `body` once, when the task finishes (now is too late: check `isDone` first).
    ///
    /// - Returns: an id for ``removeObserver(_:)``.
    func addObserver(_ body: @escaping (AnyTaskHandle) -> Void) -> Int {
        // Ids are unique across tasks, so a done-callback id of one task never
        // removes another task's callback.
        let id = nextObserverID.add(1, ordering: .relaxed).newValue
        observers.append((id, body))
        return id
    }

    /// Forgets an observer that is no longer interested.
    ///
    /// - Returns: true if it was still registered.
    @discardableResult
    func removeObserver(_ id: Int) -> Bool {
        guard let index = observers.firstIndex(where: { $0.id == id }) else { return false }
        observers.remove(at: index)
        return true
    }

    /// A readable form, for logs and messages.
    public nonisolated var description: String { "<Task \(nameForDiagnostics)>" }
}

/// Task serial numbers (`Task-N`), unique in the process.
private let nextTaskSerial = Atomic<Int>(0)
/// Done-callback ids, unique in the process.
private let nextObserverID = Atomic<Int>(0)

/// Formats a task name without touching actor-isolated state.
enum TaskNaming {
    static func name(_ explicit: String?, _ serial: Int) -> String { explicit ?? "Task-\(serial)" }
}

/// A task running on the loop, returned by ``createTask(name:_:)``: MicroPython's `Task`.
///
/// Await ``value`` for its result (any number of tasks may, any number of
/// times); ``cancel()`` it; check ``isDone``. A task that fails while nobody
/// awaits it is reported to the loop's exception handler, once.
public final class TaskHandle<Success: Sendable>: AnyTaskHandle {
    // Internal and inlinable, with `spawn`, `execute`, `finish` and `value`, so
    // that clients specialise a task's life for its result type: unspecialised,
    // generic metadata look-ups were about 12% of a spawn (docs/benchmarks.md).
    @usableFromInline var task: Task<Void, Never>?
    @usableFromInline var outcome: Result<Success, any Error>?

    /// The outcome once the task finished, nil while it runs. Reading it counts
    /// as retrieving a failure (the exception handler is then not called).
    public var result: Result<Success, any Error>? {
        if outcome != nil { retrieved = true }
        return outcome
    }

    override var finishedByCancellation: Bool {
        if case .failure(let error)? = outcome { return error is CancellationError }
        return false
    }

    /// Waits for the task and returns its value.
    ///
    /// Cancelling the waiting task cancels this one instead, and the waiting
    /// task gets this one's outcome (MicroPython forwards cancellation to the
    /// awaited task). Waiters resume in the order they began to wait, as soon
    /// as the task finishes.
    ///
    /// - Throws: what the task threw, `CancellationError` if it was cancelled,
    ///   ``LoopError/awaitedItself(task:)`` if a task awaits its own handle.
    @inlinable public var value: Success {
        get async throws {
            retrieved = true
            if let outcome { return try outcome.get() }
            try await waitUntilFinished()
            return try outcome!.get()
        }
    }

    override func cancelUnderlying() { task?.cancel() }

    override func waitForUnderlyingTask() async { await task?.value }

    /// The outcome of a finished task, counted as retrieved.
    func takeOutcome() throws -> Success {
        retrieved = true
        return try outcome!.get()
    }

    /// Starts `body` as a task on the loop and registers it.
    @inlinable
    static func spawn(name: String?, _ body: sending @escaping @isolated(any) () async throws -> Success) -> TaskHandle<Success> {
        let loop = EventLoop.requireRunning("createTask")
        let handle = TaskHandle(name: name, loop: loop)
        // nonisolated(unsafe): the handle and the body stay on this loop: the task
        // prefers the loop's executor, the body keeps the isolation it inherited
        // from its creator on this loop, and the handle checks its owner (decision 0008).
        nonisolated(unsafe) let unsafeHandle = handle
        nonisolated(unsafe) let unsafeBody = body
        // The task starts isolated to the body's actor (its creator's loop), so
        // the body runs in the task's first job without a hop (decision 0002);
        // the outcome is kept in the handle, not in the Swift task.
        let task = loop.startTask(name: name, isolation: isolation(of: unsafeBody)) {
            _ = try? await unsafeHandle.execute(unsafeBody)
        }
        handle.task = task
        // The registry's key is the task's address (a `Task` is one reference).
        handle.register(key: unsafeBitCast(task, to: UnsafeRawPointer.self))
        return handle
    }

    /// Starts the task `run`/`runUntilComplete` wait for; its outcome is
    /// returned to their caller, so a failure is never "unretrieved".
    static func spawnMain(name: String? = "main", _ body: @escaping @Loop () async throws -> Success) -> TaskHandle<Success> {
        let handle = spawn(name: name, body)
        handle.retrieved = true
        return handle
    }

    @inlinable
    func execute(_ body: @isolated(any) () async throws -> Success) async throws -> Success {
        defer { unregister() }
        hasStarted = true
        // Cancelled before it first ran: the body never runs (MicroPython).
        if takeCancellation() {
            finish(.failure(CancellationError()))
            throw CancellationError()
        }
        do {
            // No cancellation handler: `cancel()` reaches the task's waits
            // through `parkedIn` on the loop thread (decision 0007).
            let value = try await body()
            finish(.success(value))
            return value
        } catch {
            finish(.failure(error))
            if !(error is CancellationError) && !retrieved {
                // Like MicroPython, give an awaiter one scheduling pass to claim the error.
                await yieldOnce()
                if !retrieved && !reported {
                    reported = true
                    loop.callExceptionHandler(
                        ExceptionContext(message: "Task exception wasn't retrieved", error: error, task: self))
                }
            }
            throw error
        }
    }

    @inlinable
    func finish(_ result: Result<Success, any Error>) {
        outcome = result
        if case .failure(let error) = result { markFinished(failure: error) } else { markFinished(failure: nil) }
    }
}

extension AnyTaskHandle {
    /// Enters the loop's registry under `key`, the address of its Swift task.
    @usableFromInline func register(key: UnsafeRawPointer) {
        loop.core.pointee.tasks.insert(self, key: key)
    }

    /// Leaves the loop's registry (the body has finished).
    @usableFromInline func unregister() { loop.core.pointee.tasks.remove(self) }

    /// Waits until this task has finished, without retrieving its outcome.
    ///
    /// In a `createTask` task the wait is the library's (cancellation is
    /// forwarded to this task, ParkedWait.swift); elsewhere it is Swift's
    /// `Task.value`, and cancelling the caller cancels this task.
    ///
    /// - Throws: `CancellationError` if the waiting task is cancelled after this
    ///   one finished but before it resumed; ``LoopError/awaitedItself(task:)``
    ///   if a task awaits its own handle.
    @usableFromInline func waitUntilFinished() async throws {
        if let current = AnyTaskHandle.runningHere(on: loop) {
            if current === self { throw LoopError.awaitedItself(task: name) }
            if hasFinished { return }
            var observer = 0
            defer { removeObserver(observer) }
            try await Waiter<Void>().park(
                forwardingTo: self,
                takeNow: { hasFinished ? .success(()) : nil },
                enqueue: { waiter in observer = addObserver { _ in if waiter.isParked { waiter.resume(with: ()) } } },
                dequeue: { _ in })
            return
        }
        let handle = LoopBound(self)
        let loop = self.loop
        try await loop.withLoopPreferred {
            await withTaskCancellationHandler {
                await waitForUnderlyingTask()
            } onCancel: {
                loop.onLoop { _ = handle.value.cancel() }
            }
        }
    }

    /// Gives awaiters one scheduling pass (a `sleep(0)` that cannot be cancelled).
    @usableFromInline func yieldOnce() async {
        await loop.yieldOnce()
    }
}
