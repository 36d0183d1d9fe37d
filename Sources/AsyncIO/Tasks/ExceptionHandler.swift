import Logging

/// What the exception handler is told: MicroPython's context dictionary.
///
/// Not Sendable: it may name a task, which belongs to its loop.
public struct ExceptionContext: CustomStringConvertible {
    /// What happened, e.g. "Task exception wasn't retrieved".
    public var message: String
    /// The error, if any.
    public var error: (any Error)?
    /// The task concerned, if any.
    public var task: AnyTaskHandle?

    /// Creates a context.
    public init(message: String, error: (any Error)? = nil, task: AnyTaskHandle? = nil) {
        self.message = message
        self.error = error
        self.task = task
    }

    /// A readable form, for logs and messages.
    public var description: String {
        var text = message
        if let task { text += "; task: \(task.nameForDiagnostics)" }
        if let error { text += "; error: \(error)" }
        return text
    }
}

/// A loop exception handler: called on the loop where the error happened, with the context.
public typealias ExceptionHandler = @Sendable (ExceptionContext) -> Void

extension Loop {
    fileprivate static let logger = Logger(label: "AsyncIO")

    /// Installs `handler` for errors nobody retrieved on the calling thread's
    /// loop (nil restores the default). Each loop of a group has its own.
    ///
    /// Traps off a loop's thread.
    public static func setExceptionHandler(_ handler: ExceptionHandler?) {
        EventLoop.requireRunning("Loop.setExceptionHandler").core.pointee.exceptionHandler = handler
    }

    /// The calling thread's loop's handler, or nil when the default is in use (or off any loop).
    public static func getExceptionHandler() -> ExceptionHandler? {
        EventLoop.current?.core.pointee.exceptionHandler
    }

    /// The default handler: logs one line (error level) through swift-log,
    /// which writes to standard error unless the program bootstrapped logging.
    public static func defaultExceptionHandler(_ context: ExceptionContext) {
        logger.error("\(context.description)")
    }

    /// Calls the calling thread's loop's handler, or the default one.
    public static func callExceptionHandler(_ context: ExceptionContext) {
        if let loop = EventLoop.current { loop.callExceptionHandler(context) } else { defaultExceptionHandler(context) }
    }
}

extension EventLoop {
    /// Calls this loop's exception handler, or the default one. Loop thread only.
    @usableFromInline func callExceptionHandler(_ context: ExceptionContext) {
        if let handler = core.pointee.exceptionHandler { handler(context) } else { Loop.defaultExceptionHandler(context) }
    }
}
