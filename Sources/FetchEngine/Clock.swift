#if canImport(Glibc)
import Glibc
#endif
import NDJSON

/// Seconds on the monotonic clock, for every duration and deadline.
func monotonicNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-25T18:03:01.123Z`), as JSON strings.
/// The part up to the seconds is formatted once per second; the milliseconds are
/// written into the same bytes in place, so a record's timestamp allocates nothing.
struct TimestampFormatter {
    private var cachedSecond = -1
    /// The last timestamp, quoted.
    private var quoted: [UInt8] = []

    /// Writes the current wall-clock time as a JSON string value.
    mutating func writeNow(into json: inout JSONBuffer) {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        write(seconds: time.tv_sec, milliseconds: Int(time.tv_nsec / 1_000_000), into: &json)
    }

    mutating func write(seconds: Int, milliseconds: Int, into json: inout JSONBuffer) {
        if seconds != cachedSecond {
            var value = time_t(seconds)
            var parts = tm()
            gmtime_r(&value, &parts)
            quoted = Array(
                ("\"" + pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
                 + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
                 + ".000Z\"").utf8)
            cachedSecond = seconds
        }
        let digits = quoted.count - 5
        quoted[digits] = UInt8(ascii: "0") + UInt8(milliseconds / 100)
        quoted[digits + 1] = UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10)
        quoted[digits + 2] = UInt8(ascii: "0") + UInt8(milliseconds % 10)
        quoted.withUnsafeBufferPointer { json.raw($0) }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
