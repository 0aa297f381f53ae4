#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What the server remembers across connections: the request log and the
/// per-key counters of the flaky routes. Shared by every connection thread.
final class ServerState: Sendable {
    /// One logged request.
    private struct Entry {
        /// Path with query, as sent, for `/_count`.
        let target: String
        /// The entry as one compact JSON object.
        let json: [UInt8]
    }

    private let startNanoseconds = monotonicNanoseconds()
    private let entries = Mutex<[Entry]>([])
    private let counters = Mutex<[String: Int]>([:])

    /// Logs a request (paths starting `/_` are the server's own and are not logged).
    func record(_ request: Request, at nanoseconds: UInt64) {
        guard !request.target.hasPrefix("/_") else { return }
        let micros = (nanoseconds &- startNanoseconds) / 1000
        var json = JSONWriter()
        json.raw("{\"t_ms\":\(micros / 1000).\(String(micros % 1000 + 1000).dropFirst()),\"host\":")
        json.string(request.header("host") ?? "")
        json.raw(",\"method\":")
        json.string(request.method)
        json.raw(",\"path\":")
        json.string(request.target)
        json.raw(",\"headers\":")
        json.object(request.mergedHeaders)
        json.raw("}")
        let entry = Entry(target: request.target, json: json.bytes)
        entries.withLock { $0.append(entry) }
    }

    /// The log as NDJSON, one object per line, in arrival order.
    func logNDJSON() -> [UInt8] {
        entries.withLock { entries in
            var bytes: [UInt8] = []
            for entry in entries {
                bytes += entry.json
                bytes.append(0x0A)
            }
            return bytes
        }
    }

    /// How many logged requests have a path (with query) starting with `prefix`.
    func count(prefix: String) -> Int {
        entries.withLock { $0.reduce(0) { $0 + ($1.target.hasPrefix(prefix) ? 1 : 0) } }
    }

    /// Counts one more request for `key` and returns the new count (1 for the first).
    func increment(_ key: String) -> Int {
        counters.withLock { counters in
            counters[key, default: 0] += 1
            return counters[key]!
        }
    }

    /// Forgets the log and every counter.
    func reset() {
        entries.withLock { $0.removeAll() }
        counters.withLock { $0.removeAll() }
    }
}

/// CLOCK_MONOTONIC in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// A minimal compact-JSON writer (RFC 8259) for the log and `/echo`.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes += Array(text.utf8) }

    /// A string with quotes, backslashes and control characters escaped.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [0x5C, UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// An object of string members, in the order given.
    mutating func object(_ members: [(name: String, value: String)]) {
        raw("{")
        for (index, member) in members.enumerated() {
            if index > 0 { raw(",") }
            string(member.name)
            raw(":")
            string(member.value)
        }
        raw("}")
    }
}
