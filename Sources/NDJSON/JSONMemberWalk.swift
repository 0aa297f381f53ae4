/// Receives the members of a line's JSON object as `JSONScanner.walkMembers` finds them.
///
/// The walk is generic over its visitor, so the optimizer gives each visitor a copy
/// of the walk of its own with the visitor's calls inlined: no closure context and no
/// indirect call per member, which is what a per-line aggregator like astats needs.
public protocol JSONMemberVisitor {
    /// Whether to walk into the object that is the value of the member named `key`
    /// (the bytes between its quotes) at `depth`, 1 being the line's own members.
    /// Its members are then visited at `depth + 1` before the member itself is;
    /// otherwise the object is only validated.
    mutating func shouldEnter(key: Range<Int>, keyHasEscapes: Bool, depth: Int, in line: JSONScanner) -> Bool

    /// Called with each member at `depth` once its value has been scanned.
    mutating func visit(_ member: JSONMember, depth: Int, in line: JSONScanner)
}

extension JSONScanner {
    /// Walks the line's top-level object, reporting its members (and those of the
    /// objects the visitor enters) to `visitor`. Accepts exactly the lines
    /// `forEachMember` accepts, but returns false instead of throwing; members
    /// visited before the error was found were reported, so a caller that needs
    /// the error (or all-or-nothing) runs `forEachMember` on a false.
    ///
    /// Strings are skipped eight bytes at a time and literals compared whole; the
    /// objects the visitor enters are walked by recursion, one level per object
    /// entered, and everything else nested is validated by `scanValue`, which
    /// needs no stack.
    @inlinable
    public func walkMembers<Visitor: JSONMemberVisitor>(_ visitor: inout Visitor) -> Bool {
        let start = walkBlanks(0)
        guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return false }
        let end = walkObject(start, depth: 1, &visitor)
        return end >= 0 && walkBlanks(end) == bytes.count
    }

    /// Walks the object whose `{` is at `open`; returns the index past its `}`, or -1
    /// when it is malformed.
    @inlinable
    func walkObject<Visitor: JSONMemberVisitor>(_ open: Int, depth: Int, _ visitor: inout Visitor) -> Int {
        // Indices stay within the line, so the arithmetic cannot overflow (&+), and ranges
        // are built from bounds already in order.
        let count = bytes.count
        var i = walkBlanks(open &+ 1)
        if i < count && bytes[i] == UInt8(ascii: "}") { return i &+ 1 }
        while true {
            guard i < count, bytes[i] == UInt8(ascii: "\"") else { return -1 }
            let (keyEnd, keyHasEscapes) = walkString(i)
            guard keyEnd >= 0 else { return -1 }
            let key = Range(uncheckedBounds: (i &+ 1, keyEnd &- 1))
            i = walkBlanks(keyEnd)
            guard i < count, bytes[i] == UInt8(ascii: ":") else { return -1 }
            let valueStart = walkBlanks(i &+ 1)
            guard valueStart < count else { return -1 }
            let valueEnd: Int
            let kind: JSONKind
            switch bytes[valueStart] {
            case UInt8(ascii: "\""):
                valueEnd = walkString(valueStart).end
                kind = .string
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                valueEnd = walkNumber(valueStart)
                kind = .number
            case UInt8(ascii: "t"):
                valueEnd = walkLiteral(valueStart, 0x6575_7274, 4)  // "true", little-endian
                kind = .bool
            case UInt8(ascii: "f"):
                valueEnd = walkLiteral(valueStart &+ 1, 0x6573_6C61, 4)  // "alse" after the "f"
                kind = .bool
            case UInt8(ascii: "n"):
                valueEnd = walkLiteral(valueStart, 0x6C6C_756E, 4)  // "null"
                kind = .null
            case UInt8(ascii: "{"):
                if visitor.shouldEnter(key: key, keyHasEscapes: keyHasEscapes, depth: depth, in: self) {
                    valueEnd = walkObject(valueStart, depth: depth &+ 1, &visitor)
                } else {
                    valueEnd = walkNested(valueStart)
                }
                kind = .object
            case UInt8(ascii: "["):
                valueEnd = walkNested(valueStart)
                kind = .array
            default:
                return -1
            }
            guard valueEnd >= 0 else { return -1 }
            visitor.visit(JSONMember(walkedKey: key, keyHasEscapes: keyHasEscapes,
                                     value: Range(uncheckedBounds: (valueStart, valueEnd)), kind: kind),
                          depth: depth, in: self)
            i = walkBlanks(valueEnd)
            guard i < count else { return -1 }
            if bytes[i] == UInt8(ascii: ",") {
                i = walkBlanks(i &+ 1)
                continue
            }
            return bytes[i] == UInt8(ascii: "}") ? i &+ 1 : -1
        }
    }

    /// The string whose opening quote is at `start`: the index past its closing quote
    /// (-1 when malformed) and whether it holds escapes. Plain strings are searched 16
    /// bytes at a time for the closing quote (two 64-bit lanes of SSE2 or NEON); one
    /// holding a backslash or a control character is left to `scanString`, which
    /// checks escapes (RFC 8259 section 7).
    @inlinable @inline(__always)
    func walkString(_ start: Int) -> (end: Int, hasEscapes: Bool) {
        let count = bytes.count
        let base = bytes.baseAddress!
        var i = start &+ 1
        #if _endian(little)
        while i &+ 16 <= count {
            let flags = walkSpecialByteFlags(UnsafeRawPointer(base + i).loadUnaligned(as: SIMD2<UInt64>.self))
            let (first, second) = (flags[0], flags[1])
            if first | second == 0 {
                i &+= 16
                continue
            }
            i &+= first != 0 ? first.trailingZeroBitCount &>> 3 : 8 &+ second.trailingZeroBitCount &>> 3
            return base[i] == UInt8(ascii: "\"") ? (i &+ 1, false) : walkStringWithEscapes(start)
        }
        #endif
        while i &+ 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let flags = walkSpecialByteFlags(word)
            if flags == 0 {
                i &+= 8
                continue
            }
            i &+= flags.trailingZeroBitCount &>> 3
            return base[i] == UInt8(ascii: "\"") ? (i &+ 1, false) : walkStringWithEscapes(start)
        }
        while i < count {
            let byte = base[i]
            if byte == UInt8(ascii: "\"") { return (i &+ 1, false) }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return walkStringWithEscapes(start) }
            i &+= 1
        }
        return (-1, false)
    }

    /// `scanString` for the rare strings with escapes or control characters.
    @usableFromInline
    func walkStringWithEscapes(_ start: Int) -> (end: Int, hasEscapes: Bool) {
        guard let scanned = try? scanString(start) else { return (-1, false) }
        return scanned
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  (RFC 8259 section 6): the index
    /// past the number starting at `start`, or -1.
    @inlinable @inline(__always)
    func walkNumber(_ start: Int) -> Int {
        let count = bytes.count
        var i = start
        if bytes[i] == UInt8(ascii: "-") { i &+= 1 }
        guard i < count, bytes[i] &- UInt8(ascii: "0") < 10 else { return -1 }
        if bytes[i] == UInt8(ascii: "0") {
            i &+= 1
        } else {
            i = walkDigits(i &+ 1)
        }
        if i < count && bytes[i] == UInt8(ascii: ".") {
            guard i &+ 1 < count, bytes[i &+ 1] &- UInt8(ascii: "0") < 10 else { return -1 }
            i = walkDigits(i &+ 2)
        }
        if i < count && bytes[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            if i < count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i &+= 1 }
            guard i < count, bytes[i] &- UInt8(ascii: "0") < 10 else { return -1 }
            i = walkDigits(i &+ 1)
        }
        return i
    }

    @inlinable @inline(__always)
    func walkDigits(_ start: Int) -> Int {
        var i = start
        while i < bytes.count && bytes[i] &- UInt8(ascii: "0") < 10 { i &+= 1 }
        return i
    }

    /// The index past the 4 bytes at `start` when they are `word` (little-endian), else -1.
    @inlinable @inline(__always)
    func walkLiteral(_ start: Int, _ word: UInt32, _ length: Int) -> Int {
        guard start &+ length <= bytes.count else { return -1 }
        let found = UInt32(littleEndian: UnsafeRawPointer(bytes.baseAddress! + start).loadUnaligned(as: UInt32.self))
        return found == word ? start &+ length : -1
    }

    /// A nested object or array the visitor does not enter: validated by `scanValue`.
    @usableFromInline
    func walkNested(_ start: Int) -> Int {
        guard let scanned = try? scanValue(start) else { return -1 }
        return scanned.end
    }

    @inlinable @inline(__always)
    func walkBlanks(_ start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { break }
            i &+= 1
        }
        return i
    }
}

/// The high bit of each byte of `word` (little-endian) that is `"`, `\\` or below
/// 0x20, and maybe of bytes above the first such byte, never below it: the lowest
/// flag is exact. (The has-zero-byte and has-less-than tricks of Sean Anderson's "Bit
/// Twiddling Hacks"; a borrow only runs upwards.)
@inlinable @inline(__always)
func walkSpecialByteFlags(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let quotes = word ^ (ones &* 0x22)
    let backslashes = word ^ (ones &* 0x5C)
    let hasQuote = (quotes &- ones) & ~quotes
    let hasBackslash = (backslashes &- ones) & ~backslashes
    let hasControl = (word &- ones &* 0x20) & ~word
    return (hasQuote | hasBackslash | hasControl) & 0x8080_8080_8080_8080
}

/// `walkSpecialByteFlags` of two words at once (little-endian lanes).
@inlinable @inline(__always)
func walkSpecialByteFlags(_ words: SIMD2<UInt64>) -> SIMD2<UInt64> {
    let ones = SIMD2<UInt64>(repeating: 0x0101_0101_0101_0101)
    let quotes = words ^ SIMD2(repeating: 0x2222_2222_2222_2222)
    let backslashes = words ^ SIMD2(repeating: 0x5C5C_5C5C_5C5C_5C5C)
    let hasQuote = (quotes &- ones) & ~quotes
    let hasBackslash = (backslashes &- ones) & ~backslashes
    let hasControl = (words &- SIMD2(repeating: 0x2020_2020_2020_2020)) & ~words
    return (hasQuote | hasBackslash | hasControl) & SIMD2(repeating: 0x8080_8080_8080_8080)
}

extension JSONMember {
    /// A member as `walkMembers` found it.
    @usableFromInline
    init(walkedKey: Range<Int>, keyHasEscapes: Bool, value: Range<Int>, kind: JSONKind) {
        self.key = walkedKey
        self.keyHasEscapes = keyHasEscapes
        self.value = value
        self.kind = kind
    }
}
