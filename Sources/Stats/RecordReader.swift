import NDJSON

#if canImport(Glibc)
import Glibc
#endif

/// The figures astats takes from one record; absent fields are NaN, -1 or nil.
struct RecordFigures {
    /// `status`, or -1 when absent or null.
    var status = -1
    /// `ok`: 1 true, 0 false, -1 absent.
    var ok: Int8 = -1
    /// `length` in bytes.
    var length = Double.nan
    /// `attempts`.
    var attempts = Double.nan
    /// `elapsed_ms`.
    var elapsedMs = Double.nan
    /// `timing.ttfb_ms`.
    var ttfbMs = Double.nan
    /// `fetched_at` as milliseconds since the epoch.
    var fetchedAt = Double.nan
    /// `error.kind`: an index into `ErrorKinds.known`, `ErrorKinds.other` (the
    /// name is in `RecordReader.otherErrorKind`), or -1 for none.
    var errorKind = -1
}

/// The error kinds afetch documents (DESIGN.md section 2), counted in a fixed array.
enum ErrorKinds {
    static let known: [String] = ["bad_input", "invalid_url", "unsupported_scheme", "dns", "connect", "tls",
                                  "timeout", "reset", "too_large", "too_many_redirects", "http", "protocol",
                                  "robots", "cancelled"]
    static let knownUTF8: [[UInt8]] = known.map { Array($0.utf8) }
    /// The index used for a kind outside the documented set.
    static let other = known.count
}

/// What a group key was in the record, so it is written back as the same JSON kind.
public enum GroupKeyKind: UInt8, Sendable {
    case string, number, bool, null
}

/// Reads the fields astats needs from one line with `JSONScanner`, validating the
/// whole line, decoding only those fields, and allocating nothing in the common
/// case: keys are compared in place, numbers parsed in place, the group key
/// copied into a reused buffer.
struct RecordReader {
    /// The grouping: by host of `url` when nil, else by this field.
    let groupBy: FieldPath?
    /// Extra numeric fields measured with `--field`.
    let fields: [FieldPath]
    /// Whether a group key is wanted at all (`--top 0` needs none).
    let wantsGroup: Bool

    /// The last line's figures.
    var figures = RecordFigures()
    /// The last line's `--field` values, NaN when absent or not numbers.
    var fieldValues: [Double]
    /// The last line's group key (lower-cased host, or the `--by` value's text), unless
    /// `groupKeyInLine` says where it lies in the line.
    var groupKey: [UInt8] = []
    /// Where the last line's group key lies in the line, when it is the line's own
    /// bytes (the usual host: no escapes, no capitals), so it need not be copied.
    var groupKeyInLine: Range<Int>?
    /// What the group key was; nil when the record has none.
    var groupKeyKind: GroupKeyKind?
    /// The name of an error kind outside the documented set, when `errorKind` is `other`.
    var otherErrorKind = ""
    /// Where each `--field`'s top-level member was found in the current line (reused).
    private var fieldMembers: [JSONMember?]
    /// `fetched_at` values, parsed with a memory of the last minute.
    var timestamps = TimestampParser()
    /// The one-walk reading of a line (RecordWalk.swift).
    var walk: RecordWalk
    /// The member names of the last line walked.
    var names = JSONNameMemory()

    init(groupBy: FieldPath?, fields: [FieldPath], wantsGroup: Bool) {
        self.groupBy = groupBy
        self.fields = fields
        self.wantsGroup = wantsGroup
        fieldValues = Array(repeating: .nan, count: fields.count)
        fieldMembers = Array(repeating: nil, count: fields.count)
        groupKey.reserveCapacity(256)
        walk = RecordWalk(groupBy: groupBy, fields: fields)
    }

    /// Reads one line; throws `JSONSyntaxError` when it is not one JSON object.
    /// Most lines are replayed on the names of the line before or read by one walk;
    /// the rest (invalid ones included) the full way.
    @inline(__always)
    mutating func read(_ line: UnsafeBufferPointer<UInt8>) throws {
        if walk.usable {
            if walk.allPaths == 0 && readByReplaying(line) { return }
            if readByWalking(line) { return }
        }
        try readByScanning(line)
    }

    /// Reads one line with `forEachMember`, and the objects it needs with scans of their own.
    mutating func readByScanning(_ line: UnsafeBufferPointer<UInt8>) throws {
        figures = RecordFigures()
        for index in fieldValues.indices { fieldValues[index] = .nan }
        groupKeyKind = nil
        groupKeyInLine = nil
        let scanner = JSONScanner(line)
        var url: JSONMember?
        var byMember: JSONMember?
        for index in fieldMembers.indices { fieldMembers[index] = nil }
        try scanner.forEachMember { member in
            readBuiltIn(scanner, member, url: &url)
            if let groupBy, wantsGroup, groupBy.components[0].withUnsafeBufferPointer({ keyEquals(scanner, member, $0) }) {
                byMember = member
            }
            for (index, path) in fields.enumerated()
            where path.components[0].withUnsafeBufferPointer({ keyEquals(scanner, member, $0) }) {
                fieldMembers[index] = member
            }
        }
        if !fields.isEmpty { readFields(scanner) }
        guard wantsGroup else { return }
        if let groupBy {
            if let member = byMember, let (range, kind) = groupBy.resolve(in: scanner, from: member) {
                readGroupValue(scanner, range, kind)
            }
        } else if let member = url, member.kind == .string {
            readHost(scanner, member.value)
        }
    }

    /// The members every fetch record may carry, recognised by length first.
    @inline(__always)
    private mutating func readBuiltIn(_ scanner: JSONScanner, _ member: JSONMember, url: inout JSONMember?) {
        let bytes = scanner.bytes
        // A key spelled with escapes (`"st\u0061tus"`) is still that key: its decoded
        // length picks the branch, and keyEquals decodes it to compare (rare, slow path).
        let length = member.keyHasEscapes ? scanner.keyString(member).utf8.count : member.key.count
        switch length {
        case 2:
            if keyEquals(scanner, member, "ok") && member.kind == .bool {
                figures.ok = bytes[member.value.lowerBound] == UInt8(ascii: "t") ? 1 : 0
            }
        case 3:
            if keyEquals(scanner, member, "url") { url = member }
        case 5:
            if keyEquals(scanner, member, "error") { readError(scanner, member) }
        case 6:
            if keyEquals(scanner, member, "status") {
                figures.status = member.kind == .number ? statusCode(parseNumber(bytes, member.value)) : -1
            } else if keyEquals(scanner, member, "length") {
                figures.length = member.kind == .number ? parseNumber(bytes, member.value) : .nan
            } else if keyEquals(scanner, member, "timing") {
                readTiming(scanner, member)
            }
        case 8:
            if keyEquals(scanner, member, "attempts") {
                figures.attempts = member.kind == .number ? parseNumber(bytes, member.value) : .nan
            }
        case 10:
            if keyEquals(scanner, member, "elapsed_ms") {
                figures.elapsedMs = member.kind == .number ? parseNumber(bytes, member.value) : .nan
            } else if keyEquals(scanner, member, "fetched_at") {
                figures.fetchedAt = member.kind == .string ? timestamps.parse(bytes, member.value) : .nan
            }
        default:
            break
        }
    }

    /// A shortcut past a second scan of a small object the line's scan already validated:
    /// when `object` holds no nested container and no backslash (afetch's `timing`), a
    /// quoted `name` followed by a colon can only be a member name, so a byte search finds
    /// it. Returns the range of a number or `null` value (`.some(nil)` when the member is
    /// absent or holds something else), or nil when the object does not qualify.
    private func flatMemberValue(_ bytes: UnsafeBufferPointer<UInt8>, _ object: Range<Int>,
                                 _ quotedName: StaticString) -> Range<Int>?? {
        let inside = UnsafeBufferPointer(rebasing: bytes[(object.lowerBound + 1)..<object.upperBound])
        let base = inside.baseAddress!
        guard memchr(base, Int32(UInt8(ascii: "{")), inside.count) == nil,
              memchr(base, Int32(UInt8(ascii: "[")), inside.count) == nil,
              memchr(base, Int32(UInt8(ascii: "\\")), inside.count) == nil else { return nil }
        let nameLength = quotedName.utf8CodeUnitCount
        var from = 0
        while let hit = memchr(base + from, Int32(UInt8(ascii: "\"")), inside.count - from) {
            let quote = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            from = quote + 1
            guard quote + nameLength <= inside.count, memcmp(base + quote, quotedName.utf8Start, nameLength) == 0 else {
                continue
            }
            var i = quote + nameLength
            while i < inside.count && (inside[i] == 0x20 || inside[i] == 0x09 || inside[i] == 0x0A || inside[i] == 0x0D) { i += 1 }
            guard i < inside.count, inside[i] == UInt8(ascii: ":") else { continue }
            i += 1
            while inside[i] == 0x20 || inside[i] == 0x09 || inside[i] == 0x0A || inside[i] == 0x0D { i += 1 }
            let start = i
            let first = inside[i]
            guard first == UInt8(ascii: "-") || isASCIIDigit(first) || first == UInt8(ascii: "n") else {
                return .some(nil)
            }
            while i < inside.count && inside[i] != UInt8(ascii: ",") && inside[i] != UInt8(ascii: "}")
                && inside[i] != 0x20 && inside[i] != 0x09 && inside[i] != 0x0A && inside[i] != 0x0D { i += 1 }
            let offset = object.lowerBound + 1
            return .some((start + offset)..<(i + offset))
        }
        return .some(nil)
    }

    func statusCode(_ value: Double) -> Int {
        // Truncation stands for rounding (a libm call) once the range is checked.
        value >= 0 && value < 1000 && value == Double(Int(value)) ? Int(value) : -1
    }

    private mutating func readTiming(_ scanner: JSONScanner, _ member: JSONMember) {
        guard member.kind == .object else { return }
        if let value = flatMemberValue(scanner.bytes, member.value, "\"ttfb_ms\"") {
            if let number = value, scanner.bytes[number.lowerBound] != UInt8(ascii: "n") {
                figures.ttfbMs = parseNumber(scanner.bytes, number)
            }
            return
        }
        let base = member.value.lowerBound
        let nested = JSONScanner(UnsafeBufferPointer(rebasing: scanner.bytes[member.value]))
        try? nested.forEachMember { inner in
            if inner.kind == .number, keyEquals(nested, inner, "ttfb_ms") {
                figures.ttfbMs = parseNumber(scanner.bytes, (inner.value.lowerBound + base)..<(inner.value.upperBound + base))
            }
        }
    }

    private mutating func readError(_ scanner: JSONScanner, _ member: JSONMember) {
        guard member.kind == .object else { return }
        let nested = JSONScanner(UnsafeBufferPointer(rebasing: scanner.bytes[member.value]))
        try? nested.forEachMember { inner in
            guard inner.kind == .string, keyEquals(nested, inner, "kind") else { return }
            readErrorKind(nested, inner.value)
        }
    }

    /// Counts the string at `value` as the error kind: a documented one by its bytes as
    /// written, any other by its decoded text.
    mutating func readErrorKind(_ scanner: JSONScanner, _ value: Range<Int>) {
        let raw = (value.lowerBound + 1)..<(value.upperBound - 1)
        let text = UnsafeBufferPointer(rebasing: scanner.bytes[raw])
        if let known = ErrorKinds.knownUTF8.firstIndex(where: { $0.elementsEqual(text) }) {
            figures.errorKind = known
        } else {
            figures.errorKind = ErrorKinds.other
            otherErrorKind = scanner.decodeString(raw: raw)
        }
    }

    private mutating func readFields(_ scanner: JSONScanner) {
        for (index, member) in fieldMembers.enumerated() {
            guard let member, let (range, kind) = fields[index].resolve(in: scanner, from: member),
                  kind == .number else { continue }
            fieldValues[index] = parseNumber(scanner.bytes, range)
        }
    }

    /// The `--by` value as a key: a string's decoded text, or the literal text of anything else.
    mutating func readGroupValue(_ scanner: JSONScanner, _ range: Range<Int>, _ kind: JSONKind) {
        groupKey.removeAll(keepingCapacity: true)
        switch kind {
        case .string:
            let raw = (range.lowerBound + 1)..<(range.upperBound - 1)
            if scanner.bytes[raw].contains(UInt8(ascii: "\\")) {
                groupKey.append(contentsOf: scanner.decodeString(raw: raw).utf8)
            } else {
                groupKey.append(contentsOf: UnsafeBufferPointer(rebasing: scanner.bytes[raw]))
            }
            groupKeyKind = .string
        case .number, .bool, .null:
            groupKey.append(contentsOf: UnsafeBufferPointer(rebasing: scanner.bytes[range]))
            groupKeyKind = kind == .number ? .number : kind == .bool ? .bool : .null
        case .object, .array:
            // Containers are not keys: the record belongs to no group.
            break
        }
    }

    private mutating func readHost(_ scanner: JSONScanner, _ url: Range<Int>) {
        let raw = (url.lowerBound + 1)..<(url.upperBound - 1)
        if memchr(scanner.bytes.baseAddress! + raw.lowerBound, Int32(UInt8(ascii: "\\")), raw.count) != nil {
            var decoded = Array(scanner.decodeString(raw: raw).utf8)
            decoded.withUnsafeMutableBufferPointer { takeHost(from: UnsafeBufferPointer($0)) }
        } else {
            takeHost(from: UnsafeBufferPointer(rebasing: scanner.bytes[raw]))
        }
    }

    /// The host of the string `url` as the group key: where it lies in the line when it
    /// can be used as it is, else folded (or decoded) into `groupKey`.
    mutating func readHostInPlace(_ scanner: JSONScanner, _ url: Range<Int>) {
        let raw = (url.lowerBound + 1)..<(url.upperBound - 1)
        let bytes = scanner.bytes
        guard memchr(bytes.baseAddress! + raw.lowerBound, Int32(UInt8(ascii: "\\")), raw.count) == nil else {
            return readHost(scanner, url)
        }
        let text = UnsafeBufferPointer(rebasing: bytes[raw])
        let host: Range<Int>
        if let plain = plainHostRange(of: text) {
            host = plain
        } else {
            guard let parsed = hostRange(of: text) else { return }
            if text[parsed].contains(where: { $0 &- UInt8(ascii: "A") < 26 }) { return takeHost(from: text) }
            host = parsed
        }
        groupKeyInLine = (host.lowerBound + raw.lowerBound)..<(host.upperBound + raw.lowerBound)
        groupKeyKind = .string
    }

    /// The host of `https://host/...` or `http://host/...` when it is all lower-case
    /// letters, digits, dots and hyphens (what afetch writes), found in one pass;
    /// nil for anything else, which `hostRange` then parses. Where both answer, they agree.
    @inline(__always)
    private func plainHostRange(of url: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        guard url.count > 8 else { return nil }
        let head = UInt64(littleEndian: UnsafeRawPointer(url.baseAddress!).loadUnaligned(as: UInt64.self))
        let start: Int
        if head == 0x2F2F_3A73_7074_7468 {  // "https://"
            start = 8
        } else if head & 0x00FF_FFFF_FFFF_FFFF == 0x2F_2F3A_7074_7468 {  // "http://"
            start = 7
        } else {
            return nil
        }
        var end = start
        while end < url.count {
            let byte = url[end]
            guard byte &- UInt8(ascii: "a") < 26 || isASCIIDigit(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") else { break }
            end &+= 1
        }
        guard end > start else { return nil }
        if end < url.count {
            let byte = url[end]
            guard byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") else { return nil }
        }
        return start..<end
    }

    private mutating func takeHost(from url: UnsafeBufferPointer<UInt8>) {
        guard let host = hostRange(of: url) else { return }
        groupKey.removeAll(keepingCapacity: true)
        groupKey.append(contentsOf: UnsafeBufferPointer(rebasing: url[host]))
        // Host names are case-insensitive (RFC 3986 section 3.2.2): fold ASCII letters.
        groupKey.withUnsafeMutableBufferPointer { key in
            for index in key.indices where key[index] &- UInt8(ascii: "A") < 26 { key[index] |= 0x20 }
        }
        groupKeyKind = .string
    }
}

/// The host of an absolute URL (`scheme://[userinfo@]host[:port]/...`) as a byte range,
/// IPv6 literals with their brackets; nil when there is no authority or it is empty.
/// A byte-level cut of RFC 3986 section 3.2 that agrees with `WebURL.host` on the URLs
/// afetch writes, at a fraction of a full parse's cost.
func hostRange(of url: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    // Scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) then "://"; https and http first.
    var i = 0
    if url.count > 7 && url[0] | 0x20 == UInt8(ascii: "h") && url[1] | 0x20 == UInt8(ascii: "t")
        && url[2] | 0x20 == UInt8(ascii: "t") && url[3] | 0x20 == UInt8(ascii: "p") {
        i = url[4] | 0x20 == UInt8(ascii: "s") ? 5 : 4
    }
    while i < url.count, i == 0 ? isASCIILetter(url[i]) : isSchemeByte(url[i]) {
        i += 1
    }
    guard i > 0, i + 2 < url.count, url[i] == UInt8(ascii: ":"), url[i + 1] == UInt8(ascii: "/"),
          url[i + 2] == UInt8(ascii: "/") else { return nil }
    var start = i + 3
    var end = start
    while end < url.count {
        let byte = url[end]
        if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
        if byte == UInt8(ascii: "@") { start = end + 1 }
        end += 1
    }
    if start < end && url[start] == UInt8(ascii: "[") {
        guard let close = url[start..<end].firstIndex(of: UInt8(ascii: "]")) else { return nil }
        return start..<(close + 1)
    }
    let host = url[start..<end].firstIndex(of: UInt8(ascii: ":")).map { start..<$0 } ?? start..<end
    return host.isEmpty ? nil : host
}

/// Milliseconds since the epoch of an RFC 3339 timestamp string (with its quotes in
/// `range`): `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`; NaN when malformed.
func parseTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double {
    var parser = TimestampParser()
    return parser.parse(bytes, range)
}

/// Parses RFC 3339 timestamps, remembering the minute of the last one: records that
/// follow each other share it, so most lines parse only seconds, fraction and zone.
struct TimestampParser {
    /// The first 16 bytes (`YYYY-MM-DDTHH:MM`) of the last timestamp, and their time.
    private var minuteText: (UInt64, UInt64) = (0, 0)
    private var minuteSeconds: Int?

    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double {
        let start = range.lowerBound + 1
        let end = range.upperBound - 1
        guard end - start >= 20 else { return .nan }
        let raw = UnsafeRawPointer(bytes.baseAddress! + start)
        let text = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if minuteSeconds == nil || text != minuteText {
            minuteSeconds = parseMinute(bytes, start)
            minuteText = text
        }
        guard let minute = minuteSeconds, bytes[start + 16] == UInt8(ascii: ":"),
              let second = digits(bytes, start + 17, 2) else { return .nan }
        var i = start + 19
        var fraction = 0.0
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            let first = i
            var value = 0
            while i < end, isASCIIDigit(bytes[i]), i - first < 15 {
                value = value * 10 + Int(bytes[i] &- UInt8(ascii: "0"))
                i += 1
            }
            fraction = Double(value) / exactPowerOfTen(i - first)
            while i < end, isASCIIDigit(bytes[i]) { i += 1 }
        }
        var offsetMinutes = 0
        if i < end && bytes[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if i + 6 <= end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-"),
                  let hours = digits(bytes, i + 1, 2), bytes[i + 3] == UInt8(ascii: ":"),
                  let minutes = digits(bytes, i + 4, 2) {
            offsetMinutes = (hours * 60 + minutes) * (bytes[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        }
        guard i == end else { return .nan }
        return (Double(minute + second - offsetMinutes * 60) + fraction) * 1000
    }

    /// Seconds since the epoch of `YYYY-MM-DDTHH:MM` at `start`, or nil.
    private func parseMinute(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        guard let year = digits(bytes, start, 4), bytes[start + 4] == UInt8(ascii: "-"),
              let month = digits(bytes, start + 5, 2), bytes[start + 7] == UInt8(ascii: "-"),
              let day = digits(bytes, start + 8, 2), bytes[start + 10] | 0x20 == UInt8(ascii: "t"),
              let hour = digits(bytes, start + 11, 2), bytes[start + 13] == UInt8(ascii: ":"),
              let minute = digits(bytes, start + 14, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60
    }

    private func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int? {
        var value = 0
        for k in at..<(at + count) {
            let digit = bytes[k] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146097 + dayOfEra - 719468
}
