import Foundation
import Testing
@testable import NDJSON

private func encode(_ bytes: [UInt8]) -> String {
    var buffer = JSONBuffer()
    bytes.withUnsafeBufferPointer { buffer.string(utf8: $0) }
    return String(decoding: buffer.bytes, as: UTF8.self)
}

struct JSONBufferTests {
    @Test(arguments: [
        (Array("plain".utf8), #""plain""#),
        (Array("q\"b\\".utf8), #""q\"b\\""#),
        ([0x0A, 0x0D, 0x09, 0x08, 0x0C, 0x00, 0x1F], #""\n\r\t\b\f\u0000\u001f""#),
        (Array("é日😀".utf8), "\"é日😀\""),
        ([0x61, 0xFF, 0x62], "\"a\u{FFFD}b\""),                    // invalid byte
        ([0xC3], "\"\u{FFFD}\""),                                   // truncated sequence at the end
        ([0xE6, 0x97, 0x41], "\"\u{FFFD}A\""),                      // maximal subpart replaced once
        ([0xC0, 0xAF], "\"\u{FFFD}\u{FFFD}\""),                     // overlong
        ([0xED, 0xA0, 0x80], "\"\u{FFFD}\u{FFFD}\u{FFFD}\""),       // encoded surrogate
        ([0xF4, 0x90, 0x80, 0x80], "\"\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\""),  // above U+10FFFF
    ])
    func escapesAndRepairs(input: [UInt8], expected: String) {
        #expect(encode(input) == expected)
    }

    @Test func writesNestedRecords() {
        var buffer = JSONBuffer()
        buffer.beginObject()
        buffer.key("a"); buffer.number(1)
        buffer.key("t"); buffer.beginObject(); buffer.key("x"); buffer.milliseconds(1.23456); buffer.key("y"); buffer.null(); buffer.endObject()
        buffer.key("l"); buffer.beginArray(); buffer.number(-2); buffer.bool(true); buffer.string("s"); buffer.endArray()
        buffer.key("f"); buffer.number(0.5)
        buffer.key(String("run time")); buffer.number(Double.nan)
        buffer.endObject()
        buffer.newline()
        #expect(String(decoding: buffer.bytes, as: UTF8.self)
                == #"{"a":1,"t":{"x":1.235,"y":null},"l":[-2,true,"s"],"f":0.5,"run time":null}"# + "\n")
    }

    @Test func copiesMembersExceptReplacedOnes() throws {
        let input = Array(#"{"url":"u","depth":2, "keep" : [1,2],"status":7}"#.utf8)
        var buffer = JSONBuffer()
        try input.withUnsafeBufferPointer { line in
            let scanner = JSONScanner(line)
            buffer.beginObject()
            try buffer.copyMembers(of: scanner) { member in
                scanner.keyString(member) == "status" || scanner.keyString(member) == "url"
            }
            buffer.key("url"); buffer.string("u")
            buffer.key("status"); buffer.number(200)
            buffer.endObject()
        }
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == #"{"depth":2,"keep" : [1,2],"url":"u","status":200}"#)
    }

    @Test func repairsBodies() {
        let repaired = [UInt8]([0x61, 0x80, 0x62]).withUnsafeBufferPointer { repairUTF8($0) }
        #expect(String(decoding: repaired, as: UTF8.self) == "a\u{FFFD}b")
    }

    @Test(arguments: [0, 7, -7, Int.max, Int.min])
    func writesIntegers(value: Int) {
        var buffer = JSONBuffer()
        buffer.number(value)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == String(value))
    }

    @Test func growsPastItsCapacityKeepingEveryByte() {
        var buffer = JSONBuffer(capacity: 1)
        buffer.beginArray()
        for index in 0..<1000 { buffer.number(index) }
        buffer.endArray()
        let expected = "[" + (0..<1000).map(String.init).joined(separator: ",") + "]"
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
        #expect(buffer.count == expected.utf8.count)
    }

    @Test func aCopyIsAValueOfItsOwn() {
        var original = JSONBuffer()
        original.beginObject()
        original.key("a"); original.number(1)
        var copy = original
        copy.key("b"); copy.number(2)
        original.key("c"); original.number(3)
        copy.removeAll()
        copy.null()
        #expect(String(decoding: original.bytes, as: UTF8.self) == #"{"a":1,"c":3"#)
        #expect(String(decoding: copy.bytes, as: UTF8.self) == "null")
        original.withBytes { #expect($0.count == original.count) }
    }
}

/// JSONBuffer's escaping against a byte-by-byte reference (repairUTF8, then one escape
/// per byte), over seeded random inputs: plain runs, quotes, controls, valid and broken
/// UTF-8, and lengths past the 4096-byte slices the writer reserves room for.
struct EscapingReferenceTests {
    private struct XorShift {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
    }

    private func reference(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in input.withUnsafeBufferPointer(repairUTF8) {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    private func randomInput(_ random: inout XorShift) -> [UInt8] {
        let pieces: [[UInt8]] = [Array("plain text ".utf8), Array("<a href=\"/p/1.html\">".utf8), [0x22], [0x5C],
                                 [0x0A], [0x01], [0x1F], [0x7F], Array("é日😀".utf8), [0xFF], [0xC3], [0xE6, 0x97],
                                 [0xED, 0xA0, 0x80], [0xF4, 0x90]]
        var input: [UInt8] = []
        let length = [0, 7, 8, 9, 100, 4095, 4096, 4097, 9000][random.next(9)]
        while input.count < length {
            input += random.next(3) == 0 ? pieces[random.next(pieces.count)] : [UInt8(ascii: "a") + UInt8(random.next(26))]
        }
        return input
    }

    @Test func matchesTheByteByByteReference() {
        var random = XorShift(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<400 {
            let input = randomInput(&random)
            var buffer = JSONBuffer(capacity: 1)
            input.withUnsafeBufferPointer { buffer.string(utf8: $0) }
            #expect(buffer.bytes == reference(input), "input \(input.prefix(64))…")
        }
    }
}

struct MillisecondsTests {
    @Test(arguments: [
        (0.0, "0"), (1.5, "1.5"), (1.2345, "1.235"), (1.2344, "1.234"), (0.0004, "0"), (0.001, "0.001"),
        (0.05, "0.05"), (-2.25, "-2.25"), (123456.7, "123456.7"), (10.0, "10"),
    ])
    func roundsToThreeDecimals(value: Double, expected: String) {
        var buffer = JSONBuffer()
        buffer.milliseconds(value)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
    }
}
