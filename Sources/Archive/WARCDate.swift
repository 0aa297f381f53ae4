#if canImport(Glibc)
import Glibc
#endif

/// A moment in UTC, written as WARC 1.1 wants WARC-Date: W3C-DTF / RFC 3339 with fractional
/// seconds (`2026-11-25T18:03:01.123456Z`, WARC 1.1 section 5.4).
public struct WARCDate: Sendable, Equatable {
    /// Whole seconds since the Unix epoch.
    public let seconds: Int
    /// Microseconds within that second, 0..<1_000_000.
    public let microseconds: Int

    /// The moment `seconds` + `microseconds` after the epoch.
    public init(seconds: Int, microseconds: Int = 0) {
        self.seconds = seconds
        self.microseconds = microseconds
    }

    /// The current wall-clock time.
    public static func now() -> WARCDate {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return WARCDate(seconds: time.tv_sec, microseconds: time.tv_nsec / 1000)
    }

    /// `YYYY-MM-DDThh:mm:ss.ffffffZ`.
    public var text: String {
        var value = time_t(seconds)
        var parts = tm()
        gmtime_r(&value, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(microseconds, 6) + "Z"
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
