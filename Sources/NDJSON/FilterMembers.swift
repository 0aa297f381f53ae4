#if canImport(Glibc)
import Glibc
#endif

extension JSONScanner {
    /// Finds the top-level members whose keys are among `names`, in the same
    /// validating pass as `forEachMember` but without a call per member: for
    /// filters that judge millions of lines by a few fields.
    ///
    /// `found[k]` is set to the last member whose key is `names[k]` (escaped
    /// keys are decoded to compare), or nil when there is none. Throws what
    /// `forEachMember` throws when the line is not exactly one well-formed
    /// JSON object; `found` is then undefined.
    public func findMembers(named names: UnsafeBufferPointer<UnsafeBufferPointer<UInt8>>,
                            into found: UnsafeMutablePointer<JSONMember?>) throws {
        for k in 0..<names.count { found[k] = nil }
        let count = bytes.count
        var i = skipBlanks(0)
        guard i < count, bytes[i] == UInt8(ascii: "{") else { return try rethrowSyntaxError() }
        i = skipBlanks(i + 1)
        if i < count && bytes[i] == UInt8(ascii: "}") { return try rethrowSyntaxError(unlessEndAt: i + 1) }
        while true {
            guard i < count, bytes[i] == UInt8(ascii: "\"") else { return try rethrowSyntaxError() }
            let keyStart = i
            var keyEnd = plainStringEnd(i)
            var keyEscaped = false
            if keyEnd < 0 { (keyEnd, keyEscaped) = try scanString(i) }
            i = skipBlanks(keyEnd)
            guard i < count, bytes[i] == UInt8(ascii: ":") else { return try rethrowSyntaxError() }
            let valueStart = skipBlanks(i + 1)
            var valueEnd = valueStart < count && bytes[valueStart] == UInt8(ascii: "\"") ? plainStringEnd(valueStart) : -1
            var kind = JSONKind.string
            if valueEnd < 0 { (valueEnd, kind) = try scanValue(valueStart) }
            let key = (keyStart + 1)..<(keyEnd - 1)
            for k in 0..<names.count where keyIs(key, escaped: keyEscaped, names[k]) {
                found[k] = JSONMember(key: key, keyHasEscapes: keyEscaped, value: valueStart..<valueEnd, kind: kind)
            }
            i = skipBlanks(valueEnd)
            guard i < count else { return try rethrowSyntaxError() }
            if bytes[i] == UInt8(ascii: ",") {
                i = skipBlanks(i + 1)
                continue
            }
            guard bytes[i] == UInt8(ascii: "}") else { return try rethrowSyntaxError() }
            return try rethrowSyntaxError(unlessEndAt: i + 1)
        }
    }

    /// The index past the closing quote of the string whose opening quote is
    /// at `start`, when it holds neither escape nor control byte (most
    /// strings); -1 otherwise, and `scanString` then decides. Eight bytes at
    /// a time, as `scanString` does.
    @inline(__always)
    private func plainStringEnd(_ start: Int) -> Int {
        let base = bytes.baseAddress!
        let count = bytes.count
        var i = start + 1
        while i + 8 <= count {
            let flags = quoteBackslashOrControlFlags(UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)))
            if flags != 0 {
                // The lowest flag is exact (see `quoteBackslashOrControlFlags`).
                let stop = i + flags.trailingZeroBitCount >> 3
                return base[stop] == UInt8(ascii: "\"") ? stop + 1 : -1
            }
            i += 8
        }
        while i < count {
            let byte = base[i]
            if byte == UInt8(ascii: "\"") { return i + 1 }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return -1 }
            i += 1
        }
        return -1
    }

    /// True when the key between `key`'s bounds is `name`: compared byte by
    /// byte in place (names are short), decoded first when it holds escapes.
    @inline(__always)
    private func keyIs(_ key: Range<Int>, escaped: Bool, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        if escaped { return Array(decodeString(raw: key).utf8).elementsEqual(name) }
        guard key.count == name.count else { return false }
        let start = bytes.baseAddress! + key.lowerBound
        for k in 0..<name.count where start[k] != name[k] { return false }
        return true
    }

    /// Returns when only blanks follow `end`; else throws `forEachMember`'s
    /// error for the line, so both report a bad line alike.
    private func rethrowSyntaxError(unlessEndAt end: Int) throws {
        if skipBlanks(end) == bytes.count { return }
        try rethrowSyntaxError()
    }

    /// Throws the error `forEachMember` finds in the line (the structural
    /// errors are worded there, once).
    private func rethrowSyntaxError() throws {
        try forEachMember { _ in }
        throw JSONSyntaxError(offset: 0, reason: "malformed object")
    }
}
