import Testing
@testable import NDJSON

/// `decodeJSONStringContent` decodes as `decodeString` does, and says when the
/// result is not clean UTF-8.
struct LinksStringDecodingTests {
    @Test(arguments: [
        (#"plain text longer than eight bytes"#, true),
        (#"short"#, true),
        (#""#, true),
        (#"quote \" and backslash \\ and slash \/ and \b\f\n\r\t"#, true),
        (#"<a href=\"/x\">caf\u00e9 \u65e5 \ud83d\ude00</a>\n"#, true),
        ("raw café naïve über 日本 and more plain bytes after them", true),
        (#"lone \ud800 high and \udc00 low surrogates"#, true),
        (#"a \u0000 NUL escape"#, false),
        (#"escape at the end \n"#, true),
        (#"\\\\\\\\\\\\\\\\\\\\"#, true),
    ])
    func decodesLikeDecodeString(content: String, isClean: Bool) {
        var bytes = Array(("\"" + content + "\"").utf8)
        bytes.withUnsafeMutableBufferPointer { line in
            let scanner = JSONScanner(UnsafeBufferPointer(line))
            let expected = scanner.decodeString(contentOf: 0..<line.count)
            let raw = UnsafeBufferPointer(rebasing: line[1..<(line.count - 1)])
            let out = UnsafeMutablePointer<UInt8>.allocate(capacity: max(raw.count, 1))
            defer { out.deallocate() }
            let (count, clean) = decodeJSONStringContent(raw, into: out)
            #expect(Array(UnsafeBufferPointer(start: out, count: count)) == Array(expected.utf8))
            #expect(clean == isClean)
        }
    }

    @Test func flagsInvalidUTF8() {
        let raw: [UInt8] = Array("valid prefix ".utf8) + [0xC3, 0x28] + Array(" and a tail".utf8)
        raw.withUnsafeBufferPointer { raw in
            let out = UnsafeMutablePointer<UInt8>.allocate(capacity: raw.count)
            defer { out.deallocate() }
            let (count, clean) = decodeJSONStringContent(raw, into: out)
            #expect(Array(UnsafeBufferPointer(start: out, count: count)) == Array(raw))
            #expect(!clean)
        }
    }

    @Test func fragmentsOweNoComma() {
        var buffer = JSONBuffer()
        Array(#"{"url":"#.utf8).withUnsafeBufferPointer { buffer.fragment($0) }
        buffer.string("u")
        Array(#","tag":"a","text":"#.utf8).withUnsafeBufferPointer { buffer.fragment($0) }
        buffer.string("t")
        Array(",\"depth\":1}\n".utf8).withUnsafeBufferPointer { buffer.fragment($0) }
        buffer.beginObject()
        buffer.endObject()
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == "{\"url\":\"u\",\"tag\":\"a\",\"text\":\"t\",\"depth\":1}\n{}")
    }
}
