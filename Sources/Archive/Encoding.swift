/// Text forms of digests.
public enum DigestEncoding {
    /// Lower-case hexadecimal, as body files are named.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base32 with the RFC 4648 section 6 alphabet and `=` padding, as WARC digests are written
    /// (`sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ`).
    public static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 4) / 5 * 8)
        var start = 0
        while start < bytes.count {
            let chunk = bytes[start..<min(start + 5, bytes.count)]
            var value: UInt64 = 0
            for byte in chunk { value = value << 8 | UInt64(byte) }
            value <<= UInt64(8 * (5 - chunk.count))
            // 1..5 input bytes give 2, 4, 5, 7, 8 symbols; the rest of the 8 is padding.
            let symbols = (chunk.count * 8 + 4) / 5
            for index in 0..<8 {
                if index < symbols {
                    out.append(alphabet[Int(value >> UInt64(35 - 5 * index) & 31)])
                } else {
                    out.append(UInt8(ascii: "="))
                }
            }
            start += 5
        }
        return String(decoding: out, as: UTF8.self)
    }
}
