import AsyncIO

/// Deadlines on the loop's monotonic clock.
enum LoopClock {
    /// Nanoseconds `duration` from now, saturating.
    static func deadline(after duration: Duration) -> Int64 {
        let now = LoopIO.monotonicNanoseconds()
        let (deadline, overflow) = now.addingReportingOverflow(max(0, duration.nanosecondsSaturating))
        return overflow ? Int64.max : deadline
    }

    /// The time left until `deadline` (zero once it passed).
    static func remaining(until deadline: Int64) -> Duration {
        .nanoseconds(max(0, deadline - LoopIO.monotonicNanoseconds()))
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the ends of `Int64`.
    var nanosecondsSaturating: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflow2) = ns.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return total
    }
}

extension SocketStream {
    /// Waits until every queued byte was sent, at most `timeout`; when the
    /// time passes first, `onExpiry` runs (it aborts the stream, which ends
    /// the wait with an error).
    ///
    /// - Throws: what `drain()` throws.
    func drainCompletely(within timeout: Duration, onExpiry: @escaping () -> Void) async throws {
        guard queuedByteCount > 0 else { return }
        let cancel = LoopIO.call(after: timeout, onExpiry)
        defer { cancel() }
        let (high, low) = (highWaterMark, lowWaterMark)
        lowWaterMark = 0
        highWaterMark = 0
        defer {
            highWaterMark = high
            lowWaterMark = low
        }
        try await drain()
    }
}
