import DequeModule

/// The logic of ``Condition``, without the loop: the FIFO of waiting tokens
/// and which of them a notification wakes. (The lock is a ``Lock`` of its own.)
struct ConditionStateMachine<Token: Hashable> {
    private var waiters = Deque<Token>()

    /// Waiting tokens.
    var waiterCount: Int { waiters.count }

    mutating func enqueue(_ token: Token) { waiters.append(token) }

    /// `notify(n)`: the first `count` waiters (fewer if fewer wait), to wake.
    mutating func notify(count: Int) -> [Token] {
        let n = min(max(count, 0), waiters.count)
        let woken = Array(waiters.prefix(n))
        waiters.removeFirst(n)
        return woken
    }

    /// `notifyAll()`: every waiter, to wake, in FIFO order.
    mutating func notifyAll() -> [Token] { notify(count: waiters.count) }

    /// A waiter was cancelled while still waiting (it was not notified).
    mutating func cancel(_ token: Token) {
        if let i = waiters.firstIndex(of: token) { waiters.remove(at: i) }
    }
}
