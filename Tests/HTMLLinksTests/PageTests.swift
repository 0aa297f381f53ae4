import Foundation
import Testing
@testable import HTMLLinks

/// Hand-written pages and the links they hold, every tag taken (`--all`).
/// The page is https://example.com/dir/page.html unless a case says otherwise.
struct PageTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let html: String
        let expected: [Found]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "every tag and attribute", html: """
            <html><head>
            <link rel="stylesheet" href="/s.css">
            <meta http-equiv="refresh" content="5; url=/next">
            <script src="app.js"></script>
            </head><body>
            <a href="a.html">A</a>
            <map><area href="/area" alt="x"></map>
            <img src="i.png">
            <picture><source srcset="s.webp"></picture>
            <iframe src="/if"></iframe><embed src="e.swf">
            <video src="v.mp4" poster="p.jpg"></video><audio src="au.mp3"></audio>
            <form action="/search"></form>
            <frameset><frame src="f.html"></frameset>
            </body></html>
            """, expected: [
                Found("link", "href", "https://example.com/s.css"),
                Found("meta", "content", "https://example.com/next"),
                Found("script", "src", "https://example.com/dir/app.js"),
                Found("a", "href", "https://example.com/dir/a.html"),
                Found("area", "href", "https://example.com/area"),
                Found("img", "src", "https://example.com/dir/i.png"),
                Found("source", "srcset", "https://example.com/dir/s.webp"),
                Found("iframe", "src", "https://example.com/if"),
                Found("embed", "src", "https://example.com/dir/e.swf"),
                Found("video", "src", "https://example.com/dir/v.mp4"),
                Found("video", "poster", "https://example.com/dir/p.jpg"),
                Found("audio", "src", "https://example.com/dir/au.mp3"),
                Found("form", "action", "https://example.com/search"),
                Found("frame", "src", "https://example.com/dir/f.html"),
            ]),
        Case(name: "upper-case names and unquoted values", html: #"<A HREF=/Up>x</A><IMG SRC=Pic.PNG>"#, expected: [
            Found("a", "href", "https://example.com/Up"),
            Found("img", "src", "https://example.com/dir/Pic.PNG"),
        ]),
        Case(name: "relative base href, resolved against the page", html: """
            <a href="before.html">before the base still uses it</a>
            <base href="../other/"><a href="x.html">x</a><base href="/ignored/">
            """, expected: [
                Found("a", "href", "https://example.com/other/before.html"),
                Found("a", "href", "https://example.com/other/x.html"),
            ]),
        Case(name: "absolute base href", html: #"<head><base href="https://cdn.example.net/v2/"></head><a href="y">y</a><a href="/z">z</a>"#,
             expected: [
                Found("a", "href", "https://cdn.example.net/v2/y"),
                Found("a", "href", "https://cdn.example.net/z"),
             ]),
        Case(name: "base without href is not a base", html: #"<base target="_blank"><a href="q">q</a>"#,
             expected: [Found("a", "href", "https://example.com/dir/q")]),
        Case(name: "srcset candidates", html: """
            <img srcset="a.jpg 1x, b.jpg 2x,c.jpg   640w , d,e.jpg 3x, f.jpg (max-width: 1px, 2px) 1x, g.jpg">
            """, expected: ["a.jpg", "b.jpg", "c.jpg", "d,e.jpg", "f.jpg", "g.jpg"].map {
                Found("img", "srcset", "https://example.com/dir/" + $0)
            }),
        Case(name: "srcset with commas in URLs and no descriptors", html: #"<img srcset="/x,y.jpg, /z.jpg,">"#, expected: [
            Found("img", "srcset", "https://example.com/x,y.jpg"),
            Found("img", "srcset", "https://example.com/z.jpg"),
        ]),
        Case(name: "entity-encoded hrefs", html: """
            <a href="/s?a=1&amp;b=2">1</a><a href="/caf&eacute;">2</a><a href="&#x2F;hex&#47;dec">3</a>
            """, expected: [
                Found("a", "href", "https://example.com/s?a=1&b=2"),
                Found("a", "href", "https://example.com/caf%c3%a9"),
                Found("a", "href", "https://example.com/hex/dec"),
            ]),
        Case(name: "whitespace-padded hrefs", html: "<a href=\"  \n /pad.html\t \">1</a><a href=\"/in\tside\n/x\r\">2</a>", expected: [
            Found("a", "href", "https://example.com/pad.html"),
            Found("a", "href", "https://example.com/inside/x"),
        ]),
        Case(name: "fragments removed, fragment-only and empty links dropped", html: """
            <a href="#top">0</a><a href="">1</a><a href="  ">2</a><a href>3</a><a>4</a><a href="/p#s">5</a><a href="?q#f">6</a>
            """, expected: [
                Found("a", "href", "https://example.com/p"),
                Found("a", "href", "https://example.com/dir/page.html?q"),
            ]),
        Case(name: "javascript, mailto, tel and data dropped; others kept", html: """
            <a href="javascript:void(0)">j</a><a href="MAILTO:x@example.com">m</a><a href="tel:+1">t</a>
            <img src="data:image/png;base64,AAAA"><a href=" java\tscript:alert(1)">j2</a><a href="ftp://files.example.com/f">f</a>
            """, expected: [Found("a", "href", "ftp://files.example.com/f")]),
        Case(name: "links inside scripts, styles and comments are not links", html: """
            <script>document.write('<a href="/in-script">');</script>
            <style>a[href="/in-style"] {}</style>
            <!-- <a href="/in-comment">c</a> -->
            <a href="/real">r</a>
            """, expected: [Found("a", "href", "https://example.com/real")]),
        Case(name: "unclosed tags", html: "<div><p><a href=/one>one<p><a href=/two>two<li><a href=/three>three", expected: [
            Found("a", "href", "https://example.com/one"),
            Found("a", "href", "https://example.com/two"),
            Found("a", "href", "https://example.com/three"),
        ]),
        // `<a href="/y"<b>` is an a with href /y and an attribute named `<b`, as in browsers.
        Case(name: "stray angle brackets", html: "a < b <<a href=/x>x</a> > <a href=\"/y\"<b>y</b> <</a> <a href=/z>z", expected: [
            Found("a", "href", "https://example.com/x"),
            Found("a", "href", "https://example.com/y"),
            Found("a", "href", "https://example.com/z"),
        ]),
        Case(name: "NUL bytes", html: "<p>a\u{0}b<a href=\"/n\u{0}ul\">t\u{0}t</a><a href=/after>z</a>", expected: [
            Found("a", "href", "https://example.com/n%ef%bf%bdul"),
            Found("a", "href", "https://example.com/after"),
        ]),
        Case(name: "meta charset is ignored: the body is already UTF-8", html: """
            <meta charset="windows-1252"><a href="/déjà vu">é</a><a href="/ok">ok</a>
            """, expected: [
                Found("a", "href", "https://example.com/d%c3%a9j%c3%a0%20vu"),
                Found("a", "href", "https://example.com/ok"),
            ]),
        Case(name: "a Shift_JIS page as afetch decodes it", html: """
            <meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><a href="/日本語/ページ">日本語</a>
            """, expected: [
                Found("a", "href", "https://example.com/%e6%97%a5%e6%9c%ac%e8%aa%9e/%e3%83%9a%e3%83%bc%e3%82%b8"),
            ]),
        Case(name: "meta refresh forms", html: """
            <meta http-equiv="Refresh" content="0;URL='/quoted'"><meta http-equiv=refresh content="3">
            <meta http-equiv=refresh content="1, next.html"><meta name=refresh content="0; url=/no">
            """, expected: [
                Found("meta", "content", "https://example.com/quoted"),
                Found("meta", "content", "https://example.com/dir/next.html"),
            ]),
        Case(name: "dot segments and absolute links", html: """
            <a href="../../up/./x">1</a><a href="HTTP://Other.Example.org">2</a><a href="//cdn.example.net/lib.js">3</a>
            <a href="https://example.com:8443/a/../b?x=1">4</a>
            """, expected: [
                Found("a", "href", "https://example.com/up/x"),
                Found("a", "href", "http://Other.Example.org/"),
                Found("a", "href", "https://cdn.example.net/lib.js"),
                Found("a", "href", "https://example.com:8443/b?x=1"),
            ]),
    ]

    @Test(arguments: cases)
    func reportsTheLinksOfPage(_ page: Case) {
        #expect(links(in: page.html) == page.expected)
    }

    @Test func defaultTagsAreAnchorsAndAreas() {
        let html = #"<link href="/l"><a href="/a">a</a><img src="/i"><area href="/ar">"#
        #expect(links(in: html, options: ExtractionOptions()) == [
            Found("a", "href", "https://example.com/a"), Found("area", "href", "https://example.com/ar"),
        ])
    }

    @Test func tagsNarrowTheSet() throws {
        var options = ExtractionOptions()
        options.tags = try TagSelection(list: "img, LINK")
        let html = #"<link href="/l"><a href="/a">a</a><img src="/i">"#
        #expect(links(in: html, options: options) == [
            Found("link", "href", "https://example.com/l"), Found("img", "src", "https://example.com/i"),
        ])
        #expect(throws: UnknownTagError.self) { try TagSelection(list: "a,blink") }
    }

    @Test func anchorTextIsCollapsedAndCapped() {
        var options = ExtractionOptions()
        options.maxText = 12
        let html = """
            <a href=/1>  Hello,\n\t <b>wide</b>   world  </a><a href=/2><img src=x.png></a>\
            <a href=/3>ééééééééééééééé</a><a href=/4>abcdefghijk lmn</a><a href=/5>&lt;tag&gt; &amp; &quot;</a>\
            <a href=/6>abcdefghijkl  mn</a><a href=/7>abcdef <i>ghijkl</i> mn</a>
            """
        let texts = records(extract(lines: [pageRecord(html)], options: options).lines).map { $0["text"] as? String }
        #expect(texts == ["Hello, wide", "", "éééééééééééé", "abcdefghijk", "<tag> & \"", "abcdefghijkl", "abcdef ghijk"])
    }

    @Test func relAndNofollow() {
        let html = #"<a href=/1 rel="NoFollow noopener">1</a><a href=/2 rel=author>2</a><a href=/3>3</a>"#
        let found = records(extract(lines: [pageRecord(html)]).lines)
        #expect(found.map { $0["rel"] as? String } == ["NoFollow noopener", "author", nil])
        #expect(found.map { $0["nofollow"] as? Bool } == [true, nil, nil])
    }

    @Test func largePage() {
        // About 5 MB: 100,000 links, every one reported, in order.
        var html = "<html><body>"
        for i in 0..<100_000 { html += "<p>paragraph \(i) <a href=\"/p/\(i)\">link \(i)</a></p>\n" }
        html += "</body></html>"
        #expect(html.utf8.count > 5_000_000)
        let found = records(extract(lines: [pageRecord(html)]).lines)
        #expect(found.count == 100_000)
        #expect(found.first?["url"] as? String == "https://example.com/p/0")
        #expect(found.last?["url"] as? String == "https://example.com/p/99999")
        #expect(found.last?["text"] as? String == "link 99999")
    }

    @Test func randomBytesNeverStopTheExtractor() {
        // Deterministic noise rich in markup characters, NULs and broken UTF-8.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet: [UInt8] = Array("<>/=\"' a href=x.html#?&;:\n\t".utf8) + [0, 0x80, 0xC3, 0xE2, 0xFF]
        var lines: [String] = []
        for _ in 0..<200 {
            var body: [UInt8] = []
            for _ in 0..<2000 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                body.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            let line = json(["url": "https://e.example/", "ok": true, "content_type": "text/html",
                             "body_base64": Data(body).base64EncodedString()])
            lines.append(line)
        }
        let result = extract(lines: lines + [pageRecord("<a href=/last>last</a>")])
        #expect(result.errors.isEmpty)
        #expect(result.counts.pages == 201)
        #expect(records(result.lines).last?["url"] as? String == "https://example.com/last")
    }

    @Test func onePageDoesNotLeakIntoTheNext() {
        // An unterminated comment, script and anchor must end with their page.
        let lines = [
            pageRecord("<a href=/first>open anchor<!-- unterminated"),
            pageRecord("<script>var s = '", url: "https://example.com/b"),
            pageRecord("<a href=/third>third</a>", url: "https://example.com/c"),
        ]
        let found = records(extract(lines: lines).lines)
        #expect(found.map { $0["url"] as? String } == ["https://example.com/first", "https://example.com/third"])
        #expect(found.map { $0["text"] as? String } == ["open anchor", "third"])
    }
}
