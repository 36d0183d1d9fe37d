/// Test hook: receives the text of each slow-task report before it is logged.
///
/// Logging can be bootstrapped once per process, so tests observe reports here.
@_spi(Testing)
public enum LoopDebugProbe {
    /// Installs (or with nil removes) the observer. Call on the loop thread.
    public static func observe(_ observer: (@Sendable (String) -> Void)?) {
        SlowTaskReport.observer = observer
    }
}
