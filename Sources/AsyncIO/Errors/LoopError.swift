/// A misuse of the loop, reported instead of a crash or a silent hang.
public enum LoopError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `run`, `runForever` or `runUntilComplete` was called while the loop already runs
    /// (on another thread, or re-entrantly from inside a task).
    case alreadyRunning
    /// Loop-only API was called from a thread that is not running the loop.
    case notOnLoopThread(api: String)
    /// A task awaited its own handle, which could never complete.
    case awaitedItself(task: String)
    /// `currentTask()` was called outside any task created by `createTask`.
    case noRunningTask
    /// The kernel interface could not be set up (io_uring denied and no fallback).
    case backendUnavailable(reason: String)
    /// `Loop.stop()` ended `run` or `runUntilComplete` before its task finished.
    case stoppedBeforeCompletion
    /// An argument has no meaning (a NaN duration, a negative size, a port above
    /// 65535): `api` names the call, `argument` the parameter and its value.
    case invalidArgument(api: String, argument: String, reason: String)
    /// ``Loop/call(_:)`` to a loop that is not running (its group has ended, or not started).
    case loopNotRunning(index: Int)

    /// A readable form, for logs and messages.
    public var description: String {
        switch self {
        case .alreadyRunning:
            return "the event loop is already running; call run/runForever/runUntilComplete once at a time, from outside the loop"
        case .notOnLoopThread(let api):
            return "\(api) must be called on the event loop's thread, inside a running loop"
        case .awaitedItself(let task):
            return "task '\(task)' awaited itself, which would wait forever"
        case .noRunningTask:
            return "no running task: currentTask() works only inside a task created by run or createTask"
        case .backendUnavailable(let reason):
            return "the event loop cannot start: \(reason)"
        case .stoppedBeforeCompletion:
            return "Loop.stop() ended the run before its task completed"
        case .invalidArgument(let api, let argument, let reason):
            return "\(api): invalid argument \(argument): \(reason)"
        case .loopNotRunning(let index):
            return "loop \(index) is not running: its group has ended or not started"
        }
    }
}

/// The time limit of `waitFor`, `waitForMs` or `withTimeout` passed.
///
/// MicroPython's `asyncio.TimeoutError`: a distinct error, not an `Errno`.
public struct TimeoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Creates the error.
    public init() {}
    /// A readable form, for logs and messages.
    public var description: String { "the operation timed out" }
}
