import Testing
@testable import NDJSON

/// The 8-bytes-at-a-time skip in `scanString` must find every quote,
/// backslash and control byte wherever it falls in a word.
@Suite struct StringScanTests {
    @Test(arguments: 0..<24)
    func findsTheClosingQuoteAtEveryOffset(_ length: Int) throws {
        let text = "\"" + String(repeating: "a", count: length) + "\" "
        let bytes = Array(text.utf8)
        let end = try bytes.withUnsafeBufferPointer { try JSONScanner($0).scanString(0) }
        #expect(end.end == length + 2)
        #expect(!end.hasEscapes)
    }

    @Test(arguments: 0..<20)
    func seesEscapesAndControlBytesAtEveryOffset(_ position: Int) throws {
        var escaped = Array(String(repeating: "é", count: 10).utf8)
        escaped.insert(contentsOf: Array(#"\""#.utf8), at: position)
        let line = [UInt8(ascii: "\"")] + escaped + [UInt8(ascii: "\"")]
        let result = try line.withUnsafeBufferPointer { try JSONScanner($0).scanString(0) }
        #expect(result.end == line.count)
        #expect(result.hasEscapes)

        var raw = Array(String(repeating: "b", count: 20).utf8)
        raw[position] = 0x1F
        let bad = [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]
        #expect(throws: JSONSyntaxError.self) { try bad.withUnsafeBufferPointer { try JSONScanner($0).scanString(0) } }
    }

    @Test func lowestFlagIsTheFirstByteToLookAt() {
        // A quote in byte 2 and a control byte in byte 5: the scan must stop at byte 2.
        let word: UInt64 = 0x6161_0161_6122_6161
        #expect(quoteBackslashOrControlFlags(word).trailingZeroBitCount >> 3 == 2)
        // 0x80 and above are plain bytes (UTF-8), not control bytes.
        #expect(quoteBackslashOrControlFlags(0xFFFE_C3A9_8081_9F7F) == 0)
    }

    @Test func bitTrickFlagsExactlyTheBytesItMust() {
        for byte in 0...255 {
            // Seven bytes 'a' and the byte under test in the fourth place.
            let word: UInt64 = 0x6161_6161_0061_6161 | UInt64(byte) << 24
            let mustFlag = byte == 0x22 || byte == 0x5C || byte < 0x20
            let flags = quoteBackslashOrControlFlags(word)
            #expect((flags != 0) == mustFlag, "byte 0x\(String(byte, radix: 16))")
            if mustFlag { #expect(flags.trailingZeroBitCount >> 3 == 3) }
        }
    }
}
