import Testing
@testable import NDJSON

/// scanString skips eight plain bytes at a time: each special byte must still
/// be seen wherever it falls in a word, and bytes at 0x80 and above are plain.
struct StringScanTests {
    private func scan(_ text: [UInt8]) -> Result<(end: Int, hasEscapes: Bool), JSONSyntaxError> {
        text.withUnsafeBufferPointer { bytes in
            Result { try JSONScanner(bytes).scanString(0) }.mapError { $0 as! JSONSyntaxError }
        }
    }

    @Test(arguments: 0..<20)
    func findsTheClosingQuoteAtEveryOffset(_ offset: Int) throws {
        let text = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "a"), count: offset) + Array("\"tail".utf8)
        #expect(try scan(text).get().end == offset + 2)
        #expect(try scan(text).get().hasEscapes == false)
    }

    @Test(arguments: 0..<20)
    func seesEscapesAndControlsAtEveryOffset(_ offset: Int) throws {
        let plain = Array(repeating: UInt8(0xC3), count: offset)  // high bytes are plain
        let escaped = [UInt8(ascii: "\"")] + plain + Array(#"\"x" + 12345678901234"#.utf8)
        #expect(try scan(escaped).get() == (offset + 5, true))
        let control = [UInt8(ascii: "\"")] + plain + [0x1F] + Array("abcdefghijklmnop\"".utf8)
        #expect(throws: JSONSyntaxError.self) { try scan(control).get() }
        let unterminated = [UInt8(ascii: "\"")] + plain + Array("abcdefghij".utf8)
        #expect(throws: JSONSyntaxError.self) { try scan(unterminated).get() }
    }
}
