import DequeModule

/// The logic of ``Lock``, without the loop: strict FIFO hand-off.
///
/// On release with waiters the lock stays held and passes to the first waiter,
/// so a newcomer cannot take it in between (no barging).
struct LockStateMachine<Token: Hashable> {
    private(set) var isLocked = false
    private var waiters = Deque<Token>()

    var waiterCount: Int { waiters.count }

    enum AcquireAction: Equatable { case acquired, suspend }

    mutating func acquire() -> AcquireAction {
        if isLocked { return .suspend }
        isLocked = true
        return .acquired
    }

    mutating func enqueue(_ token: Token) { waiters.append(token) }

    enum ReleaseAction: Equatable {
        /// Nobody waited: the lock is free.
        case unlocked
        /// The lock now belongs to this waiter: wake it.
        case handOff(Token)
    }

    mutating func release() throws(SynchronizationError) -> ReleaseAction {
        guard isLocked else { throw .lockNotAcquired }
        if let next = waiters.popFirst() { return .handOff(next) }
        isLocked = false
        return .unlocked
    }

    /// A waiter was cancelled while still queued.
    mutating func cancel(_ token: Token) {
        if let i = waiters.firstIndex(of: token) { waiters.remove(at: i) }
    }
}
