/// Misuse of a synchronisation primitive, or a state that makes an operation
/// impossible. Each case names what happened; none of them loses data.
public enum SynchronizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `Lock.release()` on a lock that is not held (MicroPython: `RuntimeError("Lock not acquired")`).
    case lockNotAcquired
    /// `BoundedSemaphore.release()` beyond its initial value.
    case semaphoreOverReleased(limit: Int)
    /// `Queue.putNowait` on a full bounded queue (CPython `QueueFull`).
    case queueFull
    /// `Queue.getNowait` on an empty queue (CPython `QueueEmpty`).
    case queueEmpty
    /// The queue was shut down: no more puts; gets fail once it is empty (CPython `QueueShutDown`).
    case queueShutDown
    /// `Queue.taskDone()` called more times than items were put.
    case taskDoneTooOften
    /// The barrier was reset or aborted while tasks waited (CPython `BrokenBarrierError`).
    case barrierBroken
    /// `Condition.wait`/`notify` called without holding the condition's lock.
    case conditionLockNotHeld
    /// `LoopChannel.send` after `finish()`: the element was not added.
    case channelFinished

    /// A readable form, for logs and messages.
    public var description: String {
        switch self {
        case .lockNotAcquired: return "release() of a lock that is not acquired"
        case .semaphoreOverReleased(let limit): return "BoundedSemaphore released more times than acquired (limit \(limit))"
        case .queueFull: return "the queue is full"
        case .queueEmpty: return "the queue is empty"
        case .queueShutDown: return "the queue is shut down"
        case .taskDoneTooOften: return "taskDone() called more times than items were put"
        case .barrierBroken: return "the barrier is broken (reset or aborted)"
        case .conditionLockNotHeld: return "the condition's lock is not held"
        case .channelFinished: return "the channel is finished: no more sends"
        }
    }
}
