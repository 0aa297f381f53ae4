/// RFC 3986 reference resolution (section 5.2), done here rather than by
/// curl_url: libcurl 7.88 resolves "#s" and "" against a base wrongly (it drops
/// the last path segment and the query) and rejects references with a scheme
/// but no authority ("g:h", "mailto:x"). The resolved string is then parsed
/// by libcurl like any URL, so host and port still mean what they mean to afetch.
struct URIReference {
    var scheme: Substring?
    var authority: Substring?
    var path: Substring
    var query: Substring?
    var fragment: Substring?

    /// Splits a reference with the grammar of RFC 3986 appendix B:
    /// `^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?`
    init(_ text: Substring) {
        var rest = text
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        if let colon = rest.firstIndex(where: { $0 == ":" || $0 == "/" }), rest[colon] == ":",
           isValidScheme(rest[..<colon]) {
            scheme = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            let afterSlashes = rest.index(rest.startIndex, offsetBy: 2)
            let end = rest[afterSlashes...].firstIndex(of: "/") ?? rest.endIndex
            authority = rest[afterSlashes..<end]
            rest = rest[end...]
        }
        path = rest
    }

    /// Section 5.3: recomposition.
    var string: String {
        var out = ""
        if let scheme { out += scheme.lowercased() + ":" }
        if let authority { out += "//" + authority }
        out += path
        if let query { out += "?" + query }
        if let fragment { out += "#" + fragment }
        return out
    }

    /// Section 5.2.2: the target of `reference` against this (absolute) base.
    func resolving(_ reference: URIReference) -> URIReference {
        var target = reference
        if reference.scheme != nil {
            target.path = Substring(removeDotSegments(reference.path))
            return target
        }
        target.scheme = scheme
        if reference.authority != nil {
            target.path = Substring(removeDotSegments(reference.path))
            return target
        }
        target.authority = authority
        if reference.path.isEmpty {
            target.path = path
            target.query = reference.query ?? query
        } else if reference.path.hasPrefix("/") {
            target.path = Substring(removeDotSegments(reference.path))
        } else {
            target.path = Substring(removeDotSegments(Substring(merge(reference.path))))
        }
        return target
    }

    /// Section 5.2.3.
    private func merge(_ relative: Substring) -> String {
        if authority != nil && path.isEmpty { return "/" + String(relative) }
        guard let slash = path.lastIndex(of: "/") else { return String(relative) }
        return String(path[...slash]) + String(relative)
    }
}

/// RFC 3986 section 5.2.4, over whole segments.
func removeDotSegments(_ path: Substring) -> String {
    guard path.contains(".") else { return String(path) }
    var input = path
    var output: [Substring] = []   // each element is "/segment" or, first, "segment"
    while !input.isEmpty {
        if input.hasPrefix("../") { input = input.dropFirst(3) }
        else if input.hasPrefix("./") { input = input.dropFirst(2) }
        else if input.hasPrefix("/./") { input = input.dropFirst(2) }
        else if input == "/." { input = "/" }
        else if input.hasPrefix("/../") { input = input.dropFirst(3); if !output.isEmpty { output.removeLast() } }
        else if input == "/.." { input = "/"; if !output.isEmpty { output.removeLast() } }
        else if input == "." || input == ".." { input = "" }
        else {
            let searchFrom = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
            let end = input[searchFrom...].firstIndex(of: "/") ?? input.endIndex
            output.append(input[..<end])
            input = input[end...]
        }
    }
    return output.joined()
}

private func isValidScheme(_ text: Substring) -> Bool {
    guard let first = text.utf8.first, (first | 0x20) >= UInt8(ascii: "a"), (first | 0x20) <= UInt8(ascii: "z") else {
        return false
    }
    return text.utf8.allSatisfy { byte in
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || isDigitByte(byte)
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }
}

private func isDigitByte(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
