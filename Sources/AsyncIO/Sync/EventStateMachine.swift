import DequeModule

/// The logic of ``Event``, without the loop: a flag and the tokens of waiting tasks.
struct EventStateMachine<Token: Hashable> {
    private(set) var isSet = false
    private var waiters = Deque<Token>()

    /// Waiting tokens.
    var waiterCount: Int { waiters.count }

    enum WaitAction: Equatable { case returnNow, suspend }

    /// `wait()`: returns at once when set, else the caller suspends and calls ``enqueue(_:)``.
    func wait() -> WaitAction { isSet ? .returnNow : .suspend }

    mutating func enqueue(_ token: Token) { waiters.append(token) }

    /// `set()`: sets the flag and passes every waiter to `wake`, in FIFO order.
    /// The waiters' storage is kept for the next waits (no allocation per set).
    mutating func set(wake: (Token) -> Void) {
        isSet = true
        while let token = waiters.popFirst() { wake(token) }
    }

    /// `clear()`: waiters already woken stay woken (MicroPython).
    mutating func clear() { isSet = false }

    /// A waiter was cancelled while waiting.
    mutating func cancel(_ token: Token) {
        if let i = waiters.firstIndex(of: token) { waiters.remove(at: i) }
    }
}
