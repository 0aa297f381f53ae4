import NDJSON

/// RFC 3986 reference resolution (section 5.2), done here rather than by
/// curl_url: libcurl 7.88 resolves "#s" and "" against a base wrongly (it drops
/// the last path segment and the query) and rejects references with a scheme
/// but no authority ("g:h", "mailto:x"). The resolved string is then parsed
/// by libcurl like any URL, so host and port still mean what they mean to afetch.
///
/// Components are byte arrays: this runs once per link on alinks' hot path.
struct URIReference {
    var scheme: ArraySlice<UInt8>?
    var authority: ArraySlice<UInt8>?
    var path: ArraySlice<UInt8>
    var query: ArraySlice<UInt8>?
    var fragment: ArraySlice<UInt8>?

    /// Splits a reference with the grammar of RFC 3986 appendix B:
    /// `^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?`
    init(_ bytes: [UInt8]) {
        var end = bytes.endIndex
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) {
            fragment = bytes[(hash + 1)...]
            end = hash
        }
        if let question = bytes[..<end].firstIndex(of: UInt8(ascii: "?")) {
            query = bytes[(question + 1)..<end]
            end = question
        }
        var start = bytes.startIndex
        if let colon = bytes[..<end].firstIndex(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") }),
           bytes[colon] == UInt8(ascii: ":"), isValidScheme(bytes[..<colon]) {
            scheme = bytes[..<colon]
            start = colon + 1
        }
        if end - start >= 2 && bytes[start] == UInt8(ascii: "/") && bytes[start + 1] == UInt8(ascii: "/") {
            let authorityEnd = bytes[(start + 2)..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
            authority = bytes[(start + 2)..<authorityEnd]
            start = authorityEnd
        }
        path = bytes[start..<end]
    }

    init(_ text: String) { self.init(Array(text.utf8)) }

    /// Section 5.3: recomposition, the scheme lower-cased.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((scheme?.count ?? 0) + (authority?.count ?? 0) + path.count + (query?.count ?? 0)
                            + (fragment?.count ?? 0) + 6)
        if let scheme {
            out.append(contentsOf: scheme.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 })
            out.append(UInt8(ascii: ":"))
        }
        if let authority { out.append(contentsOf: [UInt8(ascii: "/"), UInt8(ascii: "/")]); out.append(contentsOf: authority) }
        out.append(contentsOf: path)
        if let query { out.append(UInt8(ascii: "?")); out.append(contentsOf: query) }
        if let fragment { out.append(UInt8(ascii: "#")); out.append(contentsOf: fragment) }
        return out
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Section 5.2.2: the target of `reference` against this (absolute) base.
    func resolving(_ reference: URIReference) -> URIReference {
        var target = transform(reference)
        target.keepPathFromLookingLikeAnAuthority()
        return target
    }

    /// Section 5.2.2's pseudocode, "Transform References".
    private func transform(_ reference: URIReference) -> URIReference {
        var target = reference
        if reference.scheme != nil || reference.authority != nil {
            if reference.scheme == nil { target.scheme = scheme }
            target.path = removeDotSegments(reference.path)
            return target
        }
        target.scheme = scheme
        target.authority = authority
        if reference.path.isEmpty {
            target.path = path
            target.query = reference.query ?? query
        } else if reference.path.first == UInt8(ascii: "/") {
            target.path = removeDotSegments(reference.path)
        } else {
            target.path = removeDotSegments(merge(reference.path))
        }
        return target
    }

    /// Without an authority, a path may not begin with "//" (section 3.3), yet
    /// removing dot segments can make one ("http:/..//evil/x" gives "//evil/x"),
    /// and written out it would read as the authority "evil". As the WHATWG URL
    /// Standard serializes such a path, "/." goes before it: "http:/.//evil/x".
    private mutating func keepPathFromLookingLikeAnAuthority() {
        guard authority == nil, path.starts(with: [UInt8(ascii: "/"), UInt8(ascii: "/")]) else { return }
        path = [UInt8(ascii: "/"), UInt8(ascii: ".")] + path
    }

    /// Section 5.2.3.
    private func merge(_ relative: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        if authority != nil && path.isEmpty { return [UInt8(ascii: "/")] + relative }
        guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return relative }
        return path[...slash] + relative
    }
}

/// RFC 3986 section 5.2.4, step by step as written there, so that empty
/// segments ("a//b") and dot segments interact exactly as the RFC says.
func removeDotSegments(_ path: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    guard path.contains(UInt8(ascii: ".")) else { return path }
    let input = Array(path)
    let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
    var output: [UInt8] = []
    output.reserveCapacity(input.count)
    var i = 0
    func rest(is pattern: [UInt8]) -> Bool { input.count - i == pattern.count && input[i...].elementsEqual(pattern) }
    func rest(startsWith pattern: [UInt8]) -> Bool { input.count - i >= pattern.count && input[i..<(i + pattern.count)].elementsEqual(pattern) }
    func removeLastSegment() {
        if let last = output.lastIndex(of: slash) { output.removeSubrange(last...) } else { output.removeAll() }
    }
    while i < input.count {
        if rest(startsWith: [dot, dot, slash]) { i += 3 }                                     // A
        else if rest(startsWith: [dot, slash]) { i += 2 }                                     // A
        else if rest(startsWith: [slash, dot, slash]) { i += 2 }                              // B
        else if rest(is: [slash, dot]) { output.append(slash); break }                        // B
        else if rest(startsWith: [slash, dot, dot, slash]) { i += 3; removeLastSegment() }    // C
        else if rest(is: [slash, dot, dot]) { removeLastSegment(); output.append(slash); break }  // C
        else if rest(is: [dot]) || rest(is: [dot, dot]) { break }                             // D
        else {                                                                                // E
            var end = i + 1
            while end < input.count && input[end] != slash { end += 1 }
            output.append(contentsOf: input[i..<end])
            i = end
        }
    }
    return output[...]
}

private func isValidScheme(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard let first = bytes.first, isASCIILetter(first) else { return false }
    return bytes.allSatisfy(isSchemeByte)
}

