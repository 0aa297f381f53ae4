import CZlib
import Synchronization

/// `bytes` compressed as one gzip member (RFC 1952) by zlib.
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    let compressor = GzipCompressor(level: 6)
    var output = compressor.compress(bytes, finish: false)
    output += compressor.compress([], finish: true)
    return output
}

/// A zlib deflate stream writing gzip framing (windowBits 15 + 16, zlib manual).
/// The z_stream lives at a fixed address: zlib keeps a pointer back to it.
final class GzipCompressor {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)

    init(level: Int32) {
        stream.initialize(to: z_stream())
        let status = CZlib_deflateInit_gzip(stream, level)
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Feeds `input`; with `finish`, ends the stream. Returns the output produced.
    func compress(_ input: [UInt8], finish: Bool) -> [UInt8] {
        var input = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.pointee.next_in = inputBuffer.baseAddress
            stream.pointee.avail_in = UInt32(inputBuffer.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.pointee.next_out = chunkBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(chunkBuffer.count)
                    deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH)
                    return chunkBuffer.count - Int(stream.pointee.avail_out)
                }
                output += chunk[..<produced]
                // Done when deflate had room to spare: all input taken (and, finishing, the trailer written).
                if stream.pointee.avail_out != 0 { break }
            }
            stream.pointee.next_in = nil
        }
        return output
    }
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
