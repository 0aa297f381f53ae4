import CZlib

/// `bytes` inflated as gzip by zlib (inflateInit2 with windowBits 15 + 16),
/// written here rather than borrowed from the server so tests check it independently.
func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(stream) }
    var input = bytes
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    return input.withUnsafeMutableBufferPointer { inputBuffer -> [UInt8]? in
        stream.pointee.next_in = inputBuffer.baseAddress
        stream.pointee.avail_in = UInt32(inputBuffer.count)
        while true {
            let (status, produced) = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                stream.pointee.next_out = chunkBuffer.baseAddress
                stream.pointee.avail_out = UInt32(chunkBuffer.count)
                let status = inflate(stream, Z_NO_FLUSH)
                return (status, chunkBuffer.count - Int(stream.pointee.avail_out))
            }
            output += chunk[..<produced]
            if status == Z_STREAM_END { return output }
            guard status == Z_OK else { return nil }
        }
    }
}
