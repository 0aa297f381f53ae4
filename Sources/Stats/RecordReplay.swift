import NDJSON

extension RecordReader {
    /// Reads a line whose member names are those of the last line walked, in the same
    /// order and nesting (each line of one afetch run, but for `error`), in one tight
    /// pass: each name is one masked 16-byte comparison with the name remembered at its
    /// place, and which member it is was worked out when it was first walked. False as
    /// soon as the line differs in any way (another name, another nesting, a member met
    /// twice, anything malformed), and the line is then walked afresh. Only with no
    /// `--by` or `--field` paths, whose objects it does not enter.
    ///
    /// It checks what the walk checks (the value scans are the walk's own), so a line it
    /// takes is one `forEachMember` accepts, read to the same figures.
    mutating func readByReplaying(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let patterns = names.patterns
        let fields = walk.fields
        guard !patterns.isEmpty, fields.count >= patterns.count, !line.isEmpty else { return false }
        figures = RecordFigures()
        groupKeyKind = nil
        groupKeyInLine = nil
        walk.seenBuiltIns = 0
        walk.url = nil
        let replayed = patterns.withUnsafeBufferPointer { patterns in
            fields.withUnsafeBufferPointer { fields in replay(line, patterns, fields) }
        }
        guard replayed else { return false }
        if wantsGroup, let url = walk.url { readHostInPlace(JSONScanner(line), url) }
        return true
    }

    @inline(__always)
    private mutating func replay(_ line: UnsafeBufferPointer<UInt8>, _ patterns: UnsafeBufferPointer<JSONNamePattern>,
                                 _ fields: UnsafeBufferPointer<BuiltIn>) -> Bool {
        let scanner = JSONScanner(line)
        let base = line.baseAddress!
        let count = line.count
        // Blanks are rare in NDJSON: each place where one may be looks at the byte first.
        var i = base[0] <= 0x20 ? scanner.walkBlanks(0) : 0
        guard i < count, base[i] == UInt8(ascii: "{") else { return false }
        i &+= 1
        var ordinal = 0
        var depth = 1
        members: while true {
            guard ordinal < patterns.count, scanner.matches(patterns[ordinal], at: i, depth: depth) else { return false }
            let field = fields[ordinal]
            var start = i &+ patterns[ordinal].length
            ordinal &+= 1
            guard start < count else { return false }
            if base[start] <= 0x20 {
                start = scanner.walkBlanks(start)
                guard start < count else { return false }
            }
            if field != .none && !firstSight(field) { return false }
            let first = base[start]
            if first == UInt8(ascii: "{") && depth == 1 && (field == .timing || field == .error) {
                // Entered as the walk enters them: their members follow at depth 2.
                i = start &+ 1
                guard i < count else { return false }
                if base[i] != UInt8(ascii: "}") {
                    depth = 2
                    continue members
                }
                i &+= 1
            } else {
                let end: Int
                let kind: JSONKind
                switch first {
                case UInt8(ascii: "\""):
                    (end, kind) = (scanner.walkString(start).end, .string)
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    (end, kind) = (scanner.walkNumber(start), .number)
                case UInt8(ascii: "t"):
                    (end, kind) = (scanner.walkLiteral(start, 0x6575_7274), .bool)  // "true"
                case UInt8(ascii: "f"):
                    (end, kind) = (scanner.walkLiteral(start &+ 1, 0x6573_6C61), .bool)  // "alse" after the "f"
                case UInt8(ascii: "n"):
                    (end, kind) = (scanner.walkLiteral(start, 0x6C6C_756E), .null)  // "null"
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    (end, kind) = (scanner.walkNested(start), first == UInt8(ascii: "{") ? .object : .array)
                default:
                    return false
                }
                guard end >= 0 else { return false }
                if field != .none { read(field, Range(uncheckedBounds: (start, end)), kind, scanner) }
                i = end
            }
            // After a value: a comma and the next name, or the end of objects.
            while true {
                guard i < count else { return false }
                var byte = base[i]
                if byte <= 0x20 {
                    i = scanner.walkBlanks(i)
                    guard i < count else { return false }
                    byte = base[i]
                }
                i &+= 1
                if byte == UInt8(ascii: ",") {
                    if i < count && base[i] <= 0x20 { i = scanner.walkBlanks(i) }
                    continue members
                }
                guard byte == UInt8(ascii: "}") else { return false }
                if depth == 1 { break members }
                depth = 1
            }
        }
        return i == count || scanner.walkBlanks(i) == count
    }
}
