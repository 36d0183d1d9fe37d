import DequeModule

/// The logic of ``Semaphore`` and ``BoundedSemaphore``, without the loop:
/// a count of free permits and a FIFO of waiting tokens.
///
/// A release while tokens wait hands the permit straight to the first one, so
/// the count stays at zero and a newcomer cannot take the permit in between
/// (no barging). Invariant: tokens wait only while `value == 0`.
struct SemaphoreStateMachine<Token: Hashable> {
    /// Free permits.
    private(set) var value: Int
    /// The initial value for a bounded semaphore, `nil` for an unbounded one.
    let limit: Int?
    private var waiters = Deque<Token>()

    /// Creates the state with `value` free permits; `bounded` caps releases at `value`.
    init(value: Int, bounded: Bool) {
        precondition(value >= 0, "a semaphore's initial value must not be negative")
        self.value = value
        self.limit = bounded ? value : nil
    }

    /// Waiting tokens.
    var waiterCount: Int { waiters.count }

    /// True when an `acquire()` would have to wait.
    var isLocked: Bool { value == 0 }

    enum AcquireAction: Equatable { case acquired, suspend }

    /// `acquire()`: takes a free permit, else the caller suspends and calls ``enqueue(_:)``.
    mutating func acquire() -> AcquireAction {
        guard value > 0 else { return .suspend }
        value -= 1
        return .acquired
    }

    mutating func enqueue(_ token: Token) { waiters.append(token) }

    enum ReleaseAction: Equatable {
        /// Nobody waited: the permit went back to the pool.
        case incremented
        /// The permit now belongs to this waiter: wake it.
        case handOff(Token)
    }

    /// `release()`: hands the permit to the first waiter, else returns it to the pool.
    ///
    /// - Throws: ``SynchronizationError/semaphoreOverReleased(limit:)`` if the
    ///   semaphore is bounded and every permit is free already.
    mutating func release() throws(SynchronizationError) -> ReleaseAction {
        if let limit, value >= limit { throw .semaphoreOverReleased(limit: limit) }
        return returnPermit()
    }

    /// Returns a permit that is known to be held (one a cancelled waiter had
    /// been handed): never over-releases.
    mutating func returnPermit() -> ReleaseAction {
        if let next = waiters.popFirst() { return .handOff(next) }
        value += 1
        return .incremented
    }

    /// A waiter was cancelled while still queued.
    mutating func cancel(_ token: Token) {
        if let i = waiters.firstIndex(of: token) { waiters.remove(at: i) }
    }
}

/// What ``Semaphore`` and ``BoundedSemaphore`` share: waiting for a permit and
/// handing a returned one to the first waiter. They differ only in `release`.
protocol PermitPool: AnyObject {
    var machine: SemaphoreStateMachine<Waiter<Void>> { get set }
}

extension PermitPool {
    /// Takes a permit, waiting in FIFO order while none is free.
    func acquirePermit() async throws {
        if machine.acquire() == .acquired { return }
        try await Waiter<Void>().park(
            takeNow: { machine.acquire() == .acquired ? .success(()) : nil },
            enqueue: { machine.enqueue($0) },
            dequeue: { [self] in machine.cancel($0) },
            giveBack: { [self] in wake(machine.returnPermit()) })
    }

    /// Wakes the waiter a returned permit was handed to, if any.
    func wake(_ action: SemaphoreStateMachine<Waiter<Void>>.ReleaseAction) {
        if case .handOff(let waiter) = action { waiter.resume(with: ()) }
    }
}
