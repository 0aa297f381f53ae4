#if canImport(Glibc)
import Glibc
#endif

/// Seconds on the monotonic clock, for every duration and deadline.
func monotonicNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-25T18:03:01.123Z`).
/// The part up to the seconds is formatted once per second and reused.
struct TimestampFormatter {
    private var cachedSecond = -1
    private var cachedPrefix: [UInt8] = []

    /// The current wall-clock time.
    mutating func now() -> [UInt8] {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return format(seconds: time.tv_sec, milliseconds: Int(time.tv_nsec / 1_000_000))
    }

    mutating func format(seconds: Int, milliseconds: Int) -> [UInt8] {
        if seconds != cachedSecond {
            var value = time_t(seconds)
            var parts = tm()
            gmtime_r(&value, &parts)
            cachedPrefix = Array(
                (pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
                 + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
                 + ".").utf8)
            cachedSecond = seconds
        }
        var out = cachedPrefix
        out.append(UInt8(ascii: "0") + UInt8(milliseconds / 100))
        out.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
        out.append(UInt8(ascii: "Z"))
        return out
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
