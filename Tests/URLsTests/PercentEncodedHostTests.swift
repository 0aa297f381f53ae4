import Testing
@testable import URLs

/// A percent-encoded host that decodes to an IPv4 number (found by scripts/fuzz,
/// url-resolve): libcurl decodes it after its IPv4 normalisation, so one parse
/// gave "127.1" where afetch's own parse of the result connects to 127.0.0.1.
struct PercentEncodedHostTests {
    @Test(arguments: [
        ("http://%31%32%37.1/", "127.0.0.1"),
        ("http://%30x7f.1/x", "127.0.0.1"),
        ("ph8://%31/?x", "0.0.0.1"),
        ("http://a%2eb/", "a.b"),
    ])
    func hostIsTheOneEveryParseAgreesOn(text: String, host: String) throws {
        let url = try WebURL(text)
        #expect(url.host == host)
        #expect(try WebURL(url.string).string == url.string)
    }

    @Test func resolvingANetworkPathReferenceAgreesToo() throws {
        let url = try WebURL("http://example.com/a").resolving("//%31%32%37.1/b")
        #expect(url.string == "http://127.0.0.1/b")
    }
}

extension PercentEncodedHostTests {
    /// libcurl takes the host from the path when the authority is empty.
    @Test func aHostTakenFromThePathIsNormalisedToo() throws {
        let url = try WebURL("ph8:///%31/?x")
        #expect(url.host == "0.0.0.1")
        #expect(try WebURL(url.string).string == url.string)
    }
}
