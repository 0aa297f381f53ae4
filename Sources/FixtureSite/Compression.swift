import Archive
import Synchronization

/// `bytes` compressed as one gzip member (RFC 1952) by zlib.
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    GzipCompressor().member(of: bytes)
}

/// Gzip bombs by size: N MiB of zeros compressed once at level 9 (about 1030:1)
/// and kept, since a test may ask for the same bomb many times.
final class CompressedZerosCache: Sendable {
    private let bombs = Mutex<[Int: [UInt8]]>([:])

    func gzip(megabytes: Int) -> [UInt8] {
        if let cached = bombs.withLock({ $0[megabytes] }) { return cached }
        let compressor = GzipCompressor(level: 9)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        var output: [UInt8] = []
        for _ in 0..<megabytes { output += compressor.compress(zeros, finish: false) }
        output += compressor.compress([], finish: true)
        bombs.withLock { $0[megabytes] = output }
        return output
    }
}
