import Testing
@testable import URLs

/// A URL without an authority whose path becomes "//..." once dot segments go
/// (found by scripts/fuzz, url-resolve): written as is, the path would read as
/// an authority, and the URL would name another host when parsed again.
struct AuthorityLessPathTests {
    @Test(arguments: [
        ("http:/..//a/b.c/d;p?q", "g", "http:/.//a/b.c/g"),
        ("http:/x/y", "/..//evil/x", "http:/.//evil/x"),
        ("http:/x/y", "http:/..//evil/x", "http:/.//evil/x"),
        ("mailto:/a/b", "..//c", "mailto:/.//c"),
    ])
    func keepsTheHostEmpty(base: String, reference: String, expected: String) throws {
        let resolved = try WebURL(base).resolving(reference)
        #expect(resolved.string == expected)
        #expect(resolved.host.isEmpty)
        let again = try WebURL(resolved.string)
        #expect(again.host.isEmpty)
        #expect(again.string == resolved.string)
    }
}
