#if canImport(Glibc)
import Glibc
#endif
import NDJSON

/// Who a record answers: the input's URL and its other fields (an input
/// object's), or the raw line of a `bad_input` record. An earlier output
/// record and the input line it answered have the same identity.
struct RecordIdentity: Hashable {
    /// Two independent 64-bit hashes of the identity text: 128 bits, so that
    /// a million answered records cost 40 MB at most and a false match among
    /// them has odds near 10^-27.
    let high: Int
    let low: Int

    /// Every field afetch may write, whatever the flags of either run: they are
    /// never part of an identity (an input field of such a name is replaced).
    static let ownedNames: Set<String> = [
        "url", "final_url", "status", "ok", "content_type", "length", "body", "body_base64", "body_path",
        "body_sha256", "attempts", "elapsed_ms", "timing", "redirects", "http_version", "fetched_at", "headers",
        "error", "warc_file", "warc_offset", "input",
    ]

    private init(_ text: [UInt8]) {
        var first = Hasher(), second = Hasher()
        first.combine(0x5EED_0001)
        second.combine(0x5EED_0002)
        text.withUnsafeBytes { first.combine(bytes: $0); second.combine(bytes: $0) }
        high = first.finalize()
        low = second.finalize()
    }

    /// The identity of an input line, as afetch reads it.
    init(inputLine line: UnsafeBufferPointer<UInt8>) {
        let trimmed = line.trimmingBlanks
        if trimmed.first == UInt8(ascii: "{"), let fields = RecordIdentity.objectIdentity(trimmed) {
            self.init(fields)
        } else if RecordIdentity.isURLLine(trimmed) {
            self.init([UInt8(ascii: "U")] + Array(trimmed))
        } else {
            self.init([UInt8(ascii: "I")] + repairUTF8(line))
        }
    }

    /// The identity of an earlier output record, or nil when the line is not a complete record.
    init?(outputRecord line: UnsafeBufferPointer<UInt8>) {
        let scanner = JSONScanner(line)
        guard let input = try? scanner.value(of: "input") else {
            guard let fields = RecordIdentity.objectIdentity(line) else { return nil }
            self.init(fields)
            return
        }
        guard let text = input.stringValue else { return nil }
        self.init([UInt8(ascii: "I")] + Array(text.utf8))
    }

    /// "U", the url's text, then each member afetch does not own, as raw bytes.
    private static func objectIdentity(_ line: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let scanner = JSONScanner(line)
        var url: [UInt8] = []
        var others: [UInt8] = []
        do {
            try scanner.forEachMember { member in
                let key = scanner.keyString(member)
                if key == "url" {
                    url = Array((scanner.decode(member).stringValue ?? "").utf8)
                } else if !ownedNames.contains(key) {
                    others.append(0x01)
                    others.append(contentsOf: UnsafeBufferPointer(rebasing: line[member.span]))
                }
            }
        } catch {
            return nil
        }
        return [UInt8(ascii: "U")] + url + others
    }

    /// Lines afetch treats as URLs (the rest of the non-object lines are bad input).
    private static func isURLLine(_ trimmed: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = trimmed.first, first != UInt8(ascii: "["), first != UInt8(ascii: "\""),
              !trimmed.contains(0) else { return false }
        return String(validating: trimmed, as: UTF8.self) != nil
    }
}

/// The records an earlier run wrote (`--resume FILE`), as a multiset of
/// identities: each input that matches one is skipped and uses it up, so an
/// input line that appears twice is answered twice across the two runs.
/// Records that ended `cancelled` and a cut-off last line do not count.
public struct ResumeIndex {
    private var counts: [RecordIdentity: Int] = [:]
    /// Records read from the file that count as answered.
    public private(set) var answeredCount = 0

    /// Reads the earlier output at `path`; a file that does not exist yet answered nothing.
    public init(path: String) throws {
        guard access(path, F_OK) == 0 else { return }
        let reader = try LineReader(path: path)
        var cutOffLength = 0
        while let line = try reader.next() {
            guard reader.lineWasTerminated else { cutOffLength = line.count; continue }
            guard RecordIdentity.isFinished(line), let identity = RecordIdentity(outputRecord: line) else { continue }
            counts[identity, default: 0] += 1
            answeredCount += 1
        }
        if cutOffLength > 0 { try RecordIdentity.removeCutOffLine(path: path, length: cutOffLength) }
    }

    /// True, once per earlier record, when the input line `line` was answered before.
    /// Once every earlier record is matched (or there were none, as for each new crawl
    /// level), no line's identity is worked out at all.
    mutating func consume(inputLine line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !counts.isEmpty else { return false }
        let identity = RecordIdentity(inputLine: line)
        guard let count = counts[identity] else { return false }
        if count == 1 { counts[identity] = nil } else { counts[identity] = count - 1 }
        return true
    }
}

extension RecordIdentity {
    /// Truncates the record a crash cut off, so that records appended to the
    /// file (`afetch --resume out.ndjson >> out.ndjson`) start on a line of their own.
    static func removeCutOffLine(path: String, length: Int) throws {
        var status = stat()
        guard stat(path, &status) == 0, truncate(path, status.st_size - off_t(length)) == 0 else {
            throw InputError("\(path): cannot remove the cut-off last record: \(String(cString: strerror(errno)))")
        }
    }

    /// A record counts as an answer unless its error kind is `cancelled`.
    static func isFinished(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let error = try? JSONScanner(line).value(atPath: ["error", "kind"]) else { return true }
        return error.stringValue != ErrorKind.cancelled.rawValue
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Without leading and trailing blanks and a trailing CR, as afetch reads input lines.
    var trimmingBlanks: UnsafeBufferPointer<UInt8> {
        var start = 0, end = count
        while start < end && (self[start] == 0x20 || self[start] == 0x09) { start += 1 }
        while end > start && (self[end - 1] == 0x20 || self[end - 1] == 0x09 || self[end - 1] == 0x0D) { end -= 1 }
        return UnsafeBufferPointer(rebasing: self[start..<end])
    }
}
