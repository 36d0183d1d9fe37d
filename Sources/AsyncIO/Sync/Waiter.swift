/// One task suspended in a primitive (`Lock.acquire`, `Event.wait`, ...): where
/// its continuation is parked until the primitive grants it or it is cancelled.
///
/// Primitives keep their queue of waiters in a pure state machine (tested
/// without the loop) and hand the `Waiter` objects to it as tokens.
@usableFromInline
final class Waiter<Grant: Sendable>: Hashable, CancellableWaiter {
    // @exclusivity(unchecked) here and below: loop-thread state on the hot path; the
    // compiler still checks exclusivity statically, the run-time check cost ~15% of an
    // echo server's user time (docs/decisions/0005).
    @exclusivity(unchecked) private var continuation: UnsafeContinuation<Grant, any Error>?
    /// Cancellation arrived before the task parked.
    private var cancelledEarly = false
    /// How to take this waiter out of its primitive, kept for the task's
    /// cancellation handler while parked through the task's slot.
    @exclusivity(unchecked) private var dequeue: ((Waiter) -> Void)?
    /// True from parking until the waiter is granted, failed or cancelled.
    @exclusivity(unchecked) private(set) var isParked = false

    @usableFromInline init() {}

    /// Wakes the task with `grant`. The waiter must be parked.
    @usableFromInline func resume(with grant: Grant) {
        isParked = false
        continuation.take()!.resume(returning: grant)
    }

    /// Wakes the task with `error`. The waiter must be parked.
    func fail(with error: any Error) {
        isParked = false
        continuation.take()!.resume(throwing: error)
    }

    /// Parks the calling task until ``resume(with:)`` or ``fail(with:)``.
    ///
    /// - Parameters:
    ///   - awaited: set when the waiter waits for that task to finish: a
    ///     cancellation of the waiting task is then passed on to it (ParkedWait.swift).
    ///   - takeNow: checks again, where the task suspends, whether it still has
    ///     to wait; a result ends the wait at once without enqueueing. The
    ///     primitive's fast-path check ran before `park`, and a task without the
    ///     loop's executor preference can be suspended in between (other tasks
    ///     run), so the check and the enqueue must happen together here.
    ///   - enqueue: records the waiter in the primitive's state (called once,
    ///     right before the task suspends; not called if already cancelled).
    ///   - dequeue: removes the still-parked waiter from the primitive's state
    ///     when the task is cancelled; the task then throws `CancellationError`.
    ///   - giveBack: called on resumption when the task was cancelled but had
    ///     already been granted: it must hand the grant on (pass a lock to the
    ///     next waiter, return a permit); the task then throws `CancellationError`.
    /// - Throws: `CancellationError`, or the error the primitive failed it with.
    @usableFromInline func park(
        forwardingTo awaited: AnyTaskHandle? = nil,
        takeNow: () -> Result<Grant, any Error>? = { nil },
        enqueue: (Waiter) -> Void,
        dequeue: @escaping (Waiter) -> Void,
        giveBack: (Grant) -> Void = { _ in }
    ) async throws -> Grant {
        // One thread-local lookup serves both paths below.
        let loop = EventLoop.requireRunning("a wait")
        if let handle = AnyTaskHandle.runningHere(on: loop) {
            // A `createTask` task: `cancel()` reaches this waiter through the
            // task's slot and delivers the error once (ParkedWait.swift). The
            // executor is inherited, so the check, `takeNow` and the enqueue
            // happen without a suspension.
            if handle.takeCancellation() { throw CancellationError() }
            if let now = takeNow() { return try now.get() }
            self.dequeue = dequeue
            let result: Result<Grant, any Error>
            do {
                result = .success(try await _unsafeInheritExecutor_withUnsafeThrowingContinuation {
                    (continuation: UnsafeContinuation<Grant, any Error>) in
                    self.continuation = continuation
                    isParked = true
                    enqueue(self)
                    handle.parkedIn = awaited.map { .task($0) } ?? .waiter(self)
                })
            } catch {
                result = .failure(error)
            }
            handle.parkedIn = .nothing
            self.dequeue = nil
            if handle.takeCancellation() {
                // Granted, then cancelled before it ran: hand the grant on.
                if case .success(let grant) = result { giveBack(grant) }
                throw CancellationError()
            }
            return try result.get()
        }
        try Task.checkCancellation()
        return try await loop.withLoopPreferred {
            try await parkCancellable(loop: loop, takeNow: takeNow, enqueue: enqueue, dequeue: dequeue, giveBack: giveBack)
        }
    }

    /// The wait of a task `cancel()` cannot reach (it has no handle): Swift's
    /// cancellation handler. Its operation runs on the generic executor, which
    /// ``EventLoop/withLoopPreferred(_:)`` makes this loop's thread.
    private func parkCancellable(
        loop: EventLoop,
        takeNow: () -> Result<Grant, any Error>?,
        enqueue: (Waiter) -> Void,
        dequeue: @escaping (Waiter) -> Void,
        giveBack: (Grant) -> Void
    ) async throws -> Grant {
        let bound = LoopBound((waiter: self, dequeue: dequeue))
        let grant = try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Grant, any Error>) in
                loop.checkOwner("a wait's state")
                if cancelledEarly {
                    continuation.resume(throwing: CancellationError())
                } else if let now = takeNow() {
                    continuation.resume(with: now)
                } else {
                    self.continuation = continuation
                    isParked = true
                    enqueue(self)
                }
            }
        } onCancel: {
            loop.onLoop { bound.value.waiter.cancel(bound.value.dequeue) }
        }
        if Task.isCancelled {
            giveBack(grant)
            throw CancellationError()
        }
        return grant
    }

    /// Parks the calling task until ``resume(with:)``, ignoring cancellation
    /// (for steps that must complete, such as re-taking a condition's lock).
    func parkIgnoringCancellation(enqueue: (Waiter) -> Void) async -> Grant {
        let grant = try? await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Grant, any Error>) in
            self.continuation = continuation
            isParked = true
            enqueue(self)
        }
        return grant!
    }

    /// Cancels a waiter parked through its task's slot.
    func cancelWait() {
        guard let dequeue else { return }
        cancel(dequeue)
    }

    private func cancel(_ dequeue: (Waiter) -> Void) {
        if isParked {
            dequeue(self)
            fail(with: CancellationError())
        } else if continuation == nil {
            // The handler ran at entry (cancelled between the check and parking),
            // or after a grant; in the first case parking must not happen.
            cancelledEarly = true
        }
    }

    @usableFromInline nonisolated static func == (a: Waiter, b: Waiter) -> Bool { a === b }
    @usableFromInline nonisolated func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
