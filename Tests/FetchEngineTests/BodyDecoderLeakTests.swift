import Foundation
import Testing
@testable import FetchEngine

/// A dropped BodyDecoder closes its iconv descriptors (LeakSanitizer found them
/// leaking, about 4.4 KB of glibc state each, in `scripts/test --sanitize`).
struct BodyDecoderLeakTests {
    @Test func droppedDecodersGiveTheirConvertersBack() throws {
        func decodeOnce() {
            var decoder = BodyDecoder()
            _ = decoder.decode([0x93, 0xFA], contentType: "text/plain; charset=shift_jis")
        }
        decodeOnce()
        let before = try residentBytes()
        for _ in 0..<200_000 { decodeOnce() }
        // Leaking, 200,000 decoders hold about 880 MB (4.4 KB each). The resident set is the
        // whole test process's, so the bound leaves room for the tests running alongside
        // (64 MB of room, against 50,000 decoders, once failed on a fresh clone).
        #expect(try residentBytes() - before < 256 << 20)
    }

    /// The process's resident set, from /proc/self/statm (in pages).
    private func residentBytes() throws -> Int {
        let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
