import NDJSON
import Testing
import URLs
@testable import Scope

/// What WebURL (libcurl) says of a URL, in the form URLParts holds it.
private struct Expected: Equatable, CustomStringConvertible {
    var scheme: String
    var host: String
    var port: Int?
    var path: String
    var normalized: String

    init(_ url: WebURL) {
        scheme = url.scheme
        host = url.host
        port = url.authority == url.host ? nil : url.port
        path = url.path
        normalized = url.normalized
    }

    init(_ parts: URLParts) {
        scheme = String(decoding: parts.scheme, as: UTF8.self)
        host = String(decoding: parts.host, as: UTF8.self)
        port = parts.port
        path = String(decoding: parts.path, as: UTF8.self)
        normalized = String(decoding: parts.normalized, as: UTF8.self)
    }

    var description: String { "\(scheme) \(host) \(port.map(String.init) ?? "-") \(path) \(normalized)" }
}

/// The fast path's view of `text`, or nil when it leaves the URL to libcurl.
private func fastParts(_ text: String) -> Expected? {
    var text = text
    return text.withUTF8 { bytes -> Expected? in
        guard let simple = SimpleURL.parse(bytes) else { return nil }
        var parts = URLParts()
        parts.scheme = Array((simple.isHTTPS ? "https" : "http").utf8)
        parts.host = simple.host.map { asciiLowercased(bytes[$0]) }
        parts.port = simple.port
        parts.path = simple.path.isEmpty ? [UInt8(ascii: "/")] : Array(bytes[simple.path])
        if let end = simple.normalizedEnd {
            // A URL said to be its own normal form must be exactly that.
            var normalized: [UInt8] = []
            #expect(simple.appendNormalized(of: bytes, to: &normalized))
            #expect(String(decoding: bytes[..<end], as: UTF8.self) == String(decoding: normalized, as: UTF8.self))
        }
        guard simple.appendNormalized(of: bytes, to: &parts.normalized) else {
            // Authority only: compare against WebURL's normalized anyway by filling it from libcurl.
            parts.normalized = (try? WebURL(String(decoding: bytes, as: UTF8.self)).normalized).map { Array($0.utf8) } ?? []
            return Expected(parts)
        }
        return Expected(parts)
    }
}

/// URLs the fast path must accept, and agree with libcurl on.
let simpleURLs = [
    "http://example.com", "https://example.com/", "HTTPS://Example.COM/Path?Q=1#frag", "hTTp://a.b.c/d/e.html",
    "https://example.com:8443/x", "https://example.com:443/x", "http://example.com:80/", "http://example.com:443/",
    "https://user:pass@example.com/a", "https://user@example.com:8080/", "http://www.example.org/a%2fb%7e%41?x=%7E%2a",
    "http://example.com?query", "http://example.com#top", "http://example.com/a//b", "http://under_score.example/",
    "http://xn--bcher-kva.example/", "http://example.com./trailing-dot", "https://a-b.c-d.example/~user/",
    "http://1.example.com/", "http://example.com/p/1.html?a=1&b=2;c=3", "http://example.com/%zz%4", "http://cafe.de/",
    "http://example.com/a/.b/..c/...", "http://example.com/{}|^`\"<>", "http://example.com:65535/", "https://EXAMPLE.net/",
    "http://a/b?c?d#e#f", "http://example.com/a%2E%2E/b", "http://example.com/?a=%2e", "https://example.com/a?b#c",
    "http://example.com:8080/a", "http://example.com:443/a", "https://example.com:443/",
    "http://127.0.0.1/", "http://127.0.0.1:18182/p/1.html", "https://255.255.255.255/", "http://0.0.0.0/",
    "http://10.200.3.99:8080/a?b", "http://user@192.168.0.1/",
]

/// URLs the fast path must leave to libcurl.
let unusualURLs = [
    "http://[::1]/", "http://[2001:db8::1]:8080/x", "http://0x7f.1/", "http://127.1:8080/",
    "http://127.0.0.01/", "http://0127.0.0.1/", "http://256.0.0.1/", "http://1.2.3.4.5/", "http://1.2.3./",
    "http://1.2.3/", "http://1..2.3/", "http://1.2.3.4444/", "http://0x7f.0.0.1/", "http://4294967295/",
    "http://%65xample.com/", "http://bücher.example/", "http://example.com/a b", "http://example.com/\t",
    "http://example.com/ä", "http://a@b@c/", "http://example.com:/", "http://example.com:0080/", "http://example.com:0/",
    "http://example.com:65536/", "http://example.com:123456/", "http:/example.com/", "http:example.com",
    "https:\\\\example.com\\a", "ftp://example.com/", "mailto:someone@example.com", "javascript:void(0)",
    "http://user%40x:p@example.com/", "http:///path", "http://ex ample.com/", "//example.com/a", "/relative",
    "http://example.com/a/./b", "http://example.com/a/../b", "http://example.com/..", "http://example.com/.",
    "http://example.com/?", "http://example.com/?#x", "", "h", "httpx://example.com/", "https//example.com",
]

@Suite struct SimpleURLTests {
    @Test(arguments: simpleURLs)
    func acceptsAndAgreesWithLibcurl(_ text: String) throws {
        let fast = try #require(fastParts(text), "the fast path should accept \(text)")
        #expect(fast == Expected(try WebURL(text)))
    }

    @Test(arguments: unusualURLs)
    func leavesUnusualURLsToLibcurl(_ text: String) {
        var text = text
        let simple = text.withUTF8 { SimpleURL.parse($0) }
        #expect(simple == nil || fastParts(text) == (try? WebURL(text)).map(Expected.init),
                "\(text) was taken by the fast path and disagrees with libcurl")
        #expect(simple == nil, "\(text) should be left to libcurl")
    }

    @Test(arguments: simpleURLs + unusualURLs)
    func authorityOnlyAgreesWithLibcurl(_ text: String) throws {
        try expectAuthorityAgreement(text)
    }

    /// The byte-class table holds exactly the classes' definitions.
    @Test func byteKindTableMatchesTheDefinitions() {
        for value in 0...255 {
            let byte = UInt8(value)
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let plain = byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "\\")
            let pathStart = byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
            var expected: UInt8 = 0
            if isLetter || isDigit || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") {
                expected |= ByteKind.host
            }
            if plain { expected |= ByteKind.plain }
            if pathStart { expected |= ByteKind.pathStart } else if plain { expected |= ByteKind.pathByte }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { expected |= ByteKind.upper }
            if byte == UInt8(ascii: "%") { expected |= ByteKind.percent }
            #expect(byteKind(byte) == expected, "byte 0x\(String(value, radix: 16))")
        }
    }

    /// The 8-bytes-at-a-time check after the authority sees every byte at every offset.
    @Test(arguments: 0..<17)
    func authorityOnlyChecksEveryByte(_ offset: Int) {
        for byte in 0...255 {
            let bytes = Array("http://a/".utf8) + Array(repeating: UInt8(ascii: "x"), count: offset) + [UInt8(byte)]
                + Array(repeating: UInt8(ascii: "y"), count: 9)
            let plain = byte >= 0x21 && byte <= 0x7E && byte != 0x5C
            let accepted = bytes.withUnsafeBufferPointer { SimpleURL.parse($0, authorityOnly: true) } != nil
            #expect(accepted == plain, "byte 0x\(String(byte, radix: 16)) at offset \(offset)")
        }
    }

    @Test(arguments: simpleURLs + unusualURLs)
    func urlPartsMatchWebURL(_ text: String) {
        var parts = URLParts()
        var bytes = text
        let loaded = bytes.withUTF8 { parts.load($0, needs: [.path, .normalized]) }
        let url = try? WebURL(text)
        #expect(loaded == (url != nil))
        if let url, loaded { #expect(Expected(parts) == Expected(url)) }
    }

    /// 200,000 URLs built at random from the pieces the fast path reasons about:
    /// every one it accepts must parse in libcurl to the same parts.
    @Test func randomURLsAgree() throws {
        var generator = SplitMix64(seed: 20_261_125)
        let schemes = ["http://", "https://", "HTTP://", "Https://", "http://", "https://", "htp://", "http:/", "http:///"]
        let hosts = ["a", "Example.COM", "x-y.z", "1.2.3.4", "0x1f.2", "9a.example", "_u", "a..b", ".a", "a.", "-",
                     "b.c.d", "12", "ab12", "[::1]", "%41b", "é.fr", "a b", ""]
        let users = ["", "", "", "u@", "u:p@", "u:@", ":p@", "a@b@", "%40@"]
        let ports = ["", "", "", ":80", ":443", ":8080", ":0", ":00", ":65535", ":65536", ":", ":1x", ":08"]
        // Printable ASCII pieces mostly, and now and then one that sends the URL to libcurl.
        let pieces = ["/", "/", "/", "a", "b.html", ".", "..", "%2e", "%2E%2e", "%7e", "%7E", "%41", "%3a", "%zz", "%",
                      "?", "?", "#", "&", "=", ";", "~", "+", "!", "$", "'", "(", ")", "*", ",", "@", ":", "[", "]",
                      "{", "}", "|", "^", "`", "\"", "<", ">", "//", "/./", "/../", "%20", "x", "Y"]
        let hostilePieces = ["\\", " ", "\t", "é", "\u{7F}"]
        var accepted = 0
        var alreadyNormal = 0
        for _ in 0..<200_000 {
            var text = schemes.randomElement(using: &generator)!
            text += users.randomElement(using: &generator)! + hosts.randomElement(using: &generator)!
            text += ports.randomElement(using: &generator)!
            for _ in 0..<Int(generator.next() % 7) {
                let hostile = generator.next() % 50 == 0
                text += (hostile ? hostilePieces : pieces).randomElement(using: &generator)!
            }
            try expectAuthorityAgreement(text)
            guard let fast = fastParts(text) else { continue }
            accepted += 1
            if text.utf8.withContiguousStorageIfAvailable({ SimpleURL.parse($0)?.normalizedEnd != nil }) == true {
                alreadyNormal += 1
            }
            let url = try? WebURL(text)
            #expect(url.map(Expected.init) == fast, "\(text)")
        }
        #expect(accepted > 5000, "the random table should exercise the fast path")
        #expect(alreadyNormal > 200, "the random table should exercise URLs in normal form")
    }
}

/// When the authority-only split accepts `text`, libcurl must parse it to the same scheme, host and port.
private func expectAuthorityAgreement(_ text: String) throws {
    var text = text
    guard let simple = text.withUTF8({ SimpleURL.parse($0, authorityOnly: true) }) else { return }
    let url = try #require(try? WebURL(text), "\(text) was taken by the authority-only split but libcurl rejects it")
    let host = text.withUTF8 { bytes in String(decoding: simple.host.map { asciiLowercased(bytes[$0]) }, as: UTF8.self) }
    #expect(url.scheme == (simple.isHTTPS ? "https" : "http"), "\(text)")
    #expect(url.host == host, "\(text)")
    #expect((url.authority == url.host ? nil : url.port) == simple.port, "\(text)")
}

/// A small, seedable generator, so the random table is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
