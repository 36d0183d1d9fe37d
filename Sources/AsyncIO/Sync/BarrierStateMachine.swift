import DequeModule

/// The logic of ``Barrier``, without the loop: the tokens of the parties that
/// arrived and wait, and whether the barrier is broken.
///
/// When the last party arrives the barrier trips: every waiter is released with
/// its arrival index and the barrier is at once empty again for the next round.
struct BarrierStateMachine<Token: Hashable> {
    /// How many parties must arrive to trip the barrier.
    let parties: Int
    private var waiters = Deque<Token>()
    /// Set by ``abort()``, cleared by ``reset()``.
    private(set) var isBroken = false

    init(parties: Int) {
        precondition(parties >= 1, "a barrier needs at least one party")
        self.parties = parties
    }

    /// Parties waiting for the barrier to trip.
    var waitingCount: Int { waiters.count }

    enum ArriveAction: Equatable {
        /// The barrier is broken: the caller throws.
        case broken
        /// Not the last party: the caller suspends and calls ``enqueue(_:)``.
        case suspend
        /// The caller is the last party, with arrival index `index`; wake the
        /// waiters, the one at position `i` with arrival index `i`.
        case trip(index: Int, waiters: [Token])
    }

    /// `wait()`: one party arrives.
    mutating func arrive() -> ArriveAction {
        if isBroken { return .broken }
        guard waiters.count + 1 == parties else { return .suspend }
        let released = Array(waiters)
        waiters.removeAll()
        return .trip(index: parties - 1, waiters: released)
    }

    mutating func enqueue(_ token: Token) { waiters.append(token) }

    /// A waiter was cancelled before the barrier tripped: it no longer counts.
    mutating func cancel(_ token: Token) {
        if let i = waiters.firstIndex(of: token) { waiters.remove(at: i) }
    }

    /// `reset()`: the waiters, to fail; the barrier is empty and not broken.
    mutating func reset() -> [Token] {
        isBroken = false
        return takeWaiters()
    }

    /// `abort()`: the waiters, to fail; the barrier stays broken until ``reset()``.
    mutating func abort() -> [Token] {
        isBroken = true
        return takeWaiters()
    }

    private mutating func takeWaiters() -> [Token] {
        let woken = Array(waiters)
        waiters.removeAll()
        return woken
    }
}
