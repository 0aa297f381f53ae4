import CZlib
import Testing

/// The decompressed gzip members of `bytes`, in order, each inflated on its own (test helper).
func inflateMembers(_ bytes: [UInt8]) throws -> [[UInt8]] {
    var members: [[UInt8]] = []
    var position = 0
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    defer { stream.deallocate() }
    while position < bytes.count {
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: gzip framing only, so inflate stops at the end of one member.
        try #require(inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var status: Int32 = Z_OK
        bytes.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + position)
            stream.pointee.avail_in = UInt32(input.count - position)
            while status == Z_OK {
                let produced = chunk.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(out.count)
                    status = inflate(stream, Z_NO_FLUSH)
                    return out.count - Int(stream.pointee.avail_out)
                }
                output += chunk[..<produced]
            }
            position = input.count - Int(stream.pointee.avail_in)
        }
        inflateEnd(stream)
        try #require(status == Z_STREAM_END)
        members.append(output)
    }
    return members
}
