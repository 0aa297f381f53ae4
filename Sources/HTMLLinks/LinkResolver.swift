import NDJSON
import URLs

/// Resolves a page's link references against its base URL, as the URLs module
/// does (`WebURL.resolving`: RFC 3986 section 5.2, then libcurl's parse), with
/// a fast path for the references that make up nearly every page.
///
/// The module's route costs a curl_url handle, a parse and eight part copies
/// per link. The fast path takes references of printable ASCII (no space, no
/// byte libcurl would percent-encode): a relative reference is joined to the
/// base's own text, which libcurl already normalised once per page, and an
/// absolute `http(s)://host/...` with a plain host name is kept as written; both
/// with dot segments removed (RFC 3986 section 5.2.4). For such input libcurl
/// changes nothing else (it keeps the host's case and leaves `%` alone), so
/// the result is the module's to the byte; ResolverTests compare the two on
/// thousands of references. Everything else goes the module's way.
struct LinkResolver {
    /// The base as given, parsed by the URLs module only when a link needs the slow path.
    private var baseText: String?
    /// The parsed base, once parsed; nil inside when it does not parse.
    private var parsedBase: WebURL??
    /// `scheme://authority` of the base, as libcurl writes it; empty when the fast path is off.
    private var prefix: [UInt8] = []
    /// The base's path, starting with `/`.
    private var basePath: [UInt8] = []
    /// The base's query with its `?`, or empty.
    private var baseQuery: [UInt8] = []
    /// The length of the base path up to and with its last `/`: the directory relative paths join.
    private var baseDirectoryCount = 0
    /// True when that directory has a `.` or `..` segment (libcurl's form has none, but a base is checked, not trusted).
    private var baseDirectoryHasDotSegment = false
    /// Where relative paths are merged before dot segments go.
    private var merged: [UInt8] = []
    /// The base in libcurl's form, while it is split.
    private var scratch: [UInt8] = []

    /// Sets the base to a page's URL, its fragment ignored. A plain
    /// `http(s)://host/path` URL is taken as the fast path would write it,
    /// so most pages never pay for a libcurl parse of their own URL.
    mutating func setBase(pageURL text: String) {
        baseText = text
        parsedBase = nil
        prefix.removeAll(keepingCapacity: true)
        var url = Array(text.utf8.prefix { $0 != UInt8(ascii: "#") })
        var normalized: [UInt8] = []
        swap(&normalized, &scratch)
        let fast = url.withUnsafeMutableBufferPointer { resolveFast(UnsafeBufferPointer($0), into: &normalized) }
        swap(&normalized, &scratch)
        if fast {
            split(scratch)
        } else {
            setBase(try? WebURL(text))
        }
    }

    /// Sets the base URL for the links that follow; nil when there is none
    /// (then only absolute links resolve).
    mutating func setBase(_ url: WebURL?) {
        baseText = url?.string
        parsedBase = .some(url)
        split(Array((url?.withoutFragment ?? "").utf8))
    }

    /// Keeps the parts the fast path joins to, for hierarchical URLs (`scheme://authority/path`).
    private mutating func split(_ bytes: [UInt8]) {
        prefix.removeAll(keepingCapacity: true)
        basePath.removeAll(keepingCapacity: true)
        baseQuery.removeAll(keepingCapacity: true)
        baseDirectoryCount = 0
        baseDirectoryHasDotSegment = false
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon + 2 < bytes.count,
              bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/"),
              let pathStart = bytes[(colon + 3)...].firstIndex(of: UInt8(ascii: "/")) else { return }
        let queryStart = bytes[pathStart...].firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        prefix.append(contentsOf: bytes[..<pathStart])
        basePath.append(contentsOf: bytes[pathStart..<queryStart])
        baseQuery.append(contentsOf: bytes[queryStart...])
        baseDirectoryCount = (basePath.lastIndex(of: UInt8(ascii: "/")) ?? 0) + 1
        baseDirectoryHasDotSegment = basePath.withUnsafeBufferPointer {
            hasDotSegment(UnsafeBufferPointer(rebasing: $0[..<baseDirectoryCount]))
        }
    }

    /// The base parsed by the URLs module, parsed on first use.
    private mutating func base() -> WebURL? {
        if let parsedBase { return parsedBase }
        let parsed = baseText.flatMap { try? WebURL($0) }
        parsedBase = .some(parsed)
        return parsed
    }

    /// Writes the absolute URL of `reference` (cleaned, without fragment) into
    /// `out`; returns false when it does not resolve to a URL.
    mutating func resolve(_ reference: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        if resolveFast(reference, into: &out) { return true }
        out.removeAll(keepingCapacity: true)
        let text = String(decoding: reference, as: UTF8.self)
        do {
            let resolved = try base().map { try $0.resolving(text) } ?? WebURL(text)
            out.append(contentsOf: resolved.withoutFragment.utf8)
            return true
        } catch {
            return false
        }
    }

    /// The fast path; false (with `out` in any state) when the reference is not one it takes.
    mutating func resolveFast(_ reference: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        var queryStart = reference.count
        var needsEncoding = false
        for (i, byte) in reference.enumerated() {
            // Printable ASCII, the common case, costs one test.
            if byte &- 0x21 < 0x5E {
                if byte == UInt8(ascii: "?") && queryStart == reference.count { queryStart = i }
                continue
            }
            // Spaces and non-ASCII bytes are percent-encoded below, as libcurl
            // does; other controls are libcurl's to judge. '#' never reaches here.
            guard byte >= 0x80 || byte == 0x20 else { return false }
            needsEncoding = true
        }
        // libcurl drops an empty query ("a?"): leave that rarity to it.
        if queryStart == reference.count - 1 { return false }
        let pathPart = UnsafeBufferPointer(rebasing: reference[..<queryStart])
        let query = UnsafeBufferPointer(rebasing: reference[queryStart...])
        if let scheme = schemeRange(of: pathPart) {
            guard resolveAbsolute(UnsafeBufferPointer(rebasing: pathPart[scheme]),
                                  UnsafeBufferPointer(rebasing: pathPart[(scheme.upperBound + 1)...]), query,
                                  into: &out) else { return false }
        } else {
            guard resolveRelative(pathPart, query, into: &out) else { return false }
        }
        if needsEncoding { percentEncode(&out) }
        return true
    }

    /// A reference without scheme, joined to the base (RFC 3986 section 5.2.2).
    private mutating func resolveRelative(_ pathPart: UnsafeBufferPointer<UInt8>, _ query: UnsafeBufferPointer<UInt8>,
                                          into out: inout [UInt8]) -> Bool {
        if pathPart.count >= 2 && pathPart[0] == UInt8(ascii: "/") && pathPart[1] == UInt8(ascii: "/") {
            return false  // network-path reference: a new authority, libcurl's to check
        }
        guard !prefix.isEmpty else { return false }
        out.append(contentsOf: prefix)
        if pathPart.isEmpty {
            out.append(contentsOf: basePath)
            if query.isEmpty { out.append(contentsOf: baseQuery) }
        } else if pathPart[0] == UInt8(ascii: "/") {
            guard hasOrdinarySegments(pathPart) else { return false }
            appendRemovingDotSegments(pathPart, to: &out)
        } else if !baseDirectoryHasDotSegment && !hasDotSegment(pathPart) {
            // The segments of the merged path are the directory's and the
            // reference's: without a dot segment among them, 5.2.4 changes nothing.
            out.append(contentsOf: basePath[..<baseDirectoryCount])
            out.append(contentsOf: pathPart)
        } else {
            // RFC 3986 section 5.2.3: the base path up to its last '/', then the reference.
            merged.removeAll(keepingCapacity: true)
            let lastSlash = basePath.lastIndex(of: UInt8(ascii: "/")) ?? 0
            merged.append(contentsOf: basePath[...lastSlash])
            merged.append(contentsOf: pathPart)
            guard merged.withUnsafeBufferPointer(hasOrdinarySegments) else { return false }
            merged.withUnsafeBufferPointer { appendRemovingDotSegments($0, to: &out) }
        }
        out.append(contentsOf: query)
        return true
    }

    /// Percent-encodes what libcurl encodes when it parses a URL with
    /// CURLU_URLENCODE: bytes above 0x7F as lower-case `%xx`, and a space as
    /// `%20` before the query and `+` in it. The authority is plain ASCII here.
    private mutating func percentEncode(_ out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        merged.removeAll(keepingCapacity: true)
        merged.append(contentsOf: out)
        out.removeAll(keepingCapacity: true)
        var inQuery = false
        for byte in merged {
            if byte == UInt8(ascii: "?") { inQuery = true }
            if byte >= 0x80 {
                out.append(UInt8(ascii: "%"))
                out.append(hex.utf8Start[Int(byte >> 4)])
                out.append(hex.utf8Start[Int(byte & 0xF)])
            } else if byte == 0x20 {
                if inQuery { out.append(UInt8(ascii: "+")) } else { out.append(contentsOf: "%20".utf8) }
            } else {
                out.append(byte)
            }
        }
    }

    /// `http(s)://host[:port]/path`, no user, in a form libcurl writes back as it is:
    /// the host a plain DNS name whose last label starts with a letter, or an IPv4
    /// address already in dotted-quad form (libcurl's normalisation turns `127.1` or
    /// `0x7f.1` into `127.0.0.1`), the port in decimal without a leading zero.
    private func resolveAbsolute(_ scheme: UnsafeBufferPointer<UInt8>, _ rest: UnsafeBufferPointer<UInt8>,
                                 _ query: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        let isHTTP = scheme.equalsIgnoringASCIICase("http")
        guard isHTTP || scheme.equalsIgnoringASCIICase("https") else { return false }
        guard rest.count > 2, rest[0] == UInt8(ascii: "/"), rest[1] == UInt8(ascii: "/") else { return false }
        let hostEnd = rest[2...].firstIndex(of: UInt8(ascii: "/")) ?? rest.count
        guard isPlainAuthority(UnsafeBufferPointer(rebasing: rest[2..<hostEnd])) else { return false }
        let path = UnsafeBufferPointer(rebasing: rest[hostEnd...])
        guard hasOrdinarySegments(path) else { return false }
        out.append(contentsOf: isHTTP ? bytes(of: "http://") : bytes(of: "https://"))
        out.append(contentsOf: rest[2..<hostEnd])
        if path.isEmpty {
            out.append(UInt8(ascii: "/"))  // an http URL's empty path is "/" (RFC 9110 section 4.2.3)
        } else {
            appendRemovingDotSegments(path, to: &out)
        }
        out.append(contentsOf: query)
        return true
    }
}

/// A plain host name or dotted-quad IPv4 address, then maybe `:` and a port libcurl keeps as written.
func isPlainAuthority(_ authority: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let colon = authority.lastIndex(of: UInt8(ascii: ":")) else {
        return isPlainHostName(authority) || isDottedDecimalIPv4(authority)
    }
    let host = UnsafeBufferPointer(rebasing: authority[..<colon])
    return (isPlainHostName(host) || isDottedDecimalIPv4(host))
        && canonicalPort(UnsafeBufferPointer(rebasing: authority[(colon + 1)...])) != nil
}

/// Letters, digits, '-' and '.', no empty label, the last label starting with a letter.
func isPlainHostName(_ host: UnsafeBufferPointer<UInt8>) -> Bool {
    guard !host.isEmpty, host[0] != UInt8(ascii: "."), host[host.count - 1] != UInt8(ascii: ".") else { return false }
    var labelStart = 0
    var previous: UInt8 = 0
    for (i, byte) in host.enumerated() {
        if byte == UInt8(ascii: ".") {
            if previous == UInt8(ascii: ".") { return false }
            labelStart = i + 1
        } else if !(isASCIILetter(byte) || isASCIIDigit(byte) || byte == UInt8(ascii: "-")) {
            return false
        }
        previous = byte
    }
    return isASCIILetter(host[labelStart])
}

/// False for a path with both an empty segment (`//`) and a dot: the URLs
/// module's segment-based dot removal differs from section 5.2.4 there
/// (`/b//./.` gives `/b/`, not `/b//`), so such rarities go its way and
/// every tool keeps one answer.
func hasOrdinarySegments(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
    guard hasDotSegment(path) else { return true }
    for i in 1..<path.count where path[i] == UInt8(ascii: "/") && path[i - 1] == UInt8(ascii: "/") { return false }
    return true
}

/// True when a segment of `path` is `.` or `..`: only then does section 5.2.4 change it.
func hasDotSegment(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
    let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")
    let count = path.count
    var i = 0
    while i < count {
        defer { i += 1 }
        guard path[i] == dot, i == 0 || path[i - 1] == slash else { continue }
        let next = i + 1 < count ? path[i + 1] : slash
        if next == slash || (next == dot && (i + 2 == count || path[i + 2] == slash)) { return true }
    }
    return false
}

/// RFC 3986 section 5.2.4 over bytes, appending the result to `out`. The
/// output buffer is popped by cutting at its last '/', which removes exactly
/// the last segment the section's "output buffer" holds.
func appendRemovingDotSegments(_ path: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    guard hasDotSegment(path) else {
        out.append(contentsOf: path)
        return
    }
    let outputStart = out.count
    let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")
    let count = path.count
    func at(_ i: Int) -> UInt8 { i < count ? path[i] : 0 }
    func pop() {
        var k = out.count
        while k > outputStart && out[k - 1] != slash { k -= 1 }
        out.removeSubrange(max(k - 1, outputStart)..<out.count)
    }
    var i = 0
    // After "/." or "/.." at the end, the input is "/": one more slash to write.
    var trailingSlash = false
    while i < count {
        let c0 = path[i], c1 = at(i + 1), c2 = at(i + 2), c3 = at(i + 3)
        if c0 == dot && c1 == dot && c2 == slash { i += 3; continue }                 // A: "../"
        if c0 == dot && c1 == slash { i += 2; continue }                             // A: "./"
        if c0 == slash && c1 == dot && c2 == slash { i += 2; continue }              // B: "/./" -> "/"
        if c0 == slash && c1 == dot && i + 2 == count { trailingSlash = true; break } // B: "/." at end
        if c0 == slash && c1 == dot && c2 == dot && c3 == slash { i += 3; pop(); continue } // C: "/../" -> "/"
        if c0 == slash && c1 == dot && c2 == dot && i + 3 == count { pop(); trailingSlash = true; break } // C: "/.."
        if c0 == dot && (i + 1 == count || (c1 == dot && i + 2 == count)) { break }  // D: "." or ".."
        // E: the first segment, with its leading '/', moves to the output.
        var end = i + 1
        while end < count && path[end] != slash { end += 1 }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: path[i..<end]))
        i = end
    }
    if trailingSlash { out.append(slash) }
}
