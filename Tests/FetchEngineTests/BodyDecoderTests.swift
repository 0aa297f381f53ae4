import Testing
@testable import FetchEngine

struct BodyDecoderTests {
    @Test(arguments: [
        ("text/html; charset=UTF-8", "utf-8"),
        ("text/html;charset=\"Shift_JIS\"", "shift_jis"),
        ("text/plain; format=flowed; charset=iso-8859-1", "iso-8859-1"),
        ("text/html", nil),
    ] as [(String, String?)])
    func readsTheCharsetParameter(contentType: String, charset: String?) {
        #expect(BodyDecoder.charsetParameter(contentType) == charset)
    }

    @Test(arguments: [
        (#"<html><head><meta charset="euc-jp"></head>"#, "euc-jp"),
        (#"<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1251">"#, "windows-1251"),
        ("<meta charset=utf-8/>", "utf-8"),
        ("<html><body>no meta</body></html>", nil),
    ] as [(String, String?)])
    func sniffsMetaCharsets(html: String, charset: String?) {
        #expect(BodyDecoder.sniffMetaCharset(Array(html.utf8)) == charset)
    }

    @Test(arguments: [
        ("text/html", true), ("TEXT/PLAIN; charset=x", true), ("application/json", true),
        ("application/ld+json", true), ("application/xhtml+xml", true), ("application/javascript", true),
        ("image/png", false), ("application/octet-stream", false),
        (" \ttext/html ; charset=utf-8", true), ("Application/JSON", true), ("image/SVG+XML", true),
        ("application/ecmascript", true), ("application/ecmascripts", false), ("text", false), ("", false),
        ("application/json-seq", false), ("application/jsonp; x=/json", false),
    ])
    func knowsTextualTypes(type: String, textual: Bool) {
        #expect(BodyDecoder.isTextual(type) == textual)
    }

    @Test func decodesLatin1AsWindows1252() {
        var decoder = BodyDecoder()
        let text = decoder.decode([0x63, 0x61, 0x66, 0xE9, 0x20, 0x80], contentType: "text/html; charset=iso-8859-1")
        #expect(String(decoding: text, as: UTF8.self) == "café €")
    }

    @Test func decodesShiftJIS() {
        var decoder = BodyDecoder()
        // 日本 in Shift_JIS.
        let text = decoder.decode([0x93, 0xFA, 0x96, 0x7B], contentType: "text/plain; charset=shift_jis")
        #expect(String(decoding: text, as: UTF8.self) == "日本")
    }

    @Test func replacesWhatCannotBeDecoded() {
        var decoder = BodyDecoder()
        let utf8 = decoder.decode([0x61, 0xFF, 0x62], contentType: "text/plain")
        #expect(String(decoding: utf8, as: UTF8.self) == "a\u{FFFD}b")
        let sjis = decoder.decode([0x61, 0x93], contentType: "text/plain; charset=shift_jis")
        #expect(String(decoding: sjis, as: UTF8.self) == "a\u{FFFD}")
        let unknown = decoder.decode(Array("plain".utf8), contentType: "text/plain; charset=no-such-charset")
        #expect(String(decoding: unknown, as: UTF8.self) == "plain")
    }

    @Test(arguments: [("", "\"\""), ("f", "\"Zg==\""), ("fo", "\"Zm8=\""), ("foo", "\"Zm9v\""), ("foobar", "\"Zm9vYmFy\"")])
    func encodesBase64(input: String, expected: String) {
        #expect(String(decoding: base64(Array(input.utf8)), as: UTF8.self) == expected)
    }
}
