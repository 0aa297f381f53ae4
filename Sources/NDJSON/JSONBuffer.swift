/// Compact JSON written into a growing byte buffer, one record at a time.
///
/// Members are separated automatically: `key(_:)` writes the comma a member
/// needs, so a record is `beginObject()`, pairs of `key` and a value, `endObject()`.
/// Strings are escaped as RFC 8259 requires, and invalid UTF-8 becomes U+FFFD,
/// so whatever bytes a server sends, the output is valid JSON text.
public struct JSONBuffer {
    private var storage: ByteStorage
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 4096) { storage = ByteStorage(capacity: max(capacity, 64)) }

    /// The bytes written so far, copied out.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// How many bytes have been written.
    public var count: Int { storage.count }

    /// Lends the bytes written so far, without copying them.
    public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    /// Forgets the contents, keeping the memory.
    public mutating func removeAll() {
        // A copy sharing the storage keeps its bytes: this buffer takes fresh memory, not a copy.
        if isKnownUniquelyReferenced(&storage) {
            storage.count = 0
        } else {
            storage = ByteStorage(capacity: storage.capacity)
        }
        needsComma = false
    }

    public mutating func beginObject() { separate(); append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { append(UInt8(ascii: "]")); needsComma = true }

    /// Writes a member name and its colon; the value follows.
    public mutating func key(_ name: StaticString) {
        let length = name.utf8CodeUnitCount
        var cursor = reserve(length + 4)
        let start = cursor
        if needsComma { cursor.pointee = UInt8(ascii: ","); cursor += 1 }
        cursor.pointee = UInt8(ascii: "\"")
        (cursor + 1).update(from: name.utf8Start, count: length)
        cursor += length + 1
        cursor[0] = UInt8(ascii: "\"")
        cursor[1] = UInt8(ascii: ":")
        storage.count += cursor + 2 - start
        needsComma = false
    }

    /// Writes a member name known only at run time, escaped like any string.
    /// Disfavoured so that literal keys take the faster StaticString overload.
    @_disfavoredOverload
    public mutating func key(_ name: String) {
        if needsComma { append(UInt8(ascii: ",")) }
        needsComma = false
        string(name)
        append(UInt8(ascii: ":"))
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
        append(UInt8(ascii: "\""))
        appendEscaped(raw)
        append(UInt8(ascii: "\""))
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
            var text = value.description
            text.withUTF8 { append($0) }
        }
        needsComma = true
    }

    /// Writes milliseconds rounded to three decimals, the precision every
    /// duration field uses, without going through Double's description.
    public mutating func milliseconds(_ value: Double) {
        guard value.isFinite, abs(value) < 1e12 else { number(value); return }
        separate()
        let thousandths = Int((value * 1000).rounded())
        if thousandths < 0 { append(UInt8(ascii: "-")) }
        let magnitude = abs(thousandths)
        appendDecimal(magnitude / 1000)
        var fraction = magnitude % 1000
        if fraction > 0 {
            append(UInt8(ascii: "."))
            var width = 3
            while fraction % 10 == 0 { fraction /= 10; width -= 1 }
            var divisor = width == 3 ? 100 : width == 2 ? 10 : 1
            while divisor > 0 {
                append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
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
        append(json)
        needsComma = true
    }

    /// Writes `json` as it is, owing no comma after it: for records assembled
    /// from fixed runs of JSON text (such as `,"tag":"a","text":` or
    /// `,"depth":2}` and a newline) around the values the other methods write.
    public mutating func fragment(_ json: UnsafeBufferPointer<UInt8>) {
        append(json)
        needsComma = false
    }

    /// Copies members of an object line unchanged (key and value bytes as they
    /// are), except those `skip` names: the pass-through half of a record built
    /// from an input record. The line must already have been scanned as valid.
    public mutating func copyMembers(of line: JSONScanner, skip: (JSONMember) -> Bool) throws {
        try line.forEachMember { member in
            guard !skip(member) else { return }
            if needsComma { append(UInt8(ascii: ",")) }
            append(UnsafeBufferPointer(rebasing: line.bytes[member.span]))
            needsComma = true
        }
    }

    /// Ends the record with a newline.
    public mutating func newline() {
        append(0x0A)
        needsComma = false
    }

    // MARK: - Internals

    @inline(__always)
    private mutating func separate() {
        if needsComma { append(UInt8(ascii: ",")) }
    }

    @inline(__always)
    private mutating func appendStatic(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Where `extra` more bytes go, in storage this value alone owns (a copied
    /// JSONBuffer copies its bytes on its first write, as an Array would).
    @inline(__always)
    private mutating func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        if storage.count + extra > storage.capacity { storage.grow(toHold: storage.count + extra) }
        return storage.base + storage.count
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        storage.count += 1
    }

    @inline(__always)
    private mutating func append(_ run: UnsafeBufferPointer<UInt8>) {
        guard let source = run.baseAddress, !run.isEmpty else { return }
        reserve(run.count).update(from: source, count: run.count)
        storage.count += run.count
    }

    private mutating func appendDecimal(_ value: Int) {
        // One digit, as most counts and durations in a record are: no digit buffer.
        if value >= 0 && value < 10 { append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value)); return }
        if value < 0 {
            append(UInt8(ascii: "-"))
            if value == .min { appendStatic("9223372036854775808"); return }
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
            append(UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]).assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Appends string content: escapes for `"`, `\` and control characters, and U+FFFD
    /// for each maximal invalid UTF-8 subpart (the Unicode "substitution of maximal
    /// subparts" practice). Written straight into the storage, a slice of input at a
    /// time with room for its worst case, so no byte pays a capacity check.
    private mutating func appendEscaped(_ raw: UnsafeBufferPointer<UInt8>) {
        guard let base = raw.baseAddress else { return }
        var i = 0
        while i < raw.count {
            let sliceEnd = min(raw.count, i + Self.escapeSlice)
            // An input byte becomes at most 6 (`\u001f`); the slack covers a whole word
            // stored at the slice's end and a sequence that runs past it.
            let start = reserve((sliceEnd - i) * 6 + 16)
            var out = start
            while i < sliceEnd {
                // Eight bytes at a time while they are plain ASCII (no quote, backslash,
                // control or high byte). The word is stored whole, then only the plain bytes
                // before the first flagged one count: that lowest flag is exact (the bit
                // tricks can only misflag bytes above a true one).
                if i + 8 <= raw.count {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    UnsafeMutableRawPointer(out).storeBytes(of: word, as: UInt64.self)
                    let flags = (word & 0x8080_8080_8080_8080) | quoteBackslashOrControlFlags(word)
                    if flags == 0 {
                        i += 8
                        out += 8
                        continue
                    }
                    let plain = flags.trailingZeroBitCount >> 3
                    i += plain
                    out += plain
                }
                let byte = base[i]
                if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    out.pointee = byte
                    out += 1
                    i += 1
                } else if byte < 0x80 {
                    out += writeEscape(of: byte, at: out)
                    i += 1
                } else if case let length = validUTF8Length(raw, at: i), length > 0 {
                    out.update(from: base + i, count: length)
                    out += length
                    i += length
                } else {
                    out[0] = 0xEF; out[1] = 0xBF; out[2] = 0xBD   // U+FFFD
                    out += 3
                    i += invalidUTF8Length(raw, at: i)
                }
            }
            storage.count += out - start
        }
    }

    /// Input bytes escaped per reservation: the worst case of a slice is six times this.
    private static let escapeSlice = 4096

    /// Writes the escape of a quote, backslash or control byte at `out`; returns its length.
    @inline(__always)
    private func writeEscape(of byte: UInt8, at out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out[1] = byte
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x0C: out[1] = UInt8(ascii: "f")
        default:
            let hex: StaticString = "0123456789abcdef"
            out[1] = UInt8(ascii: "u"); out[2] = UInt8(ascii: "0"); out[3] = UInt8(ascii: "0")
            out[4] = hex.utf8Start[Int(byte >> 4)]
            out[5] = hex.utf8Start[Int(byte & 0xF)]
            return 6
        }
        return 2
    }
}

/// JSONBuffer's memory: one allocation that doubles when full. Writing into it is a
/// bounds check and a copy; Array's append(contentsOf:) cost about 100 instructions
/// a call, most of the time afetch spent formatting a record.
private final class ByteStorage {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit { base.deallocate() }

    func copy() -> ByteStorage {
        let copy = ByteStorage(capacity: capacity)
        copy.base.initialize(from: base, count: count)
        copy.count = count
        return copy
    }

    func grow(toHold needed: Int) {
        var larger = capacity * 2
        while larger < needed { larger *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
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
