/// The forms of URL pieces that libcurl 7.88 writes back exactly as given. The fast
/// paths that skip libcurl (afilter's SimpleURL, alinks' LinkResolver) take only these
/// and leave every other form to it.

/// Four decimal numbers from 0 to 255 without leading zeros, dot-separated: the form
/// libcurl gives every IPv4 address it parses (it rewrites `127.1` and `0x7f.1`).
@inlinable
public func isDottedDecimalIPv4(_ host: UnsafeBufferPointer<UInt8>) -> Bool {
    var parts = 0
    var value = 0
    var digits = 0
    for byte in host {
        if byte == UInt8(ascii: ".") {
            guard digits > 0 else { return false }
            parts += 1
            value = 0
            digits = 0
            continue
        }
        let digit = byte &- UInt8(ascii: "0")
        guard digit < 10, !(digits > 0 && value == 0) else { return false }
        value = value * 10 + Int(digit)
        digits += 1
        guard value <= 255 else { return false }
    }
    return parts == 3 && digits > 0
}

/// The port 1 to 65535 written in 1 to 5 digits without a leading zero, or nil for
/// any other text (libcurl rewrites `080` as `80`).
@inlinable
public func canonicalPort(_ digits: UnsafeBufferPointer<UInt8>) -> Int? {
    guard (1...5).contains(digits.count), digits[0] != UInt8(ascii: "0") else { return nil }
    var value = 0
    for byte in digits {
        let digit = byte &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        value = value * 10 + Int(digit)
    }
    return value <= 65535 ? value : nil
}
