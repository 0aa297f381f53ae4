/// Compact JSON written into a growing byte array, one record at a time.
///
/// Members are separated automatically: `key(_:)` writes the comma a member
/// needs, so a record is `beginObject()`, pairs of `key` and a value, `endObject()`.
/// Strings are escaped as RFC 8259 requires, and invalid UTF-8 becomes U+FFFD,
/// so whatever bytes a server sends, the output is valid JSON text.
public struct JSONBuffer {
    /// The bytes written so far.
    public var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    /// Forgets the contents, keeping the memory.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes a member name and its colon; the value follows.
    public mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a member name known only at run time, escaped like any string.
    /// Disfavoured so that literal keys take the faster StaticString overload.
    @_disfavoredOverload
    public mutating func key(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string(utf8: $0) }
    }

    public mutating func string(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    /// Writes bytes as a JSON string: escaped, invalid UTF-8 replaced.
    public mutating func string(utf8 raw: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(raw)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func number(_ value: Int) {
        separate()
        appendDecimal(value)
        needsComma = true
    }

    /// Writes a finite double in its shortest round-trip form; NaN and infinities as null.
    public mutating func number(_ value: Double) {
        separate()
        if !value.isFinite {
            appendStatic("null")
        } else if value == value.rounded(), abs(value) < 1e15 {
            appendDecimal(Int(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
        needsComma = true
    }

    /// Writes milliseconds rounded to three decimals, the precision every
    /// duration field uses, without going through Double's description.
    public mutating func milliseconds(_ value: Double) {
        guard value.isFinite, abs(value) < 1e12 else { number(value); return }
        separate()
        let thousandths = Int((value * 1000).rounded())
        if thousandths < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = abs(thousandths)
        appendDecimal(magnitude / 1000)
        var fraction = magnitude % 1000
        if fraction > 0 {
            bytes.append(UInt8(ascii: "."))
            var width = 3
            while fraction % 10 == 0 { fraction /= 10; width -= 1 }
            var divisor = width == 3 ? 100 : width == 2 ? 10 : 1
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
                divisor /= 10
            }
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        appendStatic(value ? "true" : "false")
        needsComma = true
    }

    public mutating func null() {
        separate()
        appendStatic("null")
        needsComma = true
    }

    /// Writes bytes that are already a valid JSON value.
    public mutating func raw(_ json: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Writes `json` as it is, owing no comma after it: for records assembled
    /// from fixed runs of JSON text (such as `,"tag":"a","text":` or
    /// `,"depth":2}` and a newline) around the values the other methods write.
    public mutating func fragment(_ json: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: json)
        needsComma = false
    }

    /// Copies members of an object line unchanged (key and value bytes as they
    /// are), except those `skip` names: the pass-through half of a record built
    /// from an input record. The line must already have been scanned as valid.
    public mutating func copyMembers(of line: JSONScanner, skip: (JSONMember) -> Bool) throws {
        try line.forEachMember { member in
            guard !skip(member) else { return }
            if needsComma { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line.bytes[member.span]))
            needsComma = true
        }
    }

    /// Ends the record with a newline.
    public mutating func newline() {
        bytes.append(0x0A)
        needsComma = false
    }

    // MARK: - Internals

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendStatic(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func appendDecimal(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            if value == .min { bytes.append(contentsOf: "9223372036854775808".utf8); return }
        }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }

    /// Appends string content: runs of plain bytes in bulk, escapes for `"`, `\`
    /// and control characters, and U+FFFD for each maximal invalid UTF-8 subpart
    /// (the Unicode "substitution of maximal subparts" practice).
    private mutating func appendEscaped(_ raw: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var i = 0
        let count = raw.count
        guard let base = raw.baseAddress else { return }
        while i < count {
            // Eight plain ASCII bytes at a time (no quote, backslash, control or high byte).
            if i + 8 <= count {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 && quoteBackslashOrControlFlags(word) == 0 {
                    i += 8
                    continue
                }
            }
            let byte = raw[i]
            if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if byte >= 0x80 {
                let length = validUTF8Length(raw, at: i)
                if length > 0 { i += length; continue }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: raw[runStart..<i]))
            if byte >= 0x80 {
                bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += invalidUTF8Length(raw, at: i)
            } else {
                appendEscape(byte)
                i += 1
            }
            runStart = i
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: raw[runStart..<count]))
    }

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                      hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }
}

/// The length of the well-formed UTF-8 sequence starting at `i`, or 0 if there is none
/// (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
@inline(__always)
public func validUTF8Length(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
    let lead = bytes[i]
    let count = bytes.count
    func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
        i + k < count && bytes[i + k] >= low && bytes[i + k] <= high
    }
    switch lead {
    case 0x00..<0x80: return 1
    case 0xC2...0xDF: return continuation(1) ? 2 : 0
    case 0xE0: return continuation(1, 0xA0) && continuation(2) ? 3 : 0
    case 0xE1...0xEC, 0xEE...0xEF: return continuation(1) && continuation(2) ? 3 : 0
    case 0xED: return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
    case 0xF0: return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
    case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
    case 0xF4: return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
    default: return 0
    }
}

/// How many bytes one U+FFFD replaces at an invalid position: the lead byte plus
/// the continuation bytes that still fit a valid prefix (maximal subpart).
func invalidUTF8Length(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
    let lead = bytes[i]
    let (expected, low, high): (Int, UInt8, UInt8)
    switch lead {
    case 0xC2...0xDF: (expected, low, high) = (2, 0x80, 0xBF)
    case 0xE0: (expected, low, high) = (3, 0xA0, 0xBF)
    case 0xE1...0xEC, 0xEE...0xEF: (expected, low, high) = (3, 0x80, 0xBF)
    case 0xED: (expected, low, high) = (3, 0x80, 0x9F)
    case 0xF0: (expected, low, high) = (4, 0x90, 0xBF)
    case 0xF1...0xF3: (expected, low, high) = (4, 0x80, 0xBF)
    case 0xF4: (expected, low, high) = (4, 0x80, 0x8F)
    default: return 1
    }
    var length = 1
    while length < expected && i + length < bytes.count {
        let byte = bytes[i + length]
        let (lo, hi) = length == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
        guard byte >= lo && byte <= hi else { break }
        length += 1
    }
    return length
}

/// Returns `bytes` as valid UTF-8, each maximal invalid subpart replaced by U+FFFD.
public func repairUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    var runStart = 0
    while i < bytes.count {
        if bytes[i] < 0x80 { i += 1; continue }
        let length = validUTF8Length(bytes, at: i)
        if length > 0 { i += length; continue }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
        out.append(contentsOf: [0xEF, 0xBF, 0xBD])
        i += invalidUTF8Length(bytes, at: i)
        runStart = i
    }
    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    return out
}
