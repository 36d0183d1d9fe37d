import URing
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Loop state touched only on the loop thread. It lives behind a pointer so
/// the hot path pays no dynamic exclusivity checks on class properties.
struct LoopCore {
    var ready = JobQueue()
    var timers = TimerHeap()
    var operations = OperationTable()
    /// Live tasks made by `createTask`.
    var tasks = TaskRegistry()
    var stopRequested = false
    var backend: (any LoopBackend)?
    var backendKind: BackendKind?
    var backendReason = ""
    var backendThread: UInt = 0
    /// Thread-safe flags with waiters, checked after every wake-up.
    var watchedFlags: [ThreadSafeFlag] = []
    /// A task that yielded (`sleep(0)`) in the job running now: the loop
    /// resumes it as the job returns, so it queues right behind the tasks that
    /// were ready when it yielded (MicroPython's run-queue order).
    var yielder: UnsafeContinuation<Void, Never>?
    /// When set, the next job queued on the loop thread goes to the front of
    /// the ready queue (priority wake-ups of `ThreadSafeFlag.wait(priority:)`).
    var queueNextAtFront = false
    /// Tasks in `ThreadSafeFlag.wait(priority: true)`: while there are any, the
    /// loop looks at its inbox after every job, not once per turn.
    var priorityFlagWaiters = 0
    /// Called with errors nobody retrieved (nil: log them, ``Loop/defaultExceptionHandler(_:)``).
    var exceptionHandler: ExceptionHandler?
    /// Jobs holding the loop longer than this are reported (0: debug mode off).
    var slowJobThresholdNanoseconds: Int64 = 0
    /// Writers with output queued in this pass, flushed when the pass's jobs
    /// have run: every write of a pass leaves in one send (``flushAtPassEnd(_:)``).
    var pendingFlushes: [any PassEndFlushing] = []
    /// The list being flushed, swapped with ``pendingFlushes`` so neither is copied.
    var flushing: [any PassEndFlushing] = []
}

/// Where each thread records the loop it runs (``EventLoop/current``).
private let currentLoopKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key, nil)
    precondition(rc == 0, "pthread_key_create failed: \(rc)")
    return key
}()

/// Something that queues output during a pass and sends it all when the pass ends.
protocol PassEndFlushing: AnyObject {
    /// Called once per registration, on the loop thread, after the pass's jobs.
    func flushAtPassEnd()
}

/// The event loop: one thread, one ring, a ready queue and a timer heap.
///
/// It is the serial executor of one `Loop` actor (`Loop.shared`, behind the
/// `@Loop` global actor, or a ``LoopGroup``'s loop) and, through
/// ``taskExecutor``, the preferred task executor of every task it spawns, so
/// isolated code, nonisolated code, `async let` and task-group children all
/// run on the loop thread. See docs/architecture.md for the ownership rules.
@usableFromInline
final class EventLoop: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `core` is touched only by the thread that runs the
    // loop (checked by `isOnLoopThread`); other threads go through `inbox`.

    /// The default loop, behind `@Loop` (loop 0 of a ``LoopGroup``).
    static let shared = EventLoop()

    /// The loop the calling thread is running, if any (decision 0008).
    static var current: EventLoop? {
        pthread_getspecific(currentLoopKey).map { Unmanaged<EventLoop>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Runs `body` with this loop's task executor preferred, so that code in it
    /// that runs on the generic executor (the operation of a cancellation
    /// handler: `#isolation` is nil in nonsending code, decision 0008) stays on
    /// this loop's thread, even in a task that does not prefer the loop (a bare
    /// `Task { @Loop in }`). Costs such a task one turn of the ready queue.
    func withLoopPreferred<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(taskExecutor) { try await body() }
    }

    /// The actor whose executor this loop is: `Loop.shared` for the default
    /// loop, a group's `Loop` for the others. Set once, by that actor's init.
    /// unowned(unsafe): the actor owns this loop, so it outlives every use.
    nonisolated(unsafe) unowned(unsafe) var actor: Loop?

    let core: UnsafeMutablePointer<LoopCore>
    let inbox = Inbox()
    /// The identity tasks name as their executor preference.
    @usableFromInline let taskExecutor: LoopTaskExecutor
    /// The thread running the loop (`pthread_t`), 0 while it is not running.
    private let ownerThread = Atomic<UInt>(0)
    /// Where the wake-up read on the eventfd lands; lives as long as the loop.
    private let wakeBuffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    private var wakeupArmed = false

    init() {
        core = .allocate(capacity: 1)
        core.initialize(to: LoopCore())
        taskExecutor = LoopTaskExecutor()
        taskExecutor.loop = self
        if let value = getenv("ASYNCIO_DEBUG"), String(cString: value) != "0" {
            core.pointee.slowJobThresholdNanoseconds = 100_000_000
        }
    }

    deinit {
        core.deinitialize(count: 1)
        core.deallocate()
        wakeBuffer.deallocate()
    }

    // MARK: Threads

    /// True on the thread that is running the loop right now.
    @inline(__always)
    var isOnLoopThread: Bool {
        ownerThread.load(ordering: .relaxed) == UInt(pthread_self())
    }

    /// True while some thread runs the loop.
    var isRunning: Bool { ownerThread.load(ordering: .relaxed) != 0 }

    /// Throws unless called on the running loop's thread.
    @inline(__always)
    func checkOnLoop(_ api: @autoclosure () -> String) throws(LoopError) {
        guard isOnLoopThread else { throw LoopError.notOnLoopThread(api: api()) }
    }

    /// The loop running on the calling thread.
    ///
    /// - Throws: ``LoopError/notOnLoopThread(api:)`` on a thread that runs no loop.
    @inline(__always)
    static func running(_ api: @autoclosure () -> String) throws(LoopError) -> EventLoop {
        guard let loop = current else { throw LoopError.notOnLoopThread(api: api()) }
        return loop
    }

    /// The loop running on the calling thread, for APIs that cannot throw:
    /// traps, naming `api`, on a thread that runs no loop (a bug in the caller).
    @inline(__always) @usableFromInline
    static func requireRunning(_ api: @autoclosure () -> String) -> EventLoop {
        guard let loop = current else { preconditionFailure("\(api()) must be called on a running event loop's thread") }
        return loop
    }

    /// Traps unless the calling thread runs this loop: `what` (a value made on
    /// this loop) was used on another thread. Regions reject most such moves at
    /// compile time; this catches the rest (decision 0008).
    @inline(__always) @usableFromInline
    func checkOwner(_ what: @autoclosure () -> String) {
        if !isOnLoopThread { ownerViolation(what()) }
    }

    @inline(never) @usableFromInline
    func ownerViolation(_ what: String) -> Never {
        let here = EventLoop.current.map { "loop \($0.actor?.index ?? -1)" } ?? "a thread that runs no loop"
        preconditionFailure("\(what) belongs to loop \(actor?.index ?? -1) and was used on \(here)")
    }

    /// Runs `body` on the loop thread: now if already there, else through the inbox.
    func onLoop(_ body: @escaping @Sendable () -> Void) {
        if isOnLoopThread { body() } else { inbox.post(.callback(body)) }
    }

    // MARK: Tasks

    /// Starts a Swift task that prefers this loop and runs `operation` isolated
    /// to `isolation` (an actor whose executor is this loop, or nil). Isolating
    /// the task itself, not only its body, spares the body a hop at its first
    /// job, which would queue it behind the tasks ready then. Loop thread only.
    @usableFromInline
    func startTask(name: String?, isolation: (any Actor)?, _ operation: nonisolated(nonsending) @escaping () async -> Void) -> Task<Void, Never> {
        // nonisolated(unsafe): the operation runs on this loop, where it was made.
        nonisolated(unsafe) let operation = operation
        // `Task(executorPreference:)` does not inherit its creator's isolation,
        // so the operation is made isolated to `isolation` first: a closure
        // formed where `isolation` is an `isolated` parameter, and capturing
        // it, carries that isolation (the task then starts on that actor).
        let isolate: (isolated (any Actor)?) -> @isolated(any) () async -> Void = { isolation in
            { _ = isolation; await operation() }
        }
        typealias Unisolated = ((any Actor)?) -> @isolated(any) () async -> Void
        // The caller runs on this loop's thread, the executor of `isolation`:
        // calling the isolated closure here is what its isolation means (as in
        // `Loop.assumeIsolated`).
        nonisolated(unsafe) let isolated = unsafeBitCast(isolate, to: Unisolated.self)(isolation)
        return Task(name: name, executorPreference: taskExecutor, operation: isolated)
    }

    // MARK: Enqueueing

    /// Queues a job to run on the loop. Safe from any thread.
    @inline(__always)
    func push(_ job: UnownedJob) {
        if isOnLoopThread {
            if core.pointee.queueNextAtFront {
                core.pointee.queueNextAtFront = false
                core.pointee.ready.pushFront(job)
            } else {
                core.pointee.ready.push(job)
            }
        } else {
            inbox.post(.job(job))
        }
    }

    // MARK: Running

    /// Claims the calling thread for the loop, runs `body`, and releases it.
    ///
    /// - Throws: ``LoopError/alreadyRunning`` if the loop runs already;
    ///   ``LoopError/backendUnavailable(reason:)`` if no kernel backend can start;
    ///   whatever `body` throws.
    func withLoopThread<T>(openingBackend: Bool = true, _ body: () throws -> T) throws -> T {
        let me = UInt(pthread_self())
        // This thread runs a loop already (this one re-entered from a task, or
        // another loop of a group): a nested run would stall the outer loop.
        if pthread_getspecific(currentLoopKey) != nil { throw LoopError.alreadyRunning }
        guard ownerThread.compareExchange(expected: 0, desired: me, ordering: .acquiringAndReleasing).exchanged else {
            throw LoopError.alreadyRunning
        }
        let previous = pthread_getspecific(currentLoopKey)
        pthread_setspecific(currentLoopKey, Unmanaged.passUnretained(self).toOpaque())
        defer {
            pthread_setspecific(currentLoopKey, previous)
            ownerThread.store(0, ordering: .releasing)
        }
        if openingBackend { try openBackend(thread: me) }
        core.pointee.stopRequested = false
        return try body()
    }

    /// Runs passes until `isDone()` or `stop()`. The caller holds the loop thread.
    ///
    /// - Returns: true if `isDone()` became true, false if `stop()` ended it first.
    @discardableResult
    func drive(until isDone: () -> Bool) -> Bool {
        while true {
            if inbox.hasItems { drainInbox() }
            if core.pointee.timers.count > 0 { fireDueTimers() }
            runReadyJobs()
            if !core.pointee.pendingFlushes.isEmpty { runPendingFlushes() }
            if isDone() { return true }
            if core.pointee.stopRequested {
                core.pointee.stopRequested = false
                return false
            }
            pollBackend()
            // Completion callbacks run inside the poll may have written too.
            if !core.pointee.pendingFlushes.isEmpty { runPendingFlushes() }
        }
    }

    /// Asks a running `drive` to return after the current pass. Safe from any thread.
    func requestStop() {
        onLoop { [self] in core.pointee.stopRequested = true }
    }

    private func drainInbox() {
        for item in inbox.take() {
            switch item {
            case .job(let job):
                // `Task.sleep`'s wake-up job belongs to no task that prefers the
                // loop; run it here with the global executor as task executor, so
                // the runtime resumes the sleeper directly instead of bouncing
                // through a Dispatch thread and the inbox (measured: 3x the syscalls).
                job.runSynchronously(on: globalConcurrentExecutor.asUnownedTaskExecutor())
                resumeYielder()
            case .callback(let body): body()
            }
        }
        pollFlags()
    }

    private func runReadyJobs() {
        // Only the jobs queued when the pass began: a task that yields (`sleepMs(0)`)
        // goes behind due timers and I/O completions, as in MicroPython.
        var budget = core.pointee.ready.count
        while budget > 0, let entry = core.pointee.ready.pop() {
            budget &-= 1
            switch entry {
            case .job(let job):
                let slowThreshold = core.pointee.slowJobThresholdNanoseconds
                if slowThreshold > 0 {
                    runTimed(job, threshold: slowThreshold)
                } else {
                    run(job)
                }
                resumeYielder()
            case .callback(let callback):
                callback.body()
            }
            if core.pointee.priorityFlagWaiters > 0 && inbox.hasItems { drainInbox() }
        }
    }

    /// Registers `writer` to be flushed when the running pass's jobs have run
    /// (before the loop enters the kernel). Loop thread only.
    @inline(__always)
    func flushAtPassEnd(_ writer: any PassEndFlushing) {
        core.pointee.pendingFlushes.append(writer)
    }

    private func runPendingFlushes() {
        // A flush may queue another (a send completing inline on epoll): loop until none is left.
        while !core.pointee.pendingFlushes.isEmpty {
            swap(&core.pointee.pendingFlushes, &core.pointee.flushing)
            for writer in core.pointee.flushing { writer.flushAtPassEnd() }
            core.pointee.flushing.removeAll(keepingCapacity: true)
        }
    }

    /// Queues `body` to run on the loop behind everything ready now (CPython's
    /// `call_soon`; MicroPython gets the same effect from a helper task). Loop thread only.
    func callSoon(_ body: @escaping () -> Void) {
        core.pointee.ready.push(LoopCallback(body))
    }

    /// Queues the task that yielded in the job that just returned.
    @inline(__always)
    private func resumeYielder() {
        if let yielder = core.pointee.yielder {
            core.pointee.yielder = nil
            yielder.resume()
        }
    }

    /// Suspends the calling task and queues it again behind every job ready
    /// now, with no other effect (`sleep(0)`). Loop thread only.
    func yieldOnce() async {
        await _unsafeInheritExecutor_withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            precondition(core.pointee.yielder == nil, "two tasks yielded in one job")
            core.pointee.yielder = continuation
        }
    }

    /// Runs a job as isolated to the loop *and* on its task executor, whatever
    /// identity it was enqueued through. The loop thread is the `@Loop` actor's
    /// only executor, so this is true isolation; and it matches the preference of
    /// every task the library starts, so their hops never re-enqueue (decision 0002).
    @inline(__always)
    private func run(_ job: UnownedJob) {
        job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: taskExecutor.asUnownedTaskExecutor())
    }

    private func runTimed(_ job: UnownedJob, threshold: Int64) {
        // A task's job is the task itself; look it up now, as a task that
        // finishes inside this job unregisters before it returns.
        let task = core.pointee.tasks.handle(for: unsafeBitCast(job, to: UnsafeRawPointer.self))
        let start = MonotonicClock.now()
        run(job)
        let elapsed = MonotonicClock.now() - start
        if elapsed > threshold {
            let name = task.map { "task '\($0.nameForDiagnostics)'" } ?? "a job outside createTask's tasks"
            SlowTaskReport.emit(name: name, milliseconds: Double(elapsed) / 1e6, thresholdMilliseconds: Double(threshold) / 1e6)
        }
    }

    private func fireDueTimers() {
        let now = MonotonicClock.now()
        while let action = core.pointee.timers.popDue(now: now) {
            switch action {
            case .resume(let continuation): continuation.resume()
            case .job(let job): core.pointee.ready.push(job)
            case .call(let body): body()
            }
        }
    }

    private func pollBackend() {
        guard let backend = core.pointee.backend else { return }
        if !core.pointee.ready.isEmpty {
            // Work is waiting: only enter the kernel if there is I/O to submit or reap.
            if core.pointee.operations.count > 0 || backend.hasPendingSubmissions {
                backend.poll(timeoutNanoseconds: 0)
            }
            return
        }
        var timeout: Int64?
        if let deadline = core.pointee.timers.nextDeadline() {
            timeout = max(0, deadline - MonotonicClock.now())
        }
        if inbox.hasItems { timeout = 0 }
        backend.poll(timeoutNanoseconds: timeout)
    }

    // MARK: Backend

    private func openBackend(thread: UInt) throws(LoopError) {
        if core.pointee.backend != nil {
            if core.pointee.backendThread == thread { return }
            // A single-issuer ring belongs to the thread that made it.
            guard core.pointee.operations.count == 0 else {
                throw LoopError.backendUnavailable(
                    reason: "\(core.pointee.operations.count) operations are still in flight on the thread that ran the loop last; run it from that thread")
            }
            dropBackend()
        }
        // unowned(unsafe): the backend lives in this loop's core and calls the closure
        // only from methods the loop calls, so the loop is alive; a checked `unowned`
        // cost a strong retain and release per completion (docs/benchmarks.md, "Where
        // our echo server's time goes").
        let (backend, kind, reason) = try BackendSelection.make { [unowned(unsafe) self] in self.deliver($0) }
        core.pointee.backend = backend
        core.pointee.backendKind = kind
        core.pointee.backendReason = reason
        core.pointee.backendThread = thread
        armWakeup()
    }

    private func dropBackend() {
        core.pointee.backend = nil
        core.pointee.backendKind = nil
        core.pointee.backendThread = 0
        wakeupArmed = false
    }

    /// Cancels the operations still in flight and runs the loop until their
    /// final completions arrived (at most 1 s). The caller holds the loop thread.
    func cancelDetachedOperations() {
        guard core.pointee.operations.count > 0 else { return }
        for userData in core.pointee.operations.liveUserData { cancelOperation(userData) }
        let deadline = MonotonicClock.now() + 1_000_000_000
        drive(until: { core.pointee.operations.count == 0 || MonotonicClock.now() > deadline })
    }

    /// Cancels every in-flight operation, waits (up to 5 s) for their final
    /// completions, and releases the ring. The caller holds the loop thread.
    func closeBackend() {
        guard let backend = core.pointee.backend else { return }
        for userData in core.pointee.operations.liveUserData where core.pointee.operations.markCancelRequested(userData) {
            backend.cancel(userData: userData)
        }
        let deadline = MonotonicClock.now() + 5_000_000_000
        while core.pointee.operations.count > 0 && MonotonicClock.now() < deadline {
            backend.poll(timeoutNanoseconds: 10_000_000)
        }
        dropBackend()
    }

    /// The backend in use, for diagnostics.
    var backendDescription: String { core.pointee.backend?.description ?? "none (the loop has not run)" }

    private func armWakeup() {
        guard !wakeupArmed, let backend = core.pointee.backend else { return }
        backend.submit(.read(fd: inbox.eventFD, buffer: wakeBuffer, count: 8), userData: OperationTable.wakeupTag)
        wakeupArmed = true
    }

    /// Handles one completion from the backend.
    private func deliver(_ completion: Completion) {
        switch completion.userData {
        case OperationTable.wakeupTag:
            wakeupArmed = false
            armWakeup()
        case OperationTable.cancelTag:
            break
        default:
            core.pointee.operations.complete(completion)
        }
    }

    // MARK: Operations

    /// Submits `request` and suspends until its final completion.
    ///
    /// Cancelling the calling task submits `IORING_OP_ASYNC_CANCEL` and still
    /// waits for the final completion, so every pointer in `request` stays
    /// valid for as long as the kernel may use it.
    ///
    /// - Returns: the non-negative result (a count, an fd, a poll mask).
    /// - Throws: `CancellationError` when the operation was cancelled; ``Errno``
    ///   for a negative result; ``LoopError/notOnLoopThread(api:)`` off the loop.
    func perform(_ request: IORequest) async throws -> Int32 {
        let result = try await submitAndAwait(request)
        if result < 0 { throw Errno(negatedResult: result) }
        return result
    }

    /// Like ``perform(_:)`` but returns a negative result instead of throwing it.
    @inline(__always)
    func submitAndAwait(_ request: IORequest) async throws -> Int32 {
        try checkOnLoop("I/O")
        if let handle = AnyTaskHandle.runningHere(on: self) {
            // A `createTask` task: `cancel()` cancels the operation through the
            // task's slot (ParkedWait.swift); no per-operation record.
            if handle.takeCancellation() { throw CancellationError() }
            let userData = core.pointee.operations.allocate()
            core.pointee.backend!.submit(request, userData: userData)
            let completion = await _unsafeInheritExecutor_withUnsafeContinuation {
                core.pointee.operations.attach(userData, $0)
                handle.parkedIn = .operation(userData)
            }
            handle.parkedIn = .nothing
            if completion.result == -ECANCELED {
                _ = handle.takeCancellation()
                throw CancellationError()
            }
            // A result that raced the cancellation is returned (nothing the
            // kernel did is lost); the request stays for the next await.
            return completion.result
        }
        if Task.isCancelled { throw CancellationError() }
        let userData = core.pointee.operations.allocate()
        core.pointee.backend!.submit(request, userData: userData)
        let completion = try await withLoopPreferred {
            await withTaskCancellationHandler {
                await withUnsafeContinuation { core.pointee.operations.attach(userData, $0) }
            } onCancel: {
                self.onLoop { self.cancelOperation(userData) }
            }
        }
        if completion.result == -ECANCELED { throw CancellationError() }
        return completion.result
    }

    /// Submits `request` without awaiting it: `handler` runs on the loop thread
    /// with each completion (a multishot operation posts several; the last has
    /// no `IORING_CQE_F_MORE`). Whatever the kernel may touch must be kept alive
    /// by `handler`'s captures until the last completion. Loop thread only.
    ///
    /// - Returns: the operation's `user_data`, for ``cancelOperation(_:)``.
    func submitDetached(_ request: IORequest, handler: @escaping (Completion) -> Void) -> UInt64 {
        let userData = core.pointee.operations.allocate(handler: handler)
        core.pointee.backend!.submit(request, userData: userData)
        return userData
    }

    /// Asks the kernel to cancel an operation; its final completion still comes. Loop thread only.
    func cancelOperation(_ userData: UInt64) {
        guard core.pointee.operations.markCancelRequested(userData) else { return }
        core.pointee.backend?.cancel(userData: userData)
    }

    // MARK: Timers

    /// Suspends the calling task until `deadline` (monotonic nanoseconds).
    ///
    /// - Throws: `CancellationError` if the task is cancelled first (the timer is disarmed at once).
    func sleep(until deadline: Int64) async throws {
        try checkOnLoop("sleep")
        if let handle = AnyTaskHandle.runningHere(on: self) {
            // A `createTask` task: `cancel()` disarms the timer through the
            // task's slot and the error is delivered once (ParkedWait.swift).
            if handle.takeCancellation() { throw CancellationError() }
            let id = core.pointee.timers.reserve()
            do {
                try await _unsafeInheritExecutor_withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                    _ = core.pointee.timers.arm(id, at: deadline, .resume(continuation))
                    handle.parkedIn = .timer(id)
                }
            } catch {
                // Only `cancelTimer` resumes it throwing, after a cancellation request.
            }
            handle.parkedIn = .nothing
            if handle.takeCancellation() { throw CancellationError() }
            return
        }
        if Task.isCancelled { throw CancellationError() }
        let id = core.pointee.timers.reserve()
        // On the loop's thread in any task: see `withLoopPreferred`.
        try await withLoopPreferred { try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                if Task.isCancelled || !core.pointee.timers.arm(id, at: deadline, .resume(continuation)) {
                    _ = core.pointee.timers.cancel(id)
                    continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            self.onLoop { self.cancelTimer(id) }
        } }
    }

    /// Disarms a timer; a sleeping task is woken with `CancellationError`.
    func cancelTimer(_ id: TimerID) {
        if case .resume(let continuation)? = core.pointee.timers.cancel(id) {
            continuation.resume(throwing: CancellationError())
        }
    }

    /// Calls `body` on the loop thread at `deadline`, unless ``cancelTimer(_:)`` comes first.
    /// Loop thread only.
    func call(at deadline: Int64, _ body: @escaping () -> Void) -> TimerID {
        core.pointee.timers.schedule(at: deadline, .call(body))
    }

    /// Schedules a job for `deadline` (used by `Task.sleep`). Safe from any thread.
    func schedule(_ job: UnownedJob, at deadline: Int64) {
        if isOnLoopThread {
            _ = core.pointee.timers.schedule(at: deadline, .job(job))
        } else {
            inbox.post(.callback { [self] in _ = core.pointee.timers.schedule(at: deadline, .job(job)) })
        }
    }

    // MARK: SerialExecutor

    @usableFromInline
    func enqueue(_ job: consuming ExecutorJob) {
        push(UnownedJob(job))
    }

    @usableFromInline
    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    @usableFromInline
    func isIsolatingCurrentContext() -> Bool? {
        isOnLoopThread
    }

    @usableFromInline
    func checkIsolated() {
        precondition(isOnLoopThread, "expected to run on the asyncio event loop's thread")
    }
}

/// The loop's task-executor identity: jobs of tasks that prefer the loop
/// arrive here (nonisolated code, `async let`, task-group children).
@usableFromInline
final class LoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `loop` is set once, before the executor is shared.
    unowned(unsafe) var loop: EventLoop!

    @usableFromInline
    func enqueue(_ job: consuming ExecutorJob) {
        loop.push(UnownedJob(job))
    }
}
