import CCurlHeaders

/// Why a string is not a usable URL.
public struct URLParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// libcurl's code for the failure (CURLUcode).
    public let code: Int

    init(_ code: CURLUcode) {
        self.code = Int(code.rawValue)
    }

    /// libcurl's description of it, asked for only when wanted: a URL refused before
    /// libcurl saw it (no scheme) does not load libcurl for a message nobody reads.
    public var description: String {
        let code = CURLUcode(rawValue: UInt32(self.code))
        return CurlURLAPI.shared.describe(code).map { String(cString: $0) } ?? "URL error \(self.code)"
    }
}

/// One URL, parsed by libcurl's URL API (`curl_url`), the same parser afetch's
/// transfers use, so every tool agrees on what a URL, its host and its port are.
///
/// Any scheme parses (links to `mailto:` must be recognised to be dropped);
/// whether a scheme may be fetched is the fetch engine's decision. URLs with an
/// authority go through libcurl; opaque ones (`mailto:x`, `urn:y`), which
/// libcurl does not parse, are split by RFC 3986's grammar.
public struct WebURL: Sendable, Hashable, CustomStringConvertible {
    /// The whole URL as libcurl writes it back: scheme lower-cased, host as
    /// given, dot segments removed, spaces and non-ASCII bytes percent-encoded.
    public let string: String
    /// Lower-case scheme, such as `https`.
    public let scheme: String
    /// Host name, lower-cased; IDN as UTF-8 the way it was given; IPv6 in brackets. Empty when none.
    public let host: String
    /// The explicit port, if the URL names one.
    public let port: Int?
    /// Path, starting with `/` for URLs with a host.
    public let path: String
    /// Query without its `?`, or nil.
    public let query: String?
    /// Fragment without its `#`, or nil.
    public let fragment: String?
    /// `user` or `user:password` as written (percent-encoded), or nil.
    public let userInfo: String?

    public var description: String { string }

    /// Parses an absolute URL. Surrounding blanks are an error, as in libcurl.
    public init(_ text: String) throws {
        try self.init(parsing: URIReference(text))
    }

    /// Resolves `reference` against this URL as RFC 3986 section 5.2 says.
    public func resolving(_ reference: String) throws -> WebURL {
        try WebURL(parsing: URIReference(string).resolving(URIReference(reference)))
    }

    private init(parsing reference: URIReference) throws {
        guard reference.scheme != nil else { throw URLParseError(CURLUE_BAD_SCHEME) }
        guard reference.authority != nil else {
            self.init(components: reference)
            return
        }
        let handle = try URLHandle()
        try handle.set(reference.string)
        // One read of the whole URL; its parts are split from libcurl's own
        // output, which is already validated and normalised.
        var text = try handle.get(CURLUPART_URL) ?? ""
        var parsed = URIReference(text)
        if !(parsed.authority ?? []).elementsEqual(reference.authority ?? []) {
            // libcurl 7.88 normalises IPv4 numbers before it decodes a
            // percent-encoded host, or takes one from the path ("x:///%31/"), so
            // "%31%32%37.1" comes out as "127.1", which the next parse (afetch's)
            // reads as 127.0.0.1. When the authority changed, a second pass gives
            // the one every later parse agrees on (found by scripts/fuzz, url-resolve).
            try handle.set(text)
            text = try handle.get(CURLUPART_URL) ?? ""
            parsed = URIReference(text)
        }
        self.init(components: parsed)
    }

    private init(components: URIReference) {
        string = components.string
        scheme = String(decoding: components.scheme ?? [], as: UTF8.self).lowercased()
        path = String(decoding: components.path, as: UTF8.self)
        query = components.query.map { String(decoding: $0, as: UTF8.self) }
        fragment = components.fragment.map { String(decoding: $0, as: UTF8.self) }
        let authority = Authority(components.authority ?? [])
        host = authority.host
        port = authority.port
        userInfo = authority.userInfo
    }

    /// The port a connection would use: the explicit one, or the scheme's default.
    public var effectivePort: Int? {
        if let port { return port }
        return WebURL.defaultPorts[scheme]
    }

    /// `host:port` with the default port left out: what `--same-host` compares.
    public var authority: String {
        guard let port, port != WebURL.defaultPorts[scheme] else { return host }
        return "\(host):\(port)"
    }

    /// The URL without its fragment.
    public var withoutFragment: String {
        guard fragment != nil, let hash = string.utf8.firstIndex(of: UInt8(ascii: "#")) else { return string }
        return String(string[..<hash])
    }

    static let defaultPorts = ["http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443]
}

/// `userinfo@host:port`, split (RFC 3986 section 3.2).
private struct Authority {
    var userInfo: String?
    var host = ""
    var port: Int?

    init(_ bytes: ArraySlice<UInt8>) {
        var hostStart = bytes.startIndex
        if let at = bytes.lastIndex(of: UInt8(ascii: "@")) {
            userInfo = String(decoding: bytes[..<at], as: UTF8.self)
            hostStart = at + 1
        }
        var hostEnd = bytes.endIndex
        let bracketEnd = bytes[hostStart...].lastIndex(of: UInt8(ascii: "]")) ?? hostStart
        if let colon = bytes[bracketEnd...].lastIndex(of: UInt8(ascii: ":")) {
            port = Int(String(decoding: bytes[(colon + 1)...], as: UTF8.self))
            hostEnd = colon
        }
        host = String(decoding: bytes[hostStart..<hostEnd], as: UTF8.self).lowercased()
    }
}

/// A curl_url handle, freed with its owner.
final class URLHandle {
    let pointer: OpaquePointer

    init() throws {
        guard let pointer = CurlURLAPI.shared.create() else { throw URLParseError(CURLUE_OUT_OF_MEMORY) }
        self.pointer = pointer
    }

    deinit { CurlURLAPI.shared.cleanup(pointer) }

    /// Sets the whole URL. A NUL (from a JSON `\u0000`) is malformed input: passed
    /// as a C string, libcurl would parse only what precedes it, and
    /// `http://a.example\u0000.b.example/` would pass for a URL of host a.example.
    func set(_ text: String) throws {
        guard !text.utf8.contains(0) else { throw URLParseError(CURLUE_MALFORMED_INPUT) }
        let flags = UInt32(CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE)
        let code = CurlURLAPI.shared.set(pointer, CURLUPART_URL, text, flags)
        guard code == CURLUE_OK else { throw URLParseError(code) }
    }

    /// One part, or nil when the URL has none of it.
    func get(_ part: CURLUPart) throws -> String? {
        var value: UnsafeMutablePointer<CChar>?
        let code = CurlURLAPI.shared.get(pointer, part, &value, 0)
        switch code {
        case CURLUE_OK:
            defer { CurlURLAPI.shared.free(value) }
            return value.map { String(cString: $0) }
        case CURLUE_NO_USER, CURLUE_NO_PASSWORD, CURLUE_NO_PORT, CURLUE_NO_QUERY,
             CURLUE_NO_FRAGMENT, CURLUE_NO_HOST, CURLUE_NO_OPTIONS, CURLUE_NO_ZONEID:
            return nil
        default:
            throw URLParseError(code)
        }
    }
}

/// The scheme and authority of a URL, split by RFC 3986's grammar without a
/// full parse: what a scheduler needs to group requests by origin.
public struct URLOrigin: Sendable, Equatable {
    /// Lower-case scheme.
    public let scheme: String
    /// Lower-case host, IPv6 in brackets.
    public let host: String
    /// The port, the scheme's default when none is written.
    public let port: Int?

    /// Nil when the text has no scheme or no host.
    public init?(_ text: String) {
        let reference = URIReference(text)
        guard let scheme = reference.scheme, let authorityBytes = reference.authority else { return nil }
        let authority = Authority(authorityBytes)
        guard !authority.host.isEmpty else { return nil }
        self.scheme = String(decoding: scheme, as: UTF8.self).lowercased()
        host = authority.host
        port = authority.port ?? WebURL.defaultPorts[self.scheme]
    }

    /// `scheme://host:port`, with the port always written: equal keys, same origin.
    public var key: String { "\(scheme)://\(host):\(port.map(String.init) ?? "")" }
}

/// The request target of a URL: its path (`/` when empty) and `?query`, what
/// robots.txt rules match against (RFC 9309 section 2.2.2).
public func requestTarget(_ text: String) -> String {
    let reference = URIReference(text)
    var target = reference.path.isEmpty ? "/" : String(decoding: reference.path, as: UTF8.self)
    if let query = reference.query { target += "?" + String(decoding: query, as: UTF8.self) }
    return target
}
