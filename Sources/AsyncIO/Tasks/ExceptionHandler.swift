import Logging

/// What the exception handler is told: MicroPython's context dictionary.
public struct ExceptionContext: Sendable, CustomStringConvertible {
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

/// A loop exception handler: called on the loop with the context.
public typealias ExceptionHandler = @Loop @Sendable (ExceptionContext) -> Void

extension Loop {
    @Loop private static var exceptionHandler: ExceptionHandler?
    private static let logger = Logger(label: "AsyncIO")

    /// Installs `handler` for errors nobody retrieved (nil restores the default).
    @Loop public static func setExceptionHandler(_ handler: ExceptionHandler?) {
        exceptionHandler = handler
    }

    /// The installed handler, or nil when the default is in use.
    @Loop public static func getExceptionHandler() -> ExceptionHandler? {
        exceptionHandler
    }

    /// The default handler: logs one line (error level) through swift-log,
    /// which writes to standard error unless the program bootstrapped logging.
    @Loop public static func defaultExceptionHandler(_ context: ExceptionContext) {
        logger.error("\(context.description)")
    }

    /// Calls the installed handler, or the default one.
    @Loop public static func callExceptionHandler(_ context: ExceptionContext) {
        if let handler = exceptionHandler { handler(context) } else { defaultExceptionHandler(context) }
    }
}
