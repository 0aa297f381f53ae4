import Testing
@testable import NDJSON

/// `findMembers` must find what `forEachMember` finds (the last member of
/// each name wins) and throw the same error on the same bad line.
struct FilterMembersTests {
    /// Members of `text` named `url` and `from` through `forEachMember`, and
    /// the error it throws; then the same through `findMembers`.
    private static func bothWays(_ text: String) -> (expected: [String?], expectedError: JSONSyntaxError?,
                                                     found: [String?], foundError: JSONSyntaxError?) {
        let names = ["url", "from"].map { Array($0.utf8) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { line in
            let scanner = JSONScanner(line)
            var expected: [String?] = [nil, nil]
            var expectedError: JSONSyntaxError?
            do {
                try scanner.forEachMember { member in
                    for (k, name) in names.enumerated() where scanner.keyString(member) == String(decoding: name, as: UTF8.self) {
                        expected[k] = String(decoding: UnsafeBufferPointer(rebasing: line[member.value]), as: UTF8.self)
                    }
                }
            } catch {
                expectedError = error as? JSONSyntaxError
            }
            let buffers = names.map { name in
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: name.count)
                _ = buffer.initialize(from: name)
                return UnsafeBufferPointer(buffer)
            }
            defer { buffers.forEach { $0.deallocate() } }
            let found = UnsafeMutablePointer<JSONMember?>.allocate(capacity: names.count)
            found.initialize(repeating: nil, count: names.count)
            defer { found.deallocate() }
            var foundError: JSONSyntaxError?
            var foundValues: [String?] = [nil, nil]
            do {
                try buffers.withUnsafeBufferPointer { try scanner.findMembers(named: $0, into: found) }
                foundValues = (0..<names.count).map { k in
                    found[k].map { String(decoding: UnsafeBufferPointer(rebasing: line[$0.value]), as: UTF8.self) }
                }
            } catch {
                foundError = error as? JSONSyntaxError
            }
            return (expectedError == nil ? expected : [nil, nil], expectedError, foundValues, foundError)
        }
    }

    @Test(arguments: [
        #"{"url":"https://a.example/","from":"https://b.example/x","depth":1}"#,
        #"{"from":"f","url":"u1","url":"u2"}"#,
        #" { "url" : "spaced" , "from" : 12 } "#,
        #"{"u\u0072l":"escaped key","from":null}"#,
        #"{"url":"https:\/\/escaped.example\/","x":{"url":"nested"},"from":[1,"two"]}"#,
        #"{"url":"a string exactly 16","from":"é unicode ✓ text that runs past eight bytes"}"#,
        #"{"other":true}"#,
        #"{}"#,
        #"{"url":"x"} trailing"#,
        #"{"url":"x",}"#,
        #"{"url" "x"}"#,
        #"{"url":"bad \q escape"}"#,
        "{\"url\":\"control \u{01} byte\"}",
        #"{"url":"unterminated"#,
        #"["not","an","object"]"#,
        "",
        #"{"url":tru}"#,
        #"{"url":"x""from":"y"}"#,
    ])
    func agreesWithForEachMember(line: String) {
        let result = FilterMembersTests.bothWays(line)
        #expect(result.found == result.expected)
        #expect(result.foundError == result.expectedError)
    }
}
