import NDJSON
import URLs

/// Which parts of a URL a filter needs, so the rest is not computed.
struct URLNeeds: OptionSet {
    let rawValue: Int
    /// The path, for `--ext` and `--no-ext`.
    static let path = URLNeeds(rawValue: 1)
    /// `WebURL.normalized`, for `--unique`.
    static let normalized = URLNeeds(rawValue: 2)
}

/// The parts of one URL that scope predicates compare, in buffers reused from
/// line to line so the hot path allocates nothing.
///
/// They are exactly `WebURL`'s: `SimpleURL` fills them for plain http(s)
/// URLs, and `WebURL` (libcurl) for every other URL.
struct URLParts {
    /// Lower-case scheme.
    var scheme: [UInt8] = []
    /// Lower-case host, IPv6 literals in brackets; empty when the URL has none.
    var host: [UInt8] = []
    /// The explicit port unless it is the scheme's default (`WebURL.authority`'s rule).
    var port: Int?
    /// The path as libcurl gives it back (when `.path` was asked for).
    var path: [UInt8] = []
    /// `WebURL.normalized` (when `.normalized` was asked for).
    var normalized: [UInt8] = []

    /// Fills the parts from the URL in `text`; false when libcurl rejects it
    /// (`mailto:x@y`, `http://a b/`), which then has only the scheme written
    /// before its first `:` (if any), no host, and itself as normalised form,
    /// so that scope predicates drop it instead of failing the line.
    @discardableResult
    mutating func load(_ text: UnsafeBufferPointer<UInt8>, needs: URLNeeds) -> Bool {
        if let simple = SimpleURL.parse(text) {
            normalized.removeAll(keepingCapacity: true)
            if !needs.contains(.normalized) || simple.appendNormalized(of: text, to: &normalized) {
                fill(from: simple, of: text, needs: needs)
                return true
            }
        }
        guard let url = try? WebURL(String(decoding: text, as: UTF8.self)) else {
            fill(unparsed: text)
            return false
        }
        fill(from: url, needs: needs)
        return true
    }

    private mutating func fill(unparsed text: UnsafeBufferPointer<UInt8>) {
        scheme.removeAll(keepingCapacity: true)
        if let colon = text.firstIndex(of: UInt8(ascii: ":")) {
            scheme.append(contentsOf: text[..<colon].map(asciiLowercased))
        }
        host.removeAll(keepingCapacity: true)
        port = nil
        path.removeAll(keepingCapacity: true)
        normalized = Array(text)
    }

    private mutating func fill(from simple: SimpleURL, of text: UnsafeBufferPointer<UInt8>, needs: URLNeeds) {
        scheme.removeAll(keepingCapacity: true)
        scheme.append(contentsOf: simple.isHTTPS ? URLParts.https : URLParts.http)
        host.removeAll(keepingCapacity: true)
        for k in simple.host { host.append(asciiLowercased(text[k])) }
        port = simple.port
        if needs.contains(.path) {
            path.removeAll(keepingCapacity: true)
            if simple.path.isEmpty {
                path.append(UInt8(ascii: "/"))
            } else {
                path.append(contentsOf: UnsafeBufferPointer(rebasing: text[simple.path]))
            }
        }
    }

    private mutating func fill(from url: WebURL, needs: URLNeeds) {
        scheme = Array(url.scheme.utf8)
        host = Array(url.host.utf8)
        port = url.authority == url.host ? nil : url.port
        if needs.contains(.path) { path = Array(url.path.utf8) }
        if needs.contains(.normalized) { normalized = Array(url.normalized.utf8) }
    }

    /// True when both name the same host and port (`--same-host`); URLs
    /// without a host are in no host's scope, not even each other's.
    func hasSameAuthority(as other: URLParts) -> Bool {
        !host.isEmpty && host == other.host && port == other.port
    }

    private static let http = Array("http".utf8)
    private static let https = Array("https".utf8)
}
