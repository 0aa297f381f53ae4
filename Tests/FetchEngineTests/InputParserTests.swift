import Testing
@testable import FetchEngine
import URLs

private func parse(_ line: String) -> InputOutcome {
    var parser = InputParser()
    let bytes = Array(line.utf8)
    return bytes.withUnsafeBufferPointer { parser.parse($0) }
}

private func kind(_ outcome: InputOutcome) -> String {
    switch outcome {
    case .skip: return "skip"
    case .fetch: return "fetch"
    case .immediate(let failure): return failure.error.kind.rawValue
    }
}

struct InputParserTests {
    @Test(arguments: [
        ("http://example.com/", "fetch"),
        ("  https://example.com/a  ", "fetch"),
        (#"{"url":"http://example.com/","id":1}"#, "fetch"),
        ("", "skip"),
        ("   ", "skip"),
        ("# a comment", "skip"),
        ("ftp://example.com/", "unsupported_scheme"),
        ("file:///etc/passwd", "invalid_url"),
        ("mailto:a@example.com", "invalid_url"),
        ("example.com/no-scheme", "invalid_url"),
        ("http://", "invalid_url"),
        ("http://exa\u{1}mple.com/", "invalid_url"),
        ("{not json", "bad_input"),
        (#"{"id":1}"#, "bad_input"),
        (#"{"url":5}"#, "bad_input"),
        ("[1,2]", "bad_input"),
        (#""http://example.com/""#, "bad_input"),
        ("http://a\u{0}b/", "bad_input"),
        (#"{"url":"gopher://x/"}"#, "unsupported_scheme"),
    ])
    func classifiesLines(line: String, expected: String) {
        #expect(kind(parse(line)) == expected)
    }

    /// Every position, inside the eight-byte words the scan skips and in the tail after them.
    @Test(arguments: [UInt8(0x01), 0x1F, 0x7F, 0x00])
    func findsAControlCharacterAtAnyPosition(control: UInt8) {
        let plain = Array("https://example.com/é/abcdefghijklmnop".utf8)
        let expected: ControlCharacters = control == 0 ? .includingNUL : .someButNoNUL
        #expect(plain.withUnsafeBufferPointer { controlCharacters(in: $0) } == ControlCharacters.none)
        for position in plain.indices {
            var line = plain
            line[position] = control
            #expect(line.withUnsafeBufferPointer { controlCharacters(in: $0) } == expected, "at \(position)")
        }
        var both = plain
        both[3] = 0x7F
        both[30] = 0
        #expect(both.withUnsafeBufferPointer { controlCharacters(in: $0) } == .includingNUL)
    }

    @Test func rejectsInvalidUTF8() {
        var parser = InputParser()
        let outcome = [UInt8]([0x68, 0x74, 0x74, 0x70, 0x3A, 0x2F, 0x2F, 0xFF, 0x2F]).withUnsafeBufferPointer { parser.parse($0) }
        #expect(kind(outcome) == "bad_input")
    }

    @Test func numbersRecordsButNotSkippedLines() {
        var parser = InputParser()
        var sequences: [Int] = []
        for line in ["http://a.example/", "", "# c", "junk{", "http://b.example/"] {
            let bytes = Array(line.utf8)
            switch bytes.withUnsafeBufferPointer({ parser.parse($0) }) {
            case .fetch(let job): sequences.append(job.sequence)
            case .immediate(let failure): sequences.append(failure.sequence)
            case .skip: break
            }
        }
        #expect(sequences == [0, 1, 2])
        #expect(parser.recordCount == 3)
    }

    @Test func groupsByOrigin() {
        guard case .fetch(let a) = parse("http://Example.com/x"), case .fetch(let b) = parse("http://example.com:80/y"),
              case .fetch(let c) = parse("https://example.com/") else {
            Issue.record("expected jobs")
            return
        }
        #expect(a.hostKey == b.hostKey)
        #expect(a.hostKey != c.hostKey)
    }
}

/// The fast origin key agrees with URLOrigin wherever it answers, and leaves the rest to it.
@Test(arguments: [
    "http://example.com/a", "https://example.com", "http://a.b-c.d:8080/x?y#z", "https://127.0.0.1:443/",
    "http://h:080/", "http://h?q", "http://h#f", "https://x.y.z.example:1/",
])
func plainOriginKeyAgreesWithURLOrigin(url: String) throws {
    let key = try #require(plainOriginKey(url))
    #expect(key == URLOrigin(url)?.key)
}

@Test(arguments: [
    "HTTP://example.com/", "http://Example.com/", "http://user@h/", "http://[::1]:80/", "http://h:/",
    "http://h:123456/", "ftp://h/", "http://", "http://h%41/", "http://h_x/", "http://h:80x/",
])
func plainOriginKeyLeavesUnusualURLsToURLOrigin(url: String) {
    #expect(plainOriginKey(url) == nil)
}
