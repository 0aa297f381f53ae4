import Testing
@testable import URLs

struct WebURLTests {
    @Test func splitsParts() throws {
        let url = try WebURL("HTTPS://User:pw@Example.COM:8443/a/b?x=1#frag")
        #expect(url.scheme == "https")
        #expect(url.host == "example.com")
        #expect(url.port == 8443)
        #expect(url.path == "/a/b")
        #expect(url.query == "x=1")
        #expect(url.fragment == "frag")
        #expect(url.userInfo == "User:pw")
        #expect(url.authority == "example.com:8443")
        #expect(url.withoutFragment == "https://User:pw@Example.COM:8443/a/b?x=1")
    }

    @Test(arguments: [
        ("http://example.com", 80, "example.com"),
        ("https://example.com:443/", 443, "example.com"),
        ("http://example.com:8080/", 8080, "example.com:8080"),
        ("http://[::1]:8080/", 8080, "[::1]:8080"),
        ("http://127.0.0.1/", 80, "127.0.0.1"),
    ])
    func knowsPortsAndAuthority(text: String, port: Int, authority: String) throws {
        let url = try WebURL(text)
        #expect(url.effectivePort == port)
        #expect(url.authority == authority)
    }

    @Test(arguments: [
        ("HTTP://Example.COM:80/a/./b/../c#frag", "http://example.com/a/c"),
        ("https://example.com:443", "https://example.com/"),
        ("http://example.com/%7euser/%2fx%2F?q=%41%2a", "http://example.com/~user/%2Fx%2F?q=A%2A"),
        ("http://example.com:8080/", "http://example.com:8080/"),
        ("http://u:p@example.com/", "http://u:p@example.com/"),
    ])
    func normalisesForDedupe(text: String, expected: String) throws {
        #expect(try WebURL(text).normalized == expected)
    }

    @Test func sameResourceNormalisesAlike() throws {
        let forms = ["http://EXAMPLE.com/a%2db/", "http://example.com:80/x/../a-b/", "http://example.com/a-b/#top"]
        #expect(Set(try forms.map { try WebURL($0).normalized }).count == 1)
    }

    @Test(arguments: ["", "http://", "not a url", "http://exa mple.com/", "http://[::1/"])
    func rejectsMalformedURLs(text: String) {
        #expect(throws: URLParseError.self) { try WebURL(text) }
    }

    @Test func keepsIDNHostsAndEncodesSpacesInPaths() throws {
        #expect(try WebURL("http://bücher.example/").host == "bücher.example")
        #expect(try WebURL("http://example.com/a b").path == "/a%20b")
    }

    @Test func parsesOtherSchemesSoLinksCanBeRecognised() throws {
        #expect(try WebURL("mailto:someone@example.com").scheme == "mailto")
        #expect(try WebURL("http://a/b").resolving("javascript:void(0)").scheme == "javascript")
    }
}

struct URLOriginTests {
    @Test(arguments: [
        ("http://Example.com/a", "http://example.com:80"),
        ("HTTPS://u:p@EXAMPLE.com:8443/x?y#z", "https://example.com:8443"),
        ("http://[::1]:9/", "http://[::1]:9"),
        ("http://[::1]/", "http://[::1]:80"),
        ("https://example.com", "https://example.com:443"),
    ])
    func keysByOrigin(text: String, key: String) {
        #expect(URLOrigin(text)?.key == key)
    }

    @Test(arguments: ["example.com/a", "/relative", "mailto:x@example.com", "http:///nohost", ""])
    func needsASchemeAndAHost(text: String) {
        #expect(URLOrigin(text) == nil)
    }

    @Test func agreesWithWebURL() throws {
        for text in ["http://a.example:8080/p", "https://B.example/", "http://[2001:db8::1]:81/"] {
            let url = try WebURL(text)
            #expect(URLOrigin(text)?.host == url.host)
            #expect(URLOrigin(text)?.port == url.effectivePort)
        }
    }
}
