import AsyncIO
#if canImport(Glibc)
import Glibc
#endif

/// The `Date` field's value (IMF-fixdate, RFC 9110 §5.6.7), formatted once per second.
enum HTTPDate {
    /// Each thread's cache (each loop's, in a group): no lock on the response path.
    private final class Cache {
        var second = -1
        var bytes: [UInt8] = []
    }

    private static let cacheKey: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { if let cache = $0 { Unmanaged<AnyObject>.fromOpaque(cache).release() } }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    private static var cache: Cache {
        if let existing = pthread_getspecific(cacheKey) { return Unmanaged<Cache>.fromOpaque(existing).takeUnretainedValue() }
        let made = Cache()
        pthread_setspecific(cacheKey, Unmanaged.passRetained(made).toOpaque())
        return made
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for now, from a per-second cache.
    static var now: [UInt8] {
        let seconds = time(nil)
        let cache = cache
        if seconds != cache.second {
            cache.second = seconds
            cache.bytes = Array(format(seconds).utf8)
        }
        return cache.bytes
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
