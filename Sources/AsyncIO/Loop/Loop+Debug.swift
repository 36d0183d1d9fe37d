import Logging

extension Loop {
    /// Debug mode: when on, every job that holds the loop longer than
    /// ``slowTaskThreshold`` is reported on the log, naming its task (like
    /// asyncio's `slow_callback_duration`). Off by default; `ASYNCIO_DEBUG=1`
    /// in the environment turns it on at start.
    ///
    /// It applies to the calling thread's loop, or to the main loop before it first runs.
    ///
    /// - Throws: ``LoopError/notOnLoopThread(api:)`` unless called on a loop's
    ///   thread or before the main loop first runs.
    public static func setDebug(_ enabled: Bool, slowTaskThreshold: Duration = .milliseconds(100)) throws {
        let loop = EventLoop.current ?? EventLoop.shared
        if loop.isRunning { try loop.checkOnLoop("Loop.setDebug") }
        loop.core.pointee.slowJobThresholdNanoseconds = enabled ? max(1, slowTaskThreshold.nanosecondsClamped) : 0
    }

    /// True while debug mode reports slow tasks (on the calling thread's loop, else the main loop).
    public static var isDebug: Bool { (EventLoop.current ?? EventLoop.shared).core.pointee.slowJobThresholdNanoseconds > 0 }
}

/// The one place slow-task reports are written, so tests can observe them.
enum SlowTaskReport {
    static let logger = Logger(label: "AsyncIO")
    /// Called with each report's text before it is logged (tests install one).
    nonisolated(unsafe) static var observer: (@Sendable (String) -> Void)?

    static func emit(name: String, milliseconds: Double, thresholdMilliseconds: Double) {
        let text = "\(name) held the event loop for \(Int(milliseconds.rounded())) ms without awaiting (threshold \(Int(thresholdMilliseconds.rounded())) ms)"
        observer?(text)
        logger.warning("\(text)")
    }
}
