#if canImport(Glibc)
import Glibc
#endif

/// `CLOCK_MONOTONIC` in nanoseconds: the loop's only notion of time.
///
/// It is the clock Swift's `SuspendingClock` reads on Linux and the one V4L2
/// timestamps use, so deadlines and frame ages compare directly.
enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point.
    @inline(__always)
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }

    /// The deadline `nanoseconds` from now: now for zero or less, saturating
    /// at `Int64.max` ("never") instead of wrapping into the past.
    @inline(__always)
    static func deadline(afterNanoseconds nanoseconds: Int64) -> Int64 {
        let (deadline, overflow) = now().addingReportingOverflow(max(0, nanoseconds))
        return overflow ? Int64.max : deadline
    }

    /// The deadline `duration` from now (see ``deadline(afterNanoseconds:)``).
    @inline(__always)
    static func deadline(after duration: Duration) -> Int64 {
        deadline(afterNanoseconds: duration.nanosecondsClamped)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? Int64.min : Int64.max }
        let (total, overflow2) = ns.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? Int64.min : Int64.max }
        return total
    }
}
