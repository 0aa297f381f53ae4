import Foundation
import Testing
@testable import NDJSON

/// A LineReader over a file holding `input`; the callers' tiny default chunk size
/// makes every buffer boundary case happen.
private func withReader<T>(of input: [UInt8], chunkSize: Int, _ body: (LineReader) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)").path
    try #require(FileManager.default.createFile(atPath: path, contents: Data(input)))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(try LineReader(path: path, chunkSize: chunkSize))
}

/// The lines of `input` as `next()` hands them out.
private func readLines(_ input: [UInt8], chunkSize: Int = 8) throws -> [String] {
    try withReader(of: input, chunkSize: chunkSize) { reader in
        var lines: [String] = []
        while let line = try reader.next() { lines.append(String(decoding: line, as: UTF8.self)) }
        return lines
    }
}

/// The lines of `input` read block by block (`nextBufferedBlock`) and split by `forEachLine`.
private func readLinesByBlock(_ input: [UInt8], chunkSize: Int = 8) throws -> [String] {
    try withReader(of: input, chunkSize: chunkSize) { reader in
        var lines: [String] = []
        while true {
            while let block = reader.nextBufferedBlock() {
                let count = LineReader.forEachLine(in: block) { lines.append(String(decoding: $0, as: UTF8.self)) }
                #expect(count > 0, "a block holds at least one line")
            }
            if reader.reachedEOF { return lines }
            try reader.fill()
        }
    }
}

struct LineReaderTests {
    @Test(arguments: [
        ("a\nb\n", ["a", "b"]),
        ("a\nb", ["a", "b"]),                       // last line without newline
        ("a\r\nb\r\n", ["a", "b"]),                 // CRLF
        ("\n\nx\n\n", ["", "", "x", ""]),           // blank lines are lines
        ("", []),
        ("only", ["only"]),
        ("a\rb\n", ["a\rb"]),                       // a lone CR inside a line stays
        ("0123456789abcdefghij\nk\n", ["0123456789abcdefghij", "k"]),  // longer than the chunk
    ])
    func splitsLines(input: String, expected: [String]) throws {
        #expect(try readLines(Array(input.utf8)) == expected)
        #expect(try readLinesByBlock(Array(input.utf8)) == expected)
        #expect(try readLinesByBlock(Array(input.utf8), chunkSize: 1 << 16) == expected)
    }

    @Test func handlesAFiftyMegabyteLine() throws {
        var input = [UInt8](repeating: UInt8(ascii: "x"), count: 50 << 20)
        input.append(0x0A)
        input.append(contentsOf: Array("tail\n".utf8))
        let lines = try readLines(input, chunkSize: 1 << 16)
        #expect(lines.count == 2)
        #expect(lines[0].utf8.count == 50 << 20)
        #expect(lines[1] == "tail")
        #expect(try readLinesByBlock(input, chunkSize: 1 << 16).map(\.utf8.count) == [50 << 20, 4])
    }

    @Test func countsLineNumbers() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("n-\(UUID().uuidString)").path
        try #require(FileManager.default.createFile(atPath: path, contents: Data("a\nb\nc".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineReader(path: path)
        while try reader.next() != nil {}
        #expect(reader.lineNumber == 3)
    }

    @Test func reportsAMissingFile() {
        #expect(throws: InputError.self) { try LineReader(path: "/nonexistent/acrawl-test") }
    }
}
