/// Decodes the content of a JSON string that `JSONScanner` has checked (the
/// bytes between its quotes) into `out`, which must have room for
/// `raw.count` bytes (no escape decodes to more bytes than it takes):
/// surrogate pairs joined, a lone surrogate turned into U+FFFD, `\u0000` kept
/// as a NUL byte. Eight plain bytes at a time, no String: alinks decodes page
/// bodies into reused memory with it, and `decodeString` is built on it.
///
/// Returns the decoded length, and whether the result is valid UTF-8
/// without NUL bytes (when it is not, `repairUTF8` and a NUL check are
/// left to callers that care, as a parser of the text would).
public func decodeJSONStringContent(_ raw: UnsafeBufferPointer<UInt8>,
                                    into out: UnsafeMutablePointer<UInt8>) -> (count: Int, isCleanUTF8: Bool) {
    guard let base = raw.baseAddress else { return (0, true) }
    let count = raw.count
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    var i = 0
    var o = 0
    var clean = true
    while i < count {
        if i + 8 <= count {
            // The bytes before the first backslash or non-ASCII byte of the
            // next eight are copied as they are: the whole word is stored
            // (`o` never passes `i`, so it fits in `out`), the plain ones kept.
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let backslashes = word ^ (ones &* 0x5C)
            // The lowest flag is exact (a borrow only runs upwards).
            let flags = ((backslashes &- ones) & ~backslashes | word) & highs
            UnsafeMutableRawPointer(out + o).storeBytes(of: word, toByteOffset: 0, as: UInt64.self)
            let plain = flags == 0 ? 8 : flags.trailingZeroBitCount >> 3
            i += plain
            o += plain
            if plain == 8 { continue }
        }
        let byte = base[i]
        if byte == UInt8(ascii: "\\") && i + 1 < count {
            let (scalar, length) = decodeEscape(raw, at: i)
            if scalar == 0 { clean = false }
            o += writeUTF8(scalar, to: out + o)
            i += length
        } else if byte >= 0x80 {
            let length = validUTF8Length(raw, at: i)
            if length == 0 {
                clean = false
                out[o] = byte
                i += 1
                o += 1
            } else {
                (out + o).update(from: base + i, count: length)
                i += length
                o += length
            }
        } else {
            if byte == 0 { clean = false }
            out[o] = byte
            i += 1
            o += 1
        }
    }
    return (o, clean)
}

/// The scalar of the escape at `i` (a backslash and at least one byte) and
/// how many bytes it takes, a `\u` surrogate pair both halves.
@inline(__always)
private func decodeEscape(_ raw: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
    switch raw[i + 1] {
    case UInt8(ascii: "b"): return (0x08, 2)
    case UInt8(ascii: "f"): return (0x0C, 2)
    case UInt8(ascii: "n"): return (0x0A, 2)
    case UInt8(ascii: "r"): return (0x0D, 2)
    case UInt8(ascii: "t"): return (0x09, 2)
    case UInt8(ascii: "u"):
        guard let scalar = hex4(raw, i + 2) else { return (0xFFFD, 6) }
        if scalar >= 0xD800 && scalar < 0xDC00 {
            if i + 11 < raw.count, raw[i + 6] == UInt8(ascii: "\\"), raw[i + 7] == UInt8(ascii: "u"),
               let low = hex4(raw, i + 8), low >= 0xDC00 && low < 0xE000 {
                return (0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00), 12)
            }
            return (0xFFFD, 6)
        }
        return (scalar >= 0xDC00 && scalar < 0xE000 ? 0xFFFD : scalar, 6)
    case let escaped:
        return (UInt32(escaped), 2)  // \" \\ \/
    }
}

/// The four hex digits at `start`, if there are four.
@inline(__always)
private func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ start: Int) -> UInt32? {
    guard start + 4 <= raw.count else { return nil }
    var value: UInt32 = 0
    for k in start..<(start + 4) {
        guard let digit = ASCIIHex.value(raw[k]) else { return nil }
        value = value << 4 | UInt32(digit)
    }
    return value
}

/// Writes `value` (a scalar, not a surrogate) as UTF-8; returns its length.
@inline(__always)
private func writeUTF8(_ value: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
    switch value {
    case 0..<0x80:
        out[0] = UInt8(value)
        return 1
    case 0x80..<0x800:
        out[0] = UInt8(0xC0 | value >> 6)
        out[1] = UInt8(0x80 | value & 0x3F)
        return 2
    case 0x800..<0x10000:
        out[0] = UInt8(0xE0 | value >> 12)
        out[1] = UInt8(0x80 | value >> 6 & 0x3F)
        out[2] = UInt8(0x80 | value & 0x3F)
        return 3
    default:
        out[0] = UInt8(0xF0 | value >> 18)
        out[1] = UInt8(0x80 | value >> 12 & 0x3F)
        out[2] = UInt8(0x80 | value >> 6 & 0x3F)
        out[3] = UInt8(0x80 | value & 0x3F)
        return 4
    }
}
