extension WebURL {
    /// The form two URLs share when they name the same resource, for dedupe
    /// (DESIGN.md section 5): scheme and host lower-cased, the default port
    /// dropped, the fragment dropped, dot segments removed (libcurl did those
    /// three while parsing), an empty path made `/`, and percent-encoding
    /// normalised (RFC 3986 section 6.2.2: hex digits upper-cased, unreserved
    /// characters decoded).
    public var normalized: String {
        var out = scheme
        out += host.isEmpty ? ":" : "://"
        if let userInfo { out += userInfo + "@" }
        out += authority
        out += path.isEmpty ? "/" : normalizePercentEncoding(path)
        if let query { out += "?" + normalizePercentEncoding(query) }
        return out
    }

}

/// Upper-cases the hex digits of every `%XX` and decodes those that stand for
/// unreserved characters (ALPHA / DIGIT / "-" / "." / "_" / "~").
public func normalizePercentEncoding(_ text: String) -> String {
    guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
    let bytes = Array(text.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        let byte = bytes[i]
        if byte == UInt8(ascii: "%"), i + 2 < bytes.count,
           let high = hexDigit(bytes[i + 1]), let low = hexDigit(bytes[i + 2]) {
            let decoded = high << 4 | low
            if isUnreserved(decoded) {
                out.append(decoded)
            } else {
                out.append(contentsOf: [UInt8(ascii: "%"), upperHex(high), upperHex(low)])
            }
            i += 3
        } else {
            out.append(byte)
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

private func hexDigit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

private func upperHex(_ value: UInt8) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
}

private func isUnreserved(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
         UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "_"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}
