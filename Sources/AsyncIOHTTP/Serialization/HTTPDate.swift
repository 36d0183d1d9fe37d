import AsyncIO
#if canImport(Glibc)
import Glibc
#endif

/// The `Date` field's value (IMF-fixdate, RFC 9110 §5.6.7), formatted once per second.
enum HTTPDate {
    @Loop private static var cachedSecond = -1
    @Loop private static var cachedBytes: [UInt8] = []

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for now, from a per-second cache.
    @Loop static var now: [UInt8] {
        let seconds = time(nil)
        if seconds != cachedSecond {
            cachedSecond = seconds
            cachedBytes = Array(format(seconds).utf8)
        }
        return cachedBytes
    }

    /// The IMF-fixdate of `seconds` since the epoch.
    static func format(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + parts.tm_year) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
