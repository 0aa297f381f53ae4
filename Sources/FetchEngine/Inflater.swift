import CZlib

/// Decodes a gzip or deflate body as it arrives, for `--warc`: there libcurl
/// hands over the bytes as sent (CURLOPT_HTTP_CONTENT_DECODING off) so they
/// can be archived, and afetch decodes them itself for the record.
final class Inflater {
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    /// Set when the input is not valid gzip or zlib data.
    private(set) var failed = false

    init() {
        if CZlib_inflateInit_auto(&stream) != Z_OK { failed = true }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates `input`, handing each piece of output to `emit`; stops early
    /// when `emit` returns false (the body grew past --max-body).
    func inflate(_ input: UnsafeBufferPointer<UInt8>, _ emit: (UnsafeBufferPointer<UInt8>) -> Bool) {
        guard !failed, let base = input.baseAddress, input.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = UInt32(input.count)
        repeat {
            let status = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let produced = output.count - Int(stream.avail_out)
            if produced > 0, !output.withUnsafeBufferPointer({ emit(UnsafeBufferPointer(rebasing: $0[0..<produced])) }) {
                return
            }
            if status == Z_STREAM_END { return }
            if status != Z_OK && status != Z_BUF_ERROR { failed = true; return }
            if status == Z_BUF_ERROR && stream.avail_in == 0 { return }
        } while stream.avail_in > 0 || stream.avail_out == 0
    }
}
