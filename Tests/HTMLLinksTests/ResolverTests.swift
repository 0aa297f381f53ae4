import Testing
import URLs
@testable import HTMLLinks

/// The resolver's fast path must give exactly what the URLs module gives.
struct ResolverTests {
    static let bases = [
        "http://a/b/c/d;p?q",
        "https://example.com/dir/page.html",
        "https://example.com",
        "https://Example.COM:8443/a/b/",
        "http://user:pw@host.example/x/y?z=1",
        "https://example.com/caf%C3%A9/d%2Fe/",
        "http://127.0.0.1:8080/one/two",
    ]

    /// Pieces references are built from: dot segments, odd but printable
    /// characters, percent signs, queries, schemes and hosts.
    static let pieces = [
        "", ".", "..", "g", "g.", ".g", "a;b", "%41", "%zz", "%", "x=1&y=2", "~u", "a:b", "@", "!$'()*+,;=",
        "[v]", "{c}", "|", "\\", "^", "`", "\"", "<", ">", "é", " ", "//",
    ]

    static var references: [String] {
        var out: Set<String> = []
        let pieces = Self.pieces
        for a in pieces {
            for b in pieces {
                out.insert(a + "/" + b)
                out.insert("/" + a + "/" + b)
                out.insert(a + "/" + b + "/")
                out.insert("../" + a + "/./" + b)
                out.insert(a + "?" + b)
                out.insert("?" + a + b)
                out.insert(a + b)
            }
            for host in ["h.example", "H.Example", "127.1", "0x7f.1", "a..b", "-a-", "a_b", "h.example.", "h:80", "u@h", "", "[::1]",
                         "127.0.0.1", "10.0.0.1:8080", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3",
                         "1.2.3.4.5", "1.2.3.", "h.example:8080", "h.example:080", "h.example:0", "h.example:65535",
                         "h.example:65536", "h.example:", "h.example:8x", "h.example:123456"] {
                out.insert("http://" + host + "/" + a)
                out.insert("HTTPS://" + host + a)
                out.insert("//" + host + "/" + a)
                out.insert("ftp://" + host + "/" + a)
            }
        }
        return out.sorted()
    }

    @Test(arguments: bases)
    func fastPathMatchesURLModule(_ baseText: String) throws {
        let base = try WebURL(baseText)
        var resolver = LinkResolver()
        resolver.setBase(base)
        var out: [UInt8] = []
        var fast = 0
        var mismatches: [String] = []
        for reference in Self.references {
            var bytes = Array(reference.utf8)
            let took = bytes.withUnsafeMutableBufferPointer { resolver.resolveFast(UnsafeBufferPointer($0), into: &out) }
            guard took else { continue }
            fast += 1
            let expected = try? base.resolving(reference).string
            let got = String(decoding: out, as: UTF8.self)
            if got != expected { mismatches.append("\(reference) -> \(got), module: \(expected ?? "error")") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20).joined(separator: "\n"))")
        // Most references are printable ASCII: the fast path must take them.
        #expect(fast > Self.references.count / 2)
    }

    /// A page URL taken the fast way gives the base the module would parse.
    @Test(arguments: bases + [
        "https://Example.COM/a/./b/../c?q=1#frag", "https://h.example", "https://h.example/caf\u{e9}?x y",
        "http://h.example:8080/p", "HTTP://h.example/UP/", "https://h.example/a?",
    ])
    func pageURLBaseMatchesParsedBase(_ pageURL: String) throws {
        var fast = LinkResolver()
        fast.setBase(pageURL: pageURL)
        var parsed = LinkResolver()
        parsed.setBase(try WebURL(pageURL))
        var fromFast: [UInt8] = [], fromParsed: [UInt8] = []
        for reference in Self.references.prefix(3000) {
            var bytes = Array(reference.utf8)
            bytes.withUnsafeMutableBufferPointer { pointer in
                let a = fast.resolve(UnsafeBufferPointer(pointer), into: &fromFast)
                let b = parsed.resolve(UnsafeBufferPointer(pointer), into: &fromParsed)
                #expect(a == b && fromFast == fromParsed, "\(reference)")
            }
        }
    }

    /// The common shapes all go the fast way.
    @Test(arguments: ["/a/b.html", "c.html", "../d/", "?page=2&sort=date", "https://other.example/p/1", "x/./y/../z",
                       "/section/café/1.html", "a b?c d", "https://other.example/ü?q=ü",
                       "http://127.0.0.1:8080/p/1.html", "https://other.example:8443/x"])
    func commonShapesAreFast(_ reference: String) throws {
        var resolver = LinkResolver()
        resolver.setBase(try WebURL("https://example.com/dir/page.html"))
        var out: [UInt8] = []
        var bytes = Array(reference.utf8)
        #expect(bytes.withUnsafeMutableBufferPointer { resolver.resolveFast(UnsafeBufferPointer($0), into: &out) })
    }

    @Test(arguments: [
        ("/a/b/c/./../../g", "/a/g"), ("mid/content=5/../6", "mid/6"), ("/..", "/"), ("/.", "/"),
        ("/a/..", "/"), ("/a/.", "/a/"), ("a//../b", "a/b"), ("../../x", "x"), ("/./a/", "/a/"), (".", ""),
    ])
    func dotSegments(_ path: String, _ expected: String) {
        var out: [UInt8] = Array("prefix".utf8)
        var bytes = Array(path.utf8)
        bytes.withUnsafeMutableBufferPointer { appendRemovingDotSegments(UnsafeBufferPointer($0), to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "prefix" + expected)
    }
}

extension ResolverTests {
    @Test(arguments: [
        ("/a/b.html", false), ("a.b/c.d", false), ("/.g/g./..g/g..", false), ("", false), ("/a/.", true), ("/a/..", true),
        (".", true), ("..", true), ("./a", true), ("/a/./b", true), ("/a/../b", true), ("...", false), ("/.../", false),
    ])
    func findsDotSegments(_ path: String, _ expected: Bool) {
        var bytes = Array(path.utf8)
        #expect(bytes.withUnsafeMutableBufferPointer { hasDotSegment(UnsafeBufferPointer($0)) } == expected)
    }
}
