/// Malformed JSON, with the byte offset where the scanner gave up.
public struct JSONSyntaxError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Offset from the start of the line, 0-based.
    public let offset: Int
    /// What was expected or found there.
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// The kind of a JSON value, known from its first byte.
public enum JSONKind: Sendable, Equatable {
    case string, number, bool, null, object, array
}

/// One member of a scanned object: where its key and value lie in the line.
public struct JSONMember {
    /// The key's bytes between its quotes, escapes not yet decoded.
    public let key: Range<Int>
    /// True when the key contains a backslash escape and must be decoded to compare.
    public let keyHasEscapes: Bool
    /// The value's bytes, from its first to its last byte.
    public let value: Range<Int>
    /// The value's kind.
    public let kind: JSONKind
    /// The whole member, from the key's opening quote to the value's end.
    public var span: Range<Int> { (key.lowerBound - 1)..<value.upperBound }
}

/// A validating, non-allocating scanner over one line of JSON.
///
/// It walks the top-level object once, checking the whole line's syntax (nested
/// values included, iteratively, so 100,000 levels of nesting cost no stack) and
/// reports each top-level member's position. Nothing is decoded until asked.
public struct JSONScanner {
    /// The bytes scanned.
    public let bytes: UnsafeBufferPointer<UInt8>

    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Calls `visit` for each member of the top-level object, in order. Throws
    /// if the line is not exactly one well-formed JSON object (surrounding
    /// blanks allowed). Members already visited when an error is found were
    /// reported; callers that need all-or-nothing collect and then act.
    public func forEachMember(_ visit: (JSONMember) throws -> Void) throws {
        var i = skipBlanks(0)
        guard i < bytes.count else { throw error(i, "empty line") }
        guard bytes[i] == UInt8(ascii: "{") else {
            throw error(i, "expected an object, found \(describe(i))")
        }
        i = skipBlanks(i + 1)
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
            return try expectEnd(i + 1)
        }
        while true {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw error(i, "expected a member name, found \(describe(i))")
            }
            let keyStart = i + 1
            let (keyEnd, keyEscaped) = try scanString(i)
            i = skipBlanks(keyEnd)
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw error(i, "expected ':', found \(describe(i))")
            }
            let valueStart = skipBlanks(i + 1)
            let (valueEnd, kind) = try scanValue(valueStart)
            try visit(JSONMember(key: keyStart..<(keyEnd - 1), keyHasEscapes: keyEscaped,
                                 value: valueStart..<valueEnd, kind: kind))
            i = skipBlanks(valueEnd)
            guard i < bytes.count else { throw error(i, "unterminated object") }
            if bytes[i] == UInt8(ascii: ",") {
                i = skipBlanks(i + 1)
                continue
            }
            if bytes[i] == UInt8(ascii: "}") { return try expectEnd(i + 1) }
            throw error(i, "expected ',' or '}', found \(describe(i))")
        }
    }

    /// Checks that the whole line is one well-formed JSON value of any kind.
    public func validateValue() throws -> JSONKind {
        let start = skipBlanks(0)
        let (end, kind) = try scanValue(start)
        try expectEnd(end)
        return kind
    }

    /// Scans the value starting at `start`; returns the index just past it.
    public func scanValue(_ start: Int) throws -> (end: Int, kind: JSONKind) {
        guard start < bytes.count else { throw error(start, "expected a value, found end of line") }
        switch bytes[start] {
        case UInt8(ascii: "\""): return (try scanString(start).end, .string)
        case UInt8(ascii: "{"): return (try scanContainer(start), .object)
        case UInt8(ascii: "["): return (try scanContainer(start), .array)
        case UInt8(ascii: "t"): return (try scanLiteral(start, "true"), .bool)
        case UInt8(ascii: "f"): return (try scanLiteral(start, "false"), .bool)
        case UInt8(ascii: "n"): return (try scanLiteral(start, "null"), .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return (try scanNumber(start), .number)
        default: throw error(start, "expected a value, found \(describe(start))")
        }
    }

    // MARK: - Tokens

    /// Scans a string starting at its opening quote; returns the index past the
    /// closing quote and whether it holds escapes. Escapes are checked, raw
    /// control characters rejected (RFC 8259 section 7).
    func scanString(_ start: Int) throws -> (end: Int, hasEscapes: Bool) {
        var i = start + 1
        var escaped = false
        let count = bytes.count
        while i < count {
            // Skip 8 plain bytes at a time, or straight to the first byte that
            // needs a look (most of a string's bytes need none).
            if i + 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self))
                let flags = quoteBackslashOrControlFlags(word)
                if flags == 0 {
                    i += 8
                    continue
                }
                i += flags.trailingZeroBitCount >> 3
            }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") { return (i + 1, escaped) }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < count else { break }
                switch bytes[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 5 < count, (2...5).allSatisfy({ ASCIIHex.value(bytes[i + $0]) != nil }) else {
                        throw error(i, "bad \\u escape")
                    }
                    i += 6
                default:
                    throw error(i, "bad escape")
                }
                continue
            }
            if byte < 0x20 { throw error(i, "control character in string") }
            i += 1
        }
        throw error(start, "unterminated string")
    }

    private func scanLiteral(_ start: Int, _ word: StaticString) throws -> Int {
        let length = word.utf8CodeUnitCount
        guard start + length <= bytes.count else { throw error(start, "bad literal") }
        for k in 0..<length where bytes[start + k] != word.utf8Start[k] {
            throw error(start + k, "bad literal")
        }
        return start + length
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  (RFC 8259 section 6)
    private func scanNumber(_ start: Int) throws -> Int {
        var i = start
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isASCIIDigit(bytes[i]) else { throw error(i, "bad number") }
        if bytes[i] == UInt8(ascii: "0") { i += 1 } else { i = skipDigits(i) }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            guard i + 1 < bytes.count, isASCIIDigit(bytes[i + 1]) else { throw error(i, "bad number") }
            i = skipDigits(i + 1)
        }
        if i < bytes.count && (bytes[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < bytes.count, isASCIIDigit(bytes[i]) else { throw error(i, "bad number") }
            i = skipDigits(i)
        }
        return i
    }

    /// Scans a nested object or array without recursion: `stack` remembers, per
    /// level, whether it is an object, so depth is limited by memory only.
    private func scanContainer(_ start: Int) throws -> Int {
        var stack = ContainerStack()
        var i = start
        // At the top of the loop `i` is at a value's first byte.
        while true {
            let opener = bytes[i]
            if opener == UInt8(ascii: "{") || opener == UInt8(ascii: "[") {
                let isObject = opener == UInt8(ascii: "{")
                stack.push(isObject)
                i = skipBlanks(i + 1)
                guard i < bytes.count else { throw error(i, "unterminated container") }
                if bytes[i] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    stack.pop()
                    i += 1
                } else {
                    i = try isObject ? scanMemberName(i) : i
                    continue
                }
            } else {
                i = try scanValue(i).end
            }
            // After a value: a separator or the end of one or more containers.
            while true {
                if stack.isEmpty { return i }
                i = skipBlanks(i)
                guard i < bytes.count else { throw error(i, "unterminated container") }
                let byte = bytes[i]
                if byte == UInt8(ascii: ",") {
                    i = skipBlanks(i + 1)
                    if stack.topIsObject { i = try scanMemberName(i) }
                    guard i < bytes.count else { throw error(i, "expected a value, found end of line") }
                    break
                }
                let closer = stack.topIsObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard byte == closer else { throw error(i, "expected ',' or '\(Character(Unicode.Scalar(closer)))', found \(describe(i))") }
                stack.pop()
                i += 1
            }
        }
    }

    /// Scans `"name" :` and returns the index of the value that follows.
    private func scanMemberName(_ start: Int) throws -> Int {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else {
            throw error(start, "expected a member name, found \(describe(start))")
        }
        let i = skipBlanks(try scanString(start).end)
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
            throw error(i, "expected ':', found \(describe(i))")
        }
        let value = skipBlanks(i + 1)
        guard value < bytes.count else { throw error(value, "expected a value, found end of line") }
        return value
    }

    // MARK: - Helpers

    private func expectEnd(_ start: Int) throws {
        let i = skipBlanks(start)
        if i != bytes.count { throw error(i, "unexpected \(describe(i)) after the value") }
    }

    @inline(__always)
    func skipBlanks(_ start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { break }
            i += 1
        }
        return i
    }

    private func skipDigits(_ start: Int) -> Int {
        var i = start
        while i < bytes.count && isASCIIDigit(bytes[i]) { i += 1 }
        return i
    }

    private func describe(_ i: Int) -> String {
        guard i < bytes.count else { return "end of line" }
        let byte = bytes[i]
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    private func error(_ offset: Int, _ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset, reason: reason)
    }
}

/// The high bit of each byte of `word` (little-endian) that is `"`, `\\` or
/// below 0x20, and possibly of bytes above the first such byte, never below
/// it: the lowest flag is exact. (The has-zero-byte and has-less-than tricks
/// of Sean Anderson's "Bit Twiddling Hacks"; a borrow only runs upwards.)
@inlinable @inline(__always) func quoteBackslashOrControlFlags(_ word: UInt64) -> UInt64 {
    byteFlags(word, equalTo: UInt8(ascii: "\"")) | byteFlags(word, equalTo: UInt8(ascii: "\\")) | controlByteFlags(word)
}

/// The high bit of each byte of `word` that equals `byte`, under the same rule: the
/// lowest flag is exact, flags above it may be false.
@inlinable @inline(__always) public func byteFlags(_ word: UInt64, equalTo byte: UInt8) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let differences = word ^ (ones &* UInt64(byte))
    return (differences &- ones) & ~differences & 0x8080_8080_8080_8080
}

/// The high bit of each byte of `word` below 0x20 (a C0 control), under the same rule.
@inlinable @inline(__always) public func controlByteFlags(_ word: UInt64) -> UInt64 {
    (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
}

/// Which open containers are objects: 64 levels in a register, deeper ones in an array.
private struct ContainerStack {
    private var bits: UInt64 = 0
    private var depth = 0
    private var overflow: [Bool] = []

    var isEmpty: Bool { depth == 0 }

    var topIsObject: Bool {
        depth <= 64 ? bits & (1 << UInt64(depth - 1)) != 0 : overflow[depth - 65]
    }

    mutating func push(_ isObject: Bool) {
        if depth < 64 {
            if isObject { bits |= 1 << UInt64(depth) } else { bits &= ~(1 << UInt64(depth)) }
        } else {
            overflow.append(isObject)
        }
        depth += 1
    }

    mutating func pop() {
        depth -= 1
        if depth >= 64 { overflow.removeLast() }
    }
}
