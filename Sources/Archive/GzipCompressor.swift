import CZlib

/// zlib's deflate with gzip framing (RFC 1952). `member(of:)` makes one self-contained
/// member per call, as WARC files want them (each record its own member, so a reader can
/// seek to any record's offset: WARC 1.1 annex D); `compress(_:finish:)` streams one
/// member from many pieces (the fixture server's gzip bombs).
/// The z_stream lives at a fixed address because zlib keeps a pointer back to it.
public final class GzipCompressor {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)

    /// A compressor at zlib `level` (6 is zlib's default trade-off).
    public init(level: Int32 = 6) {
        stream.initialize(to: z_stream())
        let status = CZlib_deflateInit_gzip(stream, level)
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// `bytes` as one complete gzip member.
    public func member(of bytes: [UInt8]) -> [UInt8] {
        // deflateReset keeps the allocated window and state: no per-record setup cost.
        deflateReset(stream)
        let bound = Int(deflateBound(stream, UInt(bytes.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var produced = 0
        bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = UInt32(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = UInt32(out.count)
                // With deflateBound's room, one Z_FINISH call finishes the member (zlib manual).
                let status = deflate(stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish within deflateBound: \(status)")
                produced = out.count - Int(stream.pointee.avail_out)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Feeds `input` to the current member; with `finish`, ends it. Returns the output produced.
    public func compress(_ input: [UInt8], finish: Bool) -> [UInt8] {
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
