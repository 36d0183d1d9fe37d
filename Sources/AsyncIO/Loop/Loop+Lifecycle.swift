extension Loop {
    /// Runs the loop on the calling thread until ``stop()`` is called.
    ///
    /// Tasks still pending when it returns stay queued and resume at the next run.
    ///
    /// - Throws: ``LoopError/alreadyRunning`` if the loop is running (here or on
    ///   another thread); ``LoopError/backendUnavailable(reason:)`` if no kernel
    ///   backend can be set up.
    public static func runForever() throws {
        let loop = EventLoop.shared
        try loop.withLoopThread { _ = loop.drive(until: { false }) }
    }

    /// Runs the loop until `body`, started as a new task, finishes; returns its value.
    ///
    /// Unlike ``AsyncIO/run(_:)`` other tasks are left as they are (MicroPython's
    /// `run_until_complete`), and resume at the next run.
    ///
    /// - Throws: what `body` throws; ``LoopError/alreadyRunning``;
    ///   ``LoopError/stoppedBeforeCompletion`` if ``stop()`` ended the run first
    ///   (the task stays, and a later run continues it);
    ///   ``LoopError/backendUnavailable(reason:)``.
    public static func runUntilComplete<T: Sendable>(
        name: String? = "main", _ body: @escaping @Loop () async throws -> T
    ) throws -> T {
        let loop = EventLoop.shared
        return try loop.withLoopThread {
            let main = Loop.assumeIsolated { TaskHandle<T>.spawnMain(name: name, body) }
            guard loop.drive(until: { main.hasFinished }) else { throw LoopError.stoppedBeforeCompletion }
            return try Loop.assumeIsolated { try main.takeOutcome() }
        }
    }

    /// Makes a running ``runForever()`` return after the tasks already due have
    /// run. Safe from any thread. Called while the loop is not running, it stops
    /// the next run after its first pass (MicroPython's behaviour).
    public static func stop() {
        EventLoop.shared.requestStop()
    }

    /// Releases the loop: cancels the tasks still pending (MicroPython's and
    /// CPython's `new_event_loop` or `close` drop them) and runs the loop until
    /// they have finished, so their cleanup runs; then cancels in-flight
    /// operations, waits for their final completions and closes the ring. A
    /// later run opens a new one. (MicroPython's `close()` does nothing; a
    /// native loop has a ring.)
    ///
    /// - Throws: ``LoopError/alreadyRunning`` if called while the loop runs;
    ///   ``LoopError/backendUnavailable(reason:)`` if pending tasks need the
    ///   loop to run and no backend can start.
    public static func close() throws {
        let loop = EventLoop.shared
        let hasTasks = !loop.core.pointee.tasks.isEmpty
        try loop.withLoopThread(openingBackend: hasTasks) {
            if hasTasks {
                loop.cancelAllTasks()
                // As in `run`: a task that keeps calling stop() cannot strand the others.
                if !loop.drive(until: { loop.core.pointee.tasks.isEmpty }) {
                    loop.drive(until: { loop.core.pointee.tasks.isEmpty })
                }
                loop.cancelDetachedOperations()
            }
            loop.closeBackend()
        }
    }

    /// The kernel interface the loop uses, e.g. `io_uring (single-issuer+defer-taskrun, 256 entries)`
    /// (the calling thread's loop, else the main loop).
    public static var backendDescription: String { (EventLoop.current ?? EventLoop.shared).backendDescription }

    /// The backend the loop runs on (nil before the loop first ran or after ``close()``);
    /// the calling thread's loop, else the main loop.
    public static var backend: BackendKind? { (EventLoop.current ?? EventLoop.shared).core.pointee.backendKind }

    /// Why ``backend`` was chosen, e.g. "io_uring unavailable: io_uring_setup was denied (EPERM) ...".
    public static var backendReason: String { (EventLoop.current ?? EventLoop.shared).core.pointee.backendReason }

    /// Counts of what the loop holds now; tests compare them before and after.
    ///
    /// - Throws: ``LoopError/notOnLoopThread(api:)`` off a loop's thread.
    public static func statistics() throws -> LoopStatistics {
        let loop = try EventLoop.running("Loop.statistics()")
        let core = loop.core.pointee
        return LoopStatistics(
            operationsInFlight: core.operations.count, timers: core.timers.count,
            tasks: core.tasks.count, readyJobs: core.ready.count)
    }
}

/// What the loop holds at one moment (see ``Loop/statistics()``).
public struct LoopStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Kernel operations submitted and not yet finally completed (the wake-up read excluded).
    public var operationsInFlight: Int
    /// Armed timers (`sleep`, `Task.sleep`).
    public var timers: Int
    /// Tasks made by `createTask` (and `run`) that have not finished.
    public var tasks: Int
    /// Jobs waiting in the ready queue.
    public var readyJobs: Int

    /// Creates a value (for comparisons in tests).
    public init(operationsInFlight: Int, timers: Int, tasks: Int, readyJobs: Int) {
        self.operationsInFlight = operationsInFlight
        self.timers = timers
        self.tasks = tasks
        self.readyJobs = readyJobs
    }

    /// A readable form, for logs and messages.
    public var description: String {
        "operations in flight: \(operationsInFlight), timers: \(timers), tasks: \(tasks), ready jobs: \(readyJobs)"
    }
}
