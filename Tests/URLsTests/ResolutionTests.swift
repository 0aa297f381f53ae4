import Testing
@testable import URLs

/// RFC 3986 section 5.4: reference resolution examples against one base.
private let base = "http://a/b/c/d;p?q"

struct ResolutionTests {
    /// Section 5.4.1, normal examples.
    @Test(arguments: [
        ("g:h", "g:h"),
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g/"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"),
        ("g;x", "http://a/b/c/g;x"),
        ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../", "http://a/"),
        ("../../g", "http://a/g"),
    ])
    func resolvesNormalExamples(reference: String, expected: String) throws {
        #expect(try WebURL(base).resolving(reference).string == expected)
    }

    /// Section 5.4.2, abnormal examples. "//g" gains the "/" path every http URL
    /// has once parsed (RFC 9110 section 4.2.3: empty path means "/").
    @Test(arguments: [
        ("../../../g", "http://a/g"),
        ("../../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"),
        ("g..", "http://a/b/c/g.."),
        ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"),
        ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
        ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g#s/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
        ("http:g", "http:g"),
    ])
    func resolvesAbnormalExamples(reference: String, expected: String) throws {
        #expect(try WebURL(base).resolving(reference).string == expected)
    }
}

/// Empty segments meeting dot segments, where a segment-list shortcut goes wrong.
struct DotSegmentTests {
    @Test(arguments: [
        ("..//./.", "http://a/b//"),
        ("g//../h", "http://a/b/c/g/h"),
        ("./g//.", "http://a/b/c/g//"),
        ("/a/b/c/./../../g", "http://a/a/g"),
        ("mid/content=5/../6", "http://a/b/c/mid/6"),
    ])
    func keepsEmptySegmentsAsTheRFCDoes(reference: String, expected: String) throws {
        #expect(try WebURL("http://a/b/c/d;p?q").resolving(reference).string == expected)
    }
}
