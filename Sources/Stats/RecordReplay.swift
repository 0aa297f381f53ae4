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
        guard !patterns.isEmpty, fields.count >= patterns.count else { return false }
        figures = RecordFigures()
        groupKeyKind = nil
        groupKeyInLine = nil
        walk.reset()
        let scanner = JSONScanner(line)
        let count = line.count
        var i = scanner.walkBlanks(0)
        guard i < count, line[i] == UInt8(ascii: "{") else { return false }
        i = scanner.walkBlanks(i &+ 1)
        var ordinal = 0
        var depth = 1
        members: while true {
            guard ordinal < patterns.count, scanner.matches(patterns[ordinal], at: i, depth: depth) else { return false }
            let field = fields[ordinal]
            let valueStart = scanner.walkBlanks(i &+ patterns[ordinal].length)
            ordinal &+= 1
            guard valueStart < count else { return false }
            if field != .none && !firstSight(field) { return false }
            if depth == 1 && (field == .timing || field == .error) && line[valueStart] == UInt8(ascii: "{") {
                // Entered as the walk enters them: their members follow at depth 2.
                i = scanner.walkBlanks(valueStart &+ 1)
                guard i < count else { return false }
                if line[i] != UInt8(ascii: "}") {
                    depth = 2
                    continue members
                }
                i &+= 1
            } else {
                let (end, kind) = scanner.walkValue(valueStart)
                guard end >= 0 else { return false }
                if field != .none { read(field, Range(uncheckedBounds: (valueStart, end)), kind, scanner) }
                i = end
            }
            // After a value: a comma and the next name, or the end of objects.
            while true {
                i = scanner.walkBlanks(i)
                guard i < count else { return false }
                if line[i] == UInt8(ascii: ",") {
                    i = scanner.walkBlanks(i &+ 1)
                    continue members
                }
                guard line[i] == UInt8(ascii: "}") else { return false }
                i &+= 1
                if depth == 1 { break members }
                depth = 1
            }
        }
        guard scanner.walkBlanks(i) == count else { return false }
        if wantsGroup, let url = walk.url { readHostInPlace(scanner, url) }
        return true
    }
}
