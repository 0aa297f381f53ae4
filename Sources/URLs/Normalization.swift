import NDJSON

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
           let high = ASCIIHex.value(bytes[i + 1]), let low = ASCIIHex.value(bytes[i + 2]) {
            let decoded = high << 4 | low
            if isUnreserved(decoded) {
                out.append(decoded)
            } else {
                out.append(contentsOf: [UInt8(ascii: "%"), ASCIIHex.upperDigit(high), ASCIIHex.upperDigit(low)])
            }
            i += 3
        } else {
            out.append(byte)
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// RFC 3986 section 2.3's unreserved characters: ALPHA / DIGIT / "-" / "." / "_" / "~",
/// the ones a `%XX` escape is decoded for when a URL is normalised (section 6.2.2.2).
@inlinable
public func isUnreserved(_ byte: UInt8) -> Bool {
    isASCIILetter(byte) || isASCIIDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
}
