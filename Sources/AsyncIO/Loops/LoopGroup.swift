import CLinuxSys
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Several event loops in one process, each on a thread of its own and each a
/// full asyncio loop: its own ring, timers, ready queue and tasks (decision 0008).
///
/// Loop 0 is the main loop (`Loop.shared`, behind `@Loop`) and runs on the
/// thread that called ``run(loops:pinningToCPUs:_:)``; the others get new threads.
/// A task stays on the loop that started it, so within a loop the asyncio
/// promise holds: the running task has its loop to itself until it `await`s.
/// Loops share nothing unless given it: Sendable values travel by
/// ``Loop/call(_:)`` and ``LoopChannel``.
///
/// ```swift
/// let counts = try LoopGroup.run(loops: 2) { loop in
///     try await Task.sleep(for: .milliseconds(10))   // on this loop's timers
///     return loop.index
/// }
/// // counts == [0, 1]
/// ```
public final class LoopGroup: Sendable {
    /// The group's loops in order; `loops[0]` is `Loop.shared`.
    public let loops: [Loop]
    private let pinsThreads: Bool
    private let bodyTasks: PThreadLock<[Task<Void, Never>?]>
    private let cancelRequested = Atomic<Bool>(false)
    /// Loops that have claimed their thread (or failed to): bodies start when all have,
    /// so a body may `call` any loop of its group from its first line.
    private let arrived = Atomic<Int>(0)
    /// The first loop whose body failed, and how.
    private let firstFailure = PThreadLock<(index: Int, error: any Error)?>(nil)

    private init(count: Int, pinsThreads: Bool) {
        self.loops = (0..<count).map { $0 == 0 ? Loop.shared : Loop(eventLoop: EventLoop.spare(), index: $0) }
        self.pinsThreads = pinsThreads
        self.bodyTasks = PThreadLock(Array(repeating: nil, count: count))
    }

    /// The most loops a group may have: more threads than this are a mistake, not a plan.
    public static let maximumLoops = 1024

    /// Runs `body` on each of `count` loops (given that loop), until every body
    /// has returned; returns their values in loop order.
    ///
    /// The first body to throw cancels the others (they see `CancellationError`
    /// at their next suspension); when all have finished that failure is thrown.
    /// As with ``AsyncIO/run(_:)``, operations left in flight are cancelled and
    /// reaped before a loop's thread ends; a loop that ran nothing else is reused
    /// by the next group.
    ///
    /// - Parameters:
    ///   - count: the number of loops, 1 to ``maximumLoops``; 1 runs `body` on
    ///     the main loop alone, on the calling thread.
    ///   - pinningToCPUs: pins loop *i*'s thread to the *i*-th CPU the process
    ///     may use (wrapping around); the calling thread's affinity is restored after.
    /// - Throws: ``LoopGroupError`` naming the first loop that failed and its
    ///   error; ``LoopError/invalidArgument(api:argument:reason:)`` for a count
    ///   out of range; ``LoopError/alreadyRunning`` if the main loop (or any loop)
    ///   runs on the calling thread.
    public static func run<T: Sendable>(
        loops count: Int, pinningToCPUs: Bool = false,
        _ body: @escaping @Sendable (isolated Loop) async throws -> T
    ) throws -> [T] {
        guard count >= 1, count <= maximumLoops else {
            throw LoopError.invalidArgument(
                api: "LoopGroup.run", argument: "loops: \(count)", reason: "must be 1...\(maximumLoops)")
        }
        return try run(pinningToCPUs: pinningToCPUs, bodies: Array(repeating: body, count: count))
    }

    /// Runs `bodies[i]` on loop *i*, one loop per body, as ``run(loops:pinningToCPUs:_:)`` does.
    ///
    /// - Throws: as ``run(loops:pinningToCPUs:_:)``; an empty `bodies` is an invalid argument.
    public static func run<T: Sendable>(
        pinningToCPUs: Bool = false, bodies: [@Sendable (isolated Loop) async throws -> T]
    ) throws -> [T] {
        guard !bodies.isEmpty, bodies.count <= maximumLoops else {
            throw LoopError.invalidArgument(
                api: "LoopGroup.run", argument: "bodies: \(bodies.count)", reason: "must be 1...\(maximumLoops)")
        }
        if EventLoop.current != nil || EventLoop.shared.isRunning { throw LoopError.alreadyRunning }
        let group = LoopGroup(count: bodies.count, pinsThreads: pinningToCPUs)
        let results = ResultSlots<T>(count: bodies.count)
        let threads = (1..<bodies.count).map { index in
            LoopThread.start(name: "asyncio-loop-\(index)") {
                group.pinIfAsked(index)
                group.runLoop(index, bodies[index], into: results)
            }
        }
        var savedAffinity = CLinuxSys_cpu_mask()
        let restoreAffinity = pinningToCPUs && CLinuxSys_get_thread_affinity(&savedAffinity) == 0
        group.pinIfAsked(0)
        group.runLoop(0, bodies[0], into: results)
        if restoreAffinity { _ = CLinuxSys_set_thread_affinity(&savedAffinity) }
        for thread in threads { thread.join() }
        for loop in group.loops.dropFirst() { EventLoop.returnSpare(loop.eventLoop) }
        if let failure = group.firstFailure.withLock({ $0 }) {
            throw LoopGroupError(loopIndex: failure.index, underlying: failure.error)
        }
        return try results.values()
    }

    /// Cancels every loop's body; each sees `CancellationError` at its next
    /// suspension, and ``run(loops:pinningToCPUs:_:)`` returns once all have
    /// finished. Safe from any thread (not from a signal handler: set a
    /// ``ThreadSafeFlag`` there and cancel from a task).
    public func cancelAll() {
        cancelRequested.store(true, ordering: .sequentiallyConsistent)
        let tasks = bodyTasks.withLock { $0 }
        for task in tasks { task?.cancel() }
    }

    /// True once ``cancelAll()`` was called or a body failed.
    public var isCancelled: Bool { cancelRequested.load(ordering: .sequentiallyConsistent) }

    private func pinIfAsked(_ index: Int) {
        guard pinsThreads else { return }
        var cpu: Int32 = -1
        let rc = CLinuxSys_pin_thread_to_allowed_cpu(Int32(index), &cpu)
        if rc != 0 { LoopLog.warning("loop \(index): pinning its thread failed (errno \(rc)); it runs unpinned") }
    }

    /// Runs loop `index` on the calling thread until its body has finished and
    /// its leftovers are cleaned up.
    private func runLoop<T: Sendable>(_ index: Int, _ body: @escaping @Sendable (isolated Loop) async throws -> T, into results: ResultSlots<T>) {
        let loop = loops[index]
        let eventLoop = loop.eventLoop
        do {
            try eventLoop.withLoopThread {
                loop.groupReference.withLock { $0.group = self }
                defer { loop.groupReference.withLock { $0.group = nil } }
                arriveAndWaitForAll()
                let finished = FinishedFlag()
                let task = Task(executorPreference: eventLoop.taskExecutor) { [self] in
                    do {
                        results.store(.success(try await body(loop)), at: index)
                    } catch {
                        results.store(.failure(error), at: index)
                        fail(index, error)
                    }
                    finished.set()
                }
                bodyTasks.withLock { $0[index] = task }
                if isCancelled { task.cancel() }
                if !eventLoop.drive(until: { finished.isSet }) {
                    // `Loop.stop()` on the main loop: the body is cancelled and finishes.
                    task.cancel()
                    eventLoop.drive(until: { finished.isSet })
                }
                bodyTasks.withLock { $0[index] = nil }
                eventLoop.finishRun()
                if index != 0 { eventLoop.closeBackend() }
            }
        } catch {
            results.store(.failure(error), at: index)
            fail(index, error)
            // It never arrived inside the loop (its backend could not start, say).
            arriveAndWaitForAll()
        }
    }

    /// Counts this loop as started and waits (microseconds, while threads
    /// start) until every loop of the group has.
    private func arriveAndWaitForAll() {
        arrived.add(1, ordering: .acquiringAndReleasing)
        var spins = 0
        while arrived.load(ordering: .acquiring) < loops.count {
            spins += 1
            if spins < 1000 { sched_yield() } else { usleep(50) }
        }
    }

    /// Records the first failure and cancels the other loops' bodies.
    private func fail(_ index: Int, _ error: any Error) {
        if error is CancellationError && isCancelled { return }  // the consequence, not the cause
        let isFirst = firstFailure.withLock { failure in
            if failure != nil { return false }
            failure = (index, error)
            return true
        }
        if isFirst { cancelAll() }
    }
}

/// A loop of a ``LoopGroup`` failed: its body threw, or the loop could not start.
public struct LoopGroupError: Error, CustomStringConvertible {
    /// The loop whose failure ended the group (the first, if several failed).
    public let loopIndex: Int
    /// What that loop's body threw (or why the loop could not start).
    public let underlying: any Error

    /// A readable form, for logs and messages.
    public var description: String { "loop \(loopIndex) of the group failed: \(underlying)" }
}

/// One result per loop, written by each loop's thread.
private final class ResultSlots<T: Sendable>: Sendable {
    private let slots: PThreadLock<[Result<T, any Error>?]>

    init(count: Int) { slots = PThreadLock(Array(repeating: nil, count: count)) }

    func store(_ result: Result<T, any Error>, at index: Int) {
        slots.withLock { $0[index] = result }
    }

    /// Every loop's value in order. Called after a run with no failure, where every slot holds a value.
    func values() throws -> [T] {
        try slots.withLock { slots in try slots.map { try $0!.get() } }
    }
}

/// Set by a loop's body task as its last act; read by the loop between passes.
private final class FinishedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
