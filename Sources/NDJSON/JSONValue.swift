#if canImport(Glibc)
import Glibc
#endif

/// A decoded JSON value. Containers stay as byte ranges into the scanned line,
/// to be scanned again only if someone asks for what is inside.
public enum JSONValue: Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case object(Range<Int>)
    case array(Range<Int>)

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number, if this is a number.
    public var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The number as an integer, if this is a number with no fractional part that fits.
    public var intValue: Int? {
        guard case .number(let number) = self, number.rounded() == number,
              number >= -9.0e18, number <= 9.0e18 else { return nil }
        return Int(number)
    }
}

extension JSONScanner {
    /// Decodes the value of a member found by `forEachMember`.
    public func decode(_ member: JSONMember) -> JSONValue {
        decodeValue(member.value, kind: member.kind)
    }

    /// Decodes a value whose range and kind the scanner reported.
    public func decodeValue(_ range: Range<Int>, kind: JSONKind) -> JSONValue {
        switch kind {
        case .string: return .string(decodeString(contentOf: range))
        case .number: return .number(parseNumber(range))
        case .bool: return .bool(bytes[range.lowerBound] == UInt8(ascii: "t"))
        case .null: return .null
        case .object: return .object(range)
        case .array: return .array(range)
        }
    }

    /// The text of a scanned string, given the range including its quotes.
    public func decodeString(contentOf quoted: Range<Int>) -> String {
        decodeString(raw: (quoted.lowerBound + 1)..<(quoted.upperBound - 1))
    }

    /// Decodes the raw bytes between a string's quotes: every escape, surrogate
    /// pairs joined, a lone surrogate or invalid UTF-8 turned into U+FFFD.
    public func decodeString(raw: Range<Int>) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[raw])
        if memchrBackslash(slice) == nil {
            return String(decoding: slice, as: UTF8.self)
        }
        // No escape decodes to more bytes than it takes.
        let out = [UInt8](unsafeUninitializedCapacity: slice.count) { buffer, count in
            count = decodeJSONStringContent(slice, into: buffer.baseAddress!).count
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends a string member's decoded UTF-8 to `out`, copying the bytes
    /// as they are when the string has no escapes (the common case, no String made).
    public func appendStringValue(_ member: JSONMember, to out: inout [UInt8]) {
        let raw = (member.value.lowerBound + 1)..<(member.value.upperBound - 1)
        let slice = UnsafeBufferPointer(rebasing: bytes[raw])
        if slice.isEmpty || memchr(slice.baseAddress!, Int32(UInt8(ascii: "\\")), slice.count) == nil {
            out.append(contentsOf: slice)
        } else {
            out.append(contentsOf: decodeString(raw: raw).utf8)
        }
    }

    /// The key of a member as text.
    public func keyString(_ member: JSONMember) -> String {
        decodeString(raw: member.key)
    }

    /// True when the member's key is exactly `name`.
    @inline(__always)
    public func key(_ member: JSONMember, is name: UnsafeBufferPointer<UInt8>) -> Bool {
        if member.keyHasEscapes { return Array(keyString(member).utf8).elementsEqual(name) }
        guard member.key.count == name.count else { return false }
        return memcmp(bytes.baseAddress! + member.key.lowerBound, name.baseAddress!, name.count) == 0
    }

    /// The value of the top-level member `name`; the last one wins when a key repeats.
    /// Nil when absent; throws when the line is not a JSON object.
    public func value(of name: String) throws -> JSONValue? {
        var found: JSONMember?
        var name = name
        try name.withUTF8 { key in
            try forEachMember { member in
                if self.key(member, is: key) { found = member }
            }
        }
        return found.map(decode)
    }

    /// The value at a dotted path such as `timing.ttfb_ms`, looking into nested objects.
    public func value(atPath path: [String]) throws -> JSONValue? {
        var scanner = self
        var base = 0
        for (index, name) in path.enumerated() {
            guard let found = try scanner.value(of: name) else { return nil }
            if index == path.count - 1 { return shift(found, by: base) }
            guard case .object(let range) = found else { return nil }
            base += range.lowerBound
            scanner = JSONScanner(UnsafeBufferPointer(rebasing: scanner.bytes[range]))
        }
        return nil
    }

    private func shift(_ value: JSONValue, by base: Int) -> JSONValue {
        switch value {
        case .object(let range): return .object((range.lowerBound + base)..<(range.upperBound + base))
        case .array(let range): return .array((range.lowerBound + base)..<(range.upperBound + base))
        default: return value
        }
    }

    private func parseNumber(_ range: Range<Int>) -> Double {
        // Fast path for plain integers, the common case (status codes, milliseconds, depths).
        var value = 0
        var negative = false
        var i = range.lowerBound
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        if range.upperBound - i <= 15 {
            while i < range.upperBound, isASCIIDigit(bytes[i]) {
                value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                i += 1
            }
            if i == range.upperBound { return Double(negative ? -value : value) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        return Double(text) ?? .nan
    }
}

private func memchrBackslash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    bytes.firstIndex(of: UInt8(ascii: "\\"))
}
