import NDJSON

/// One NDJSON line through what the tools do with it: scan the top-level
/// members, decode each, look values up by key and by dotted path, copy the
/// members through (afetch's and afilter's pass-through), and write strings
/// back with JSONBuffer. Properties checked:
/// - a decoded string written by JSONBuffer scans as one JSON string that decodes to itself;
/// - any bytes written by JSONBuffer scan as one string that decodes to the bytes with
///   invalid UTF-8 replaced (`repairUTF8`);
/// - on a valid line, `value(of:)` finds the last member of each key, numbers are never NaN,
///   ranges from `value(atPath:)` point at an object or array of the line, and the
///   copied members scan again with the same keys.
func fuzzJSONLine(_ data: UnsafeBufferPointer<UInt8>) throws {
    try checkEscapingRoundTrip(data)
    let scanner = JSONScanner(data)
    _ = try? scanner.validateValue()
    // Members seen before a syntax error are reported too, and tools use them
    // (alinks notes fields while scanning), so every reported member is decoded.
    var members: [JSONMember] = []
    let valid = (try? scanner.forEachMember { members.append($0) }) != nil
    var keys: [String] = []
    // Whether a key can be named by a String: not when its raw bytes are invalid UTF-8.
    var nameable: [Bool] = []
    for member in members {
        let key = scanner.keyString(member)
        keys.append(key)
        let value = scanner.decode(member)
        if case .string(let text) = value {
            try checkStringRoundTrip(text)
            // appendStringValue copies unescaped strings as they are, invalid UTF-8 included.
            var appended: [UInt8] = []
            scanner.appendStringValue(member, to: &appended)
            let repaired = appended.withUnsafeBufferPointer { repairUTF8($0) }
            try check(repaired.elementsEqual(text.utf8), "appendStringValue differs from decode for \(show(text.utf8))")
        }
        let rawKey = UnsafeBufferPointer(rebasing: data[member.key])
        nameable.append(member.keyHasEscapes || repairUTF8(rawKey).elementsEqual(rawKey))
        if nameable.last! {
            try check(matches(scanner, member, key), "key(_:is:) rejects the member's own key \(show(key.utf8))")
        }
    }
    guard valid else { return }
    for (index, key) in keys.enumerated() where nameable[index] {
        // The last member key(_:is:) matches: keys compare as bytes, as the scanner does
        // (String's == would call canonically equivalent keys "é" and "e\u0301" equal).
        let last = members.lastIndex { matches(scanner, $0, key) }!
        let found = try scanner.value(of: key)
        try check(found == scanner.decode(members[last]),
                  "value(of: \(show(key.utf8))) is not the last member's value (member \(index))")
        if case .number(let number) = found { try check(!number.isNaN, "a valid JSON number decoded to NaN") }
        try checkPaths(scanner, key: key, value: found)
    }
    try checkPassThrough(scanner, keys: keys)
}

/// Follows `key` and each key of the object under it with `value(atPath:)`.
private func checkPaths(_ scanner: JSONScanner, key: String, value: JSONValue?) throws {
    guard case .object(let range) = value else { return }
    let inner = JSONScanner(UnsafeBufferPointer(rebasing: scanner.bytes[range]))
    var innerKeys: [String] = []
    try inner.forEachMember { member in
        let raw = UnsafeBufferPointer(rebasing: inner.bytes[member.key])
        if member.keyHasEscapes || repairUTF8(raw).elementsEqual(raw) { innerKeys.append(inner.keyString(member)) }
    }
    for innerKey in innerKeys.prefix(8) {
        let found = try scanner.value(atPath: [key, innerKey])
        switch found {
        case .object(let range), .array(let range):
            try check(range.lowerBound >= 0 && range.upperBound <= scanner.bytes.count,
                      "value(atPath:) range \(range) outside the line")
            let opener = scanner.bytes[range.lowerBound], closer = scanner.bytes[range.upperBound - 1]
            try check((opener == UInt8(ascii: "{") && closer == UInt8(ascii: "}"))
                      || (opener == UInt8(ascii: "[") && closer == UInt8(ascii: "]")),
                      "value(atPath:) range \(range) is not a container")
        case nil:
            throw PropertyViolation(description: "value(atPath:) lost \(show(innerKey.utf8)) under \(show(key.utf8))")
        default:
            break
        }
    }
}

/// copyMembers with nothing skipped gives an object with the same keys.
private func checkPassThrough(_ scanner: JSONScanner, keys: [String]) throws {
    var buffer = JSONBuffer()
    buffer.beginObject()
    try buffer.copyMembers(of: scanner) { _ in false }
    buffer.endObject()
    try buffer.bytes.withUnsafeBufferPointer { copy in
        let copied = JSONScanner(copy)
        var copiedKeys: [String] = []
        try copied.forEachMember { copiedKeys.append(copied.keyString($0)) }
        try check(copiedKeys.map { Array($0.utf8) } == keys.map { Array($0.utf8) }, "copyMembers changed the keys")
    }
}

/// Any bytes, written as a JSON string, scan back to themselves, repaired.
private func checkEscapingRoundTrip(_ data: UnsafeBufferPointer<UInt8>) throws {
    var buffer = JSONBuffer()
    buffer.string(utf8: data)
    let expected = repairUTF8(data)
    try buffer.bytes.withUnsafeBufferPointer { written in
        let scanner = JSONScanner(written)
        try check((try? scanner.validateValue()) == .string, "JSONBuffer wrote an invalid string: \(show(written))")
        let decoded = scanner.decodeString(contentOf: 0..<written.count)
        try check(decoded.utf8.elementsEqual(expected), "escaping round trip changed \(show(data))")
    }
}

/// A decoded string, written again, decodes to itself.
private func checkStringRoundTrip(_ text: String) throws {
    var buffer = JSONBuffer()
    buffer.string(text)
    try buffer.bytes.withUnsafeBufferPointer { written in
        let scanner = JSONScanner(written)
        try check((try? scanner.validateValue()) == .string, "JSONBuffer wrote an invalid string: \(show(written))")
        try check(scanner.decodeString(contentOf: 0..<written.count).utf8.elementsEqual(text.utf8), "string round trip changed \(show(text.utf8))")
    }
}

/// Whether `key(_:is:)` finds `name` in `member`'s key.
private func matches(_ scanner: JSONScanner, _ member: JSONMember, _ name: String) -> Bool {
    var bytes = Array(name.utf8)
    return bytes.withUnsafeMutableBufferPointer { scanner.key(member, is: UnsafeBufferPointer($0)) }
}
