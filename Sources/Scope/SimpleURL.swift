import NDJSON
import URLs

/// The parts of an `http` or `https` URL found byte by byte, without libcurl,
/// for the URLs whose form leaves libcurl no choice to make.
///
/// afilter reads two URLs a line at millions of lines a second, which
/// `curl_url` cannot do (about 1 µs a URL). `parse` accepts only a strict
/// subset of URLs, on which libcurl 7.88's `curl_url_set` does nothing but
/// split: printable ASCII without `\`, a case-insensitive `http`/`https`
/// scheme followed by `//`, at most one `@` with plain user information, a
/// host of letters, digits, `-`, `.` and `_` that cannot be read as an IPv4
/// number (libcurl rewrites `0x7f.1` to `127.0.0.1`), and a port of 1 to 5
/// digits without a leading zero, no `.` or `..` path segment and no empty
/// query. Anything else (IPv6 literals,
/// percent-encoded or non-ASCII hosts, spaces, control bytes) is left to
/// `WebURL`, and ScopeTests check that both agree on a large table of URLs.
struct SimpleURL {
    /// True for `https`, false for `http`.
    let isHTTPS: Bool
    /// User information before `@`, if any.
    let userInfo: Range<Int>?
    /// The host, as written (not yet lower-cased).
    let host: Range<Int>
    /// The explicit port, nil when absent or equal to the scheme's default.
    let port: Int?
    /// From the authority's end to `?`, `#` or the end: may be empty.
    let path: Range<Int>
    /// After `?` up to `#` or the end, if there is a `?`.
    let query: Range<Int>?
    /// When the URL up to its fragment is already `WebURL.normalized`: the
    /// end of that prefix (lower-case scheme and host, no default port written,
    /// a path, no user information, no `%`). Dedupe then hashes the line's bytes.
    let normalizedEnd: Int?
    /// True when only the scheme and authority were split (`parse(_:authorityOnly:)`):
    /// `path` then runs to the end, `query` is nil, and there is no normal form.
    let isAuthorityOnly: Bool

    /// Splits `bytes`, or returns nil when the URL is outside the simple
    /// subset. One pass: every byte is looked at once.
    ///
    /// With `authorityOnly`, the rest of the URL is only checked to be
    /// printable ASCII without `\` (libcurl then accepts it and leaves the
    /// authority as it is; dot segments and an empty query change only the
    /// path and query), 8 bytes at a time: for `from`, of which scope
    /// predicates compare only the scheme, host and port.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, authorityOnly: Bool = false) -> SimpleURL? {
        let count = bytes.count
        guard count >= 8, bytes[0] | 0x20 == UInt8(ascii: "h"), bytes[1] | 0x20 == UInt8(ascii: "t"),
              bytes[2] | 0x20 == UInt8(ascii: "t"), bytes[3] | 0x20 == UInt8(ascii: "p") else { return nil }
        let isHTTPS = bytes[4] | 0x20 == UInt8(ascii: "s")
        var i = isHTTPS ? 5 : 4
        guard i + 3 <= count, bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: "/"),
              bytes[i + 2] == UInt8(ascii: "/") else { return nil }
        i += 3

        // Authority: [userinfo@]host[:port], every byte checked against its part's set.
        let authorityStart = i
        var at = -1
        var colon = -1
        var tilde = -1
        var colonsAfterAt = 0
        var kindsSeen: UInt8 = 0
        while i < count {
            let byte = bytes[i]
            let kind = byteKind(byte)
            kindsSeen |= kind
            if kind & ByteKind.host != 0 { i += 1; continue }
            if kind & ByteKind.pathStart != 0 { break }
            if byte == UInt8(ascii: ":") {
                colon = i
                colonsAfterAt += 1
            } else if byte == UInt8(ascii: "@") && at < 0 {
                at = i
                colon = -1
                colonsAfterAt = 0
            } else if byte == UInt8(ascii: "~") {
                tilde = i
            } else {
                return nil
            }
            i += 1
        }
        let authorityEnd = i
        var userInfo: Range<Int>?
        var hostStart = authorityStart
        if at >= 0 {
            userInfo = authorityStart..<at
            hostStart = at + 1
        }
        // The host holds host bytes only: no `~`, at most the port's one `:`.
        guard tilde < hostStart, colonsAfterAt <= 1 else { return nil }
        let hostEnd = colon >= 0 ? colon : authorityEnd
        guard hostEnd > hostStart, !mayBeIPv4Number(bytes, hostStart..<hostEnd) else { return nil }
        var port: Int?
        if colon >= 0 {
            guard let value = canonicalPort(UnsafeBufferPointer(rebasing: bytes[(colon + 1)..<authorityEnd])) else {
                return nil
            }
            if value != (isHTTPS ? 443 : 80) { port = value }
        }

        if authorityOnly {
            guard isPlainASCII(bytes, from: i) else { return nil }
            return SimpleURL(isHTTPS: isHTTPS, userInfo: userInfo, host: hostStart..<hostEnd, port: port,
                             path: authorityEnd..<count, query: nil, normalizedEnd: nil, isAuthorityOnly: true)
        }

        // Path: printable ASCII without `\`, and (libcurl removes them, RFC 3986
        // section 5.2.4) no `.` or `..` segment.
        var segmentStart = i
        while true {
            let byte: UInt8 = i < count ? bytes[i] : UInt8(ascii: "?")
            let kind = byteKind(byte)
            kindsSeen |= kind
            if kind & ByteKind.pathByte != 0 {
                i += 1
                continue
            }
            guard kind & ByteKind.pathStart != 0 else { return nil }
            let length = i - segmentStart
            if length == 1 && bytes[segmentStart] == UInt8(ascii: ".") { return nil }
            if length == 2 && bytes[segmentStart] == UInt8(ascii: ".") && bytes[segmentStart + 1] == UInt8(ascii: ".") {
                return nil
            }
            if byte != UInt8(ascii: "/") { break }
            segmentStart = i + 1
            i += 1
        }
        let path = authorityEnd..<min(i, count)

        // Query (libcurl 7.88 drops an empty one) and fragment: printable ASCII without `\`.
        var query: Range<Int>?
        if i < count && bytes[i] == UInt8(ascii: "?") {
            i += 1
            let queryStart = i
            while i < count && bytes[i] != UInt8(ascii: "#") {
                let kind = byteKind(bytes[i])
                guard kind & ByteKind.plain != 0 else { return nil }
                kindsSeen |= kind
                i += 1
            }
            guard i > queryStart else { return nil }
            query = queryStart..<i
        }
        let end = query?.upperBound ?? path.upperBound
        while i < count {
            guard byteKind(bytes[i]) & ByteKind.plain != 0 else { return nil }
            i += 1
        }
        let isNormalized = kindsSeen & (ByteKind.upper | ByteKind.percent) == 0 && bytes[0] == UInt8(ascii: "h")
            && bytes[1] == UInt8(ascii: "t") && bytes[2] == UInt8(ascii: "t") && bytes[3] == UInt8(ascii: "p")
            && (!isHTTPS || bytes[4] == UInt8(ascii: "s")) && userInfo == nil && !path.isEmpty
            && (colon < 0 || port != nil)
        return SimpleURL(isHTTPS: isHTTPS, userInfo: userInfo, host: hostStart..<hostEnd, port: port,
                         path: path, query: query, normalizedEnd: isNormalized ? end : nil, isAuthorityOnly: false)
    }

    /// Appends `WebURL.normalized` of this URL to `out`, or returns false for
    /// a URL with user information (rare, so its form is left to libcurl).
    func appendNormalized(of bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        guard userInfo == nil, !isAuthorityOnly else { return false }
        out.append(contentsOf: isHTTPS ? SimpleURL.httpsPrefix : SimpleURL.httpPrefix)
        for k in host { out.append(asciiLowercased(bytes[k])) }
        if let port { appendPort(port, to: &out) }
        if path.isEmpty {
            out.append(UInt8(ascii: "/"))
        } else {
            appendPercentNormalized(bytes, path, to: &out)
        }
        if let query {
            out.append(UInt8(ascii: "?"))
            appendPercentNormalized(bytes, query, to: &out)
        }
        return true
    }

    private static let httpPrefix = Array("http://".utf8)
    private static let httpsPrefix = Array("https://".utf8)
}

/// Classes of bytes, as bit flags in `byteKinds`.
enum ByteKind {
    /// Letters, digits, `-`, `.`, `_`: the bytes of a plain host.
    static let host: UInt8 = 1
    /// Printable ASCII other than `\\`: bytes libcurl leaves as they are in a path, query or fragment.
    static let plain: UInt8 = 2
    /// `/`, `?`, `#`: the end of an authority or a path segment.
    static let pathStart: UInt8 = 4
    /// A plain byte that is not `/`, `?` or `#`.
    static let pathByte: UInt8 = 8
    /// `A` to `Z`.
    static let upper: UInt8 = 16
    /// `%`.
    static let percent: UInt8 = 32
}

/// The `ByteKind` flags of each byte, one table lookup instead of a chain of comparisons.
private let byteKinds: [UInt8] = (0..<256).map { value in
    let byte = UInt8(value)
    var kind: UInt8 = 0
    if isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") {
        kind |= ByteKind.host
    }
    let plain = byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "\\")
    if plain { kind |= ByteKind.plain }
    if byte &- UInt8(ascii: "A") < 26 { kind |= ByteKind.upper }
    if byte == UInt8(ascii: "%") { kind |= ByteKind.percent }
    if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") {
        kind |= ByteKind.pathStart
    } else if plain {
        kind |= ByteKind.pathByte
    }
    return kind
}

/// The `ByteKind` flags of `byte`.
@inline(__always)
func byteKind(_ byte: UInt8) -> UInt8 {
    byteKinds.withUnsafeBufferPointer { $0[Int(byte)] }
}

@inline(__always)
private func isAlphanumeric(_ byte: UInt8) -> Bool {
    isASCIILetter(byte) || isASCIIDigit(byte)
}

/// True when libcurl may read the host as an IPv4 number and rewrite it: its
/// parts may be decimal, octal or `0x` hex numbers, so any host starting with
/// a digit and made only of hex digits, `x` and dots is left to libcurl, unless
/// it is already in the one form libcurl writes back unchanged (`127.0.0.1`).
private func mayBeIPv4Number(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
    guard isASCIIDigit(bytes[range.lowerBound]) else { return false }
    for k in range {
        let byte = bytes[k]
        if ASCIIHex.value(byte) == nil && byte | 0x20 != UInt8(ascii: "x") && byte != UInt8(ascii: ".") { return false }
    }
    return !isDottedDecimalIPv4(UnsafeBufferPointer(rebasing: bytes[range]))
}

/// True when every byte from `start` on is printable ASCII other than `\\`,
/// checked 8 bytes at a time (the has-less-than, has-more-than and has-zero
/// tricks of Sean Anderson's "Bit Twiddling Hacks": they may flag a plain
/// byte after a flagged one, never miss one, so flagged words are rechecked
/// byte by byte).
private func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    var i = start
    while i + 8 <= bytes.count {
        let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
        let belowBang = (word &- ones &* 0x21) & ~word
        let aboveTilde = (word &+ ones) | word
        let backslashes = word ^ (ones &* 0x5C)
        let isBackslash = (backslashes &- ones) & ~backslashes
        if (belowBang | aboveTilde | isBackslash) & highs != 0 {
            for k in i..<(i + 8) where !isPlain(bytes[k]) { return false }
        }
        i += 8
    }
    while i < bytes.count {
        guard isPlain(bytes[i]) else { return false }
        i += 1
    }
    return true
}

/// `ByteKind.plain` without the table: printable ASCII other than `\\`.
@inline(__always)
private func isPlain(_ byte: UInt8) -> Bool {
    byte &- 0x21 < 0x5E && byte != UInt8(ascii: "\\")
}

/// Appends `:PORT`.
func appendPort(_ port: Int, to out: inout [UInt8]) {
    out.append(UInt8(ascii: ":"))
    out.append(contentsOf: String(port).utf8)
}

/// The byte form of URLs' `normalizePercentEncoding`: hex digits of `%XX`
/// upper-cased, unreserved characters decoded (RFC 3986 section 6.2.2).
private func appendPercentNormalized(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to out: inout [UInt8]) {
    var k = range.lowerBound
    while k < range.upperBound {
        let byte = bytes[k]
        if byte == UInt8(ascii: "%"), k + 2 < range.upperBound,
           let high = ASCIIHex.value(bytes[k + 1]), let low = ASCIIHex.value(bytes[k + 2]) {
            let decoded = high << 4 | low
            if isUnreserved(decoded) {
                out.append(decoded)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(ASCIIHex.upperDigit(high))
                out.append(ASCIIHex.upperDigit(low))
            }
            k += 3
        } else {
            out.append(byte)
            k += 1
        }
    }
}

