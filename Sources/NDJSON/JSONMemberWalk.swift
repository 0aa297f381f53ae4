/// Receives the members of a line's JSON object as `JSONScanner.walkMembers` finds them.
///
/// The walk is generic over its visitor, so the optimizer gives each visitor a copy
/// of the walk of its own with the visitor's calls inlined: no closure context and no
/// indirect call per member, which is what a per-line aggregator like astats needs.
public protocol JSONMemberVisitor {
    /// The member names of the last line walked, kept by the visitor from line to line.
    var names: JSONNameMemory { get set }

    /// Whether to walk into the object that is the value of the member named `key`
    /// (the bytes between its quotes) at `depth`, 1 being the line's own members.
    /// Its members are then visited at `depth + 1` before the member itself is;
    /// otherwise the object is only validated.
    mutating func shouldEnter(key: Range<Int>, keyHasEscapes: Bool, depth: Int, place: JSONMemberPlace,
                              in line: JSONScanner) -> Bool

    /// Called with each member at `depth` once its value has been scanned.
    mutating func visit(_ member: JSONMember, depth: Int, place: JSONMemberPlace, in line: JSONScanner)
}

/// Where a member stands in the walk of its line.
public struct JSONMemberPlace {
    /// Members met before it in the walk (nested ones included, in order of their names).
    public let ordinal: Int
    /// True when it and every member before it have the names and depths the members at
    /// the same ordinals had in the last line walked: whatever the visitor worked out
    /// from the name at this ordinal then (which field it is) still holds.
    public let repeated: Bool

    @inlinable
    init(ordinal: Int, repeated: Bool) {
        self.ordinal = ordinal
        self.repeated = repeated
    }
}

/// The member names of the last line walked, each as the 16 bytes `"name":` starts
/// with, so that the lines of one stream, which repeat their names in the same order,
/// check each name with one masked comparison instead of scanning it. Names longer
/// than 13 bytes, escaped, or with blanks before the colon are not remembered.
public struct JSONNameMemory {
    /// The pattern of each ordinal; one that matches nothing where a name was not remembered.
    @inlinable public var patterns: [JSONNamePattern] { remembered }
    @usableFromInline var remembered: [JSONNamePattern] = []

    public init() {}

    /// Forgets the names from `ordinal` on: the line walked differs from there, and what
    /// follows is learnt from it alone, so that the memory always describes one line (the
    /// meaning of a name can depend on the names before it, such as its parent's).
    @inlinable
    mutating func forget(from ordinal: Int) {
        if ordinal < remembered.count { remembered.removeSubrange(ordinal...) }
    }

    /// Remembers the name `key` (between its quotes) at `ordinal`.
    @inlinable
    mutating func remember(_ key: Range<Int>, escaped: Bool, depth: Int, ordinal: Int, in bytes: UnsafeBufferPointer<UInt8>) {
        while remembered.count <= ordinal { remembered.append(JSONNamePattern()) }
        #if _endian(little)
        let lanesInOrder = true
        #else
        let lanesInOrder = false  // the masks below assume little-endian lanes
        #endif
        let quote = key.lowerBound &- 1
        let length = key.count &+ 3
        guard lanesInOrder, !escaped, length <= 16, quote &+ length <= bytes.count,
              bytes[key.upperBound &+ 1] == UInt8(ascii: ":") else {
            remembered[ordinal] = JSONNamePattern()
            return
        }
        let mask = SIMD2<UInt64>(length >= 8 ? ~0 : (1 &<< UInt64(8 &* length)) &- 1,
                                 length >= 16 ? ~0 : length <= 8 ? 0 : (1 &<< UInt64(8 &* (length &- 8))) &- 1)
        let words = JSONScanner(bytes).sixteenBytes(at: quote)
        remembered[ordinal] = JSONNamePattern(bytes: words & mask, mask: mask, length: length, depth: depth)
    }
}

/// One remembered `"name":`, as little-endian words.
public struct JSONNamePattern {
    /// The bytes of `"name":`, zero-padded to 16.
    public let bytes: SIMD2<UInt64>
    /// 0xFF for each byte of `"name":`.
    public let mask: SIMD2<UInt64>
    /// Bytes of `"name":`.
    public let length: Int
    /// The depth it was met at; 0 for no pattern, which matches nothing.
    public let depth: Int

    @inlinable init() {
        self.init(bytes: SIMD2(), mask: SIMD2(), length: 0, depth: 0)
    }

    @inlinable
    init(bytes: SIMD2<UInt64>, mask: SIMD2<UInt64>, length: Int, depth: Int) {
        self.bytes = bytes
        self.mask = mask
        self.length = length
        self.depth = depth
    }
}

/// How far the walk of one line got: members met, and whether all matched the memory.
@usableFromInline
struct JSONWalkProgress {
    @usableFromInline var ordinal = 0
    @usableFromInline var repeating = true

    @inlinable init() {}
}

extension JSONScanner {
    /// Walks the line's top-level object, reporting its members (and those of the
    /// objects the visitor enters) to `visitor`. Accepts exactly the lines
    /// `forEachMember` accepts, but returns false instead of throwing; members
    /// visited before the error was found were reported, so a caller that needs
    /// the error (or all-or-nothing) runs `forEachMember` on a false.
    ///
    /// Names the visitor's memory holds are checked 16 bytes at once, other strings
    /// scanned 16 bytes at a time, literals compared whole; the objects the visitor
    /// enters are walked by recursion, one level per object entered, and everything
    /// else nested is validated by `scanValue`, which needs no stack.
    @inlinable
    public func walkMembers<Visitor: JSONMemberVisitor>(_ visitor: inout Visitor) -> Bool {
        let start = walkBlanks(0)
        guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return false }
        var progress = JSONWalkProgress()
        let end = walkObject(start, depth: 1, &visitor, &progress)
        return end >= 0 && walkBlanks(end) == bytes.count
    }

    /// Walks the object whose `{` is at `open`; returns the index past its `}`, or -1
    /// when it is malformed.
    @inlinable
    func walkObject<Visitor: JSONMemberVisitor>(_ open: Int, depth: Int, _ visitor: inout Visitor,
                                                _ progress: inout JSONWalkProgress) -> Int {
        // Indices stay within the line, so the arithmetic cannot overflow (&+), and ranges
        // are built from bounds already in order.
        let count = bytes.count
        var i = walkBlanks(open &+ 1)
        if i < count && bytes[i] == UInt8(ascii: "}") { return i &+ 1 }
        while true {
            guard i < count, bytes[i] == UInt8(ascii: "\"") else { return -1 }
            let ordinal = progress.ordinal
            progress.ordinal &+= 1
            var repeated = false
            if progress.repeating {
                repeated = nameRepeats(at: i, ordinal: ordinal, depth: depth, visitor.names)
                if !repeated {
                    progress.repeating = false
                    visitor.names.forget(from: ordinal)
                }
            }
            let key: Range<Int>
            var keyHasEscapes = false
            let valueStart: Int
            if repeated {
                let length = visitor.names.patterns[ordinal].length
                key = Range(uncheckedBounds: (i &+ 1, i &+ length &- 2))
                valueStart = walkBlanks(i &+ length)
            } else {
                let keyEnd: Int
                (keyEnd, keyHasEscapes) = walkString(i)
                guard keyEnd >= 0 else { return -1 }
                key = Range(uncheckedBounds: (i &+ 1, keyEnd &- 1))
                i = walkBlanks(keyEnd)
                guard i < count, bytes[i] == UInt8(ascii: ":") else { return -1 }
                valueStart = walkBlanks(i &+ 1)
            }
            guard valueStart < count else { return -1 }
            let place = JSONMemberPlace(ordinal: ordinal, repeated: repeated)
            let valueEnd: Int
            let kind: JSONKind
            if bytes[valueStart] == UInt8(ascii: "{")
                && visitor.shouldEnter(key: key, keyHasEscapes: keyHasEscapes, depth: depth, place: place, in: self) {
                valueEnd = walkObject(valueStart, depth: depth &+ 1, &visitor, &progress)
                kind = .object
            } else {
                (valueEnd, kind) = walkValue(valueStart)
            }
            guard valueEnd >= 0 else { return -1 }
            visitor.visit(JSONMember(walkedKey: key, keyHasEscapes: keyHasEscapes,
                                     value: Range(uncheckedBounds: (valueStart, valueEnd)), kind: kind),
                          depth: depth, place: place, in: self)
            // Remembered only once visited, so the visitor has seen every name remembered.
            if !repeated { visitor.names.remember(key, escaped: keyHasEscapes, depth: depth, ordinal: ordinal, in: bytes) }
            i = walkBlanks(valueEnd)
            guard i < count else { return -1 }
            if bytes[i] == UInt8(ascii: ",") {
                i = walkBlanks(i &+ 1)
                continue
            }
            return bytes[i] == UInt8(ascii: "}") ? i &+ 1 : -1
        }
    }

    /// The value starting at `start` (not a blank): the index past it, or -1 when it is
    /// malformed, and its kind. Nested objects and arrays are validated by `scanValue`.
    @inlinable @inline(__always)
    public func walkValue(_ start: Int) -> (end: Int, kind: JSONKind) {
        switch bytes[start] {
        case UInt8(ascii: "\""): return (walkString(start).end, .string)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return (walkNumber(start), .number)
        case UInt8(ascii: "t"): return (walkLiteral(start, 0x6575_7274), .bool)  // "true", little-endian
        case UInt8(ascii: "f"): return (walkLiteral(start &+ 1, 0x6573_6C61), .bool)  // "alse" after the "f"
        case UInt8(ascii: "n"): return (walkLiteral(start, 0x6C6C_756E), .null)  // "null"
        case UInt8(ascii: "{"): return (walkNested(start), .object)
        case UInt8(ascii: "["): return (walkNested(start), .array)
        default: return (-1, .null)
        }
    }

    /// Whether the name whose opening quote is at `start` is the one `names` holds for
    /// `ordinal`, at the same depth, followed by its colon.
    @inlinable @inline(__always)
    func nameRepeats(at start: Int, ordinal: Int, depth: Int, _ names: JSONNameMemory) -> Bool {
        guard ordinal < names.patterns.count else { return false }
        return matches(names.patterns[ordinal], at: start, depth: depth)
    }

    /// Whether the bytes at `start` are `pattern`'s `"name":`, met at `depth`.
    @inlinable @inline(__always)
    public func matches(_ pattern: JSONNamePattern, at start: Int, depth: Int) -> Bool {
        guard pattern.depth == depth, start &+ pattern.length <= bytes.count else { return false }
        let difference = (sixteenBytes(at: start) ^ pattern.bytes) & pattern.mask
        return difference[0] | difference[1] == 0
    }

    /// The 16 bytes from `start`, zero-padded past the end of the line.
    @inlinable @inline(__always)
    func sixteenBytes(at start: Int) -> SIMD2<UInt64> {
        if start &+ 16 <= bytes.count {
            return UnsafeRawPointer(bytes.baseAddress! + start).loadUnaligned(as: SIMD2<UInt64>.self)
        }
        var words = SIMD2<UInt64>()
        withUnsafeMutableBytes(of: &words) { words in
            words.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
        }
        return words
    }

    /// The string whose opening quote is at `start`: the index past its closing quote
    /// (-1 when malformed) and whether it holds escapes. Plain strings are searched 16
    /// bytes at a time for the closing quote (two 64-bit lanes of SSE2 or NEON); one
    /// holding a backslash or a control character is left to `scanString`, which
    /// checks escapes (RFC 8259 section 7).
    @inlinable @inline(__always)
    public func walkString(_ start: Int) -> (end: Int, hasEscapes: Bool) {
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
            let flags = quoteBackslashOrControlFlags(word)
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
    public func walkNumber(_ start: Int) -> Int {
        let count = bytes.count
        var i = start
        if bytes[i] == UInt8(ascii: "-") { i &+= 1 }
        guard i < count, isASCIIDigit(bytes[i]) else { return -1 }
        if bytes[i] == UInt8(ascii: "0") {
            i &+= 1
        } else {
            i = walkDigits(i &+ 1)
        }
        if i < count && bytes[i] == UInt8(ascii: ".") {
            guard i &+ 1 < count, isASCIIDigit(bytes[i &+ 1]) else { return -1 }
            i = walkDigits(i &+ 2)
        }
        if i < count && bytes[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            if i < count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i &+= 1 }
            guard i < count, isASCIIDigit(bytes[i]) else { return -1 }
            i = walkDigits(i &+ 1)
        }
        return i
    }

    @inlinable @inline(__always)
    func walkDigits(_ start: Int) -> Int {
        var i = start
        while i < bytes.count && isASCIIDigit(bytes[i]) { i &+= 1 }
        return i
    }

    /// The index past the 4 bytes at `start` when they are `word` (little-endian), else -1.
    @inlinable @inline(__always)
    public func walkLiteral(_ start: Int, _ word: UInt32) -> Int {
        guard start &+ 4 <= bytes.count else { return -1 }
        let found = UInt32(littleEndian: UnsafeRawPointer(bytes.baseAddress! + start).loadUnaligned(as: UInt32.self))
        return found == word ? start &+ 4 : -1
    }

    /// The index past the nested object or array at `start` (validated by `scanValue`), or -1.
    public func walkNested(_ start: Int) -> Int {
        guard let scanned = try? scanValue(start) else { return -1 }
        return scanned.end
    }

    @inlinable @inline(__always)
    public func walkBlanks(_ start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { break }
            i &+= 1
        }
        return i
    }
}

/// `quoteBackslashOrControlFlags` of two words at once (little-endian lanes).
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
