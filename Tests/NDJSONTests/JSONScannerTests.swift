import Testing
@testable import NDJSON

private func withScanner<T>(_ text: String, _ body: (JSONScanner) throws -> T) rethrows -> T {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBufferPointer { try body(JSONScanner($0)) }
}

private func members(_ text: String) throws -> [(String, JSONValue)] {
    try withScanner(text) { scanner in
        var out: [(String, JSONValue)] = []
        try scanner.forEachMember { out.append((scanner.keyString($0), scanner.decode($0))) }
        return out
    }
}

private func syntaxError(_ text: String) -> JSONSyntaxError? {
    do {
        try withScanner(text) { try $0.forEachMember { _ in } }
        return nil
    } catch let error as JSONSyntaxError {
        return error
    } catch {
        return nil
    }
}

struct JSONScannerTests {
    @Test(arguments: [
        (#"{"s":"text"}"#, JSONValue.string("text")),
        (#"{"s":""}"#, .string("")),
        (#"{"n":42}"#, .number(42)),
        (#"{"n":-0.5e2}"#, .number(-50)),
        (#"{"n":1.25}"#, .number(1.25)),
        (#"{"n":0}"#, .number(0)),
        (#"{"n":123456789012345678901234567890}"#, .number(1.2345678901234568e29)),
        (#"{"b":true}"#, .bool(true)),
        (#"{"b":false}"#, .bool(false)),
        (#"{"z":null}"#, .null),
        (#"{"o":{"a":[1,{"b":"}"}]}}"#, .object(5..<24)),
        (#"{"a":[1, "]", [], {}]}"#, .array(5..<21)),
        (#" { "s" : "spaced" } "#, .string("spaced")),
    ])
    func decodesEveryKind(line: String, expected: JSONValue) throws {
        let decoded = try members(line)
        #expect(decoded.count == 1)
        #expect(decoded.first?.1 == expected)
    }

    @Test(arguments: [
        (#"{"s":"a\"b\\c\/d\b\f\n\r\t"}"#, "a\"b\\c/d\u{8}\u{c}\n\r\t"),
        (#"{"s":"\u00e9\u65e5"}"#, "é日"),
        (#"{"s":"\ud83d\ude00"}"#, "😀"),                  // surrogate pair
        (#"{"s":"\ud83d x"}"#, "\u{FFFD} x"),               // lone high surrogate
        (#"{"s":"\ude00"}"#, "\u{FFFD}"),                   // lone low surrogate
        (#"{"s":"日本 raw"}"#, "日本 raw"),
    ])
    func decodesStringEscapes(line: String, expected: String) throws {
        #expect(try members(line).first?.1 == .string(expected))
    }

    @Test func keepsMemberOrderAndEscapedKeys() throws {
        let decoded = try members(#"{"b":1,"a\u0062":2,"b":3}"#)
        #expect(decoded.map(\.0) == ["b", "ab", "b"])
        #expect(try withScanner(#"{"b":1,"b":3}"#) { try $0.value(of: "b") } == .number(3))  // last duplicate wins
    }

    @Test func findsDottedPaths() throws {
        let line = #"{"timing":{"dns_ms":1.5,"inner":{"x":"y"}},"t":2}"#
        #expect(try withScanner(line) { try $0.value(atPath: ["timing", "dns_ms"]) } == .number(1.5))
        #expect(try withScanner(line) { try $0.value(atPath: ["timing", "inner", "x"]) } == .string("y"))
        #expect(try withScanner(line) { try $0.value(atPath: ["timing", "missing"]) } == nil)
        #expect(try withScanner(line) { try $0.value(atPath: ["t", "x"]) } == nil)
    }

    @Test(arguments: [
        ("", 0), ("   ", 3), ("[1]", 0), ("\"s\"", 0), ("{", 1), ("{\"a\"}", 4), ("{\"a\":}", 5),
        ("{\"a\":1,}", 7), ("{\"a\":1 \"b\":2}", 7), ("{\"a\":tru}", 8), ("{\"a\":01}", 6),
        ("{\"a\":-}", 6), ("{\"a\":1.}", 6), ("{\"a\":\"x}", 5), ("{\"a\":\"\\x\"}", 6),
        ("{\"a\":\"\\u12G4\"}", 6), ("{\"a\":\"\u{1}\"}", 6), ("{\"a\":[1,2}", 9), ("{\"a\":{\"b\" 1}}", 10),
        ("{\"a\":1} x", 8), ("{\"a\":[1,]}", 8), ("{\"a\":NaN}", 5),
    ])
    func reportsMalformedJSONWithItsOffset(line: String, offset: Int) {
        #expect(syntaxError(line)?.offset == offset)
    }

    @Test func survivesDeepNesting() throws {
        let depth = 100_000
        let deep = #"{"a":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(try members(deep).count == 1)
        let unbalanced = #"{"a":"# + String(repeating: "[", count: depth) + "}"
        #expect(syntaxError(unbalanced) != nil)
        let mixed = #"{"a":"# + String(repeating: #"{"k":["#, count: 1000) + "1" + String(repeating: "]}", count: 1000) + "}"
        #expect(try members(mixed).count == 1)
    }

    @Test func validatesAnyValueKind() throws {
        #expect(try withScanner("[1,2]") { try $0.validateValue() } == .array)
        #expect(try withScanner(" 3 ") { try $0.validateValue() } == .number)
    }
}
