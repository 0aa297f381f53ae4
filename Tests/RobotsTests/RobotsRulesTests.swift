import Testing
@testable import Robots

private func rules(_ text: String, agent: String = "acrawl") -> RobotsRules {
    RobotsRules(parsing: Array(text.utf8), userAgent: agent)
}

/// One robots.txt pattern against one path, with the verdict expected.
struct PatternCase: CustomStringConvertible, Sendable {
    let pattern: String
    let path: String
    let matches: Bool
    var description: String { "\(pattern) vs \(path)" }
}

/// Google's path-matching examples ("Robots.txt specification", section "URL matching based on
/// path values"), each turned into a lone Disallow line: a match means refused.
let googlePathExamples: [PatternCase] = {
    var cases: [PatternCase] = []
    func add(_ pattern: String, matching: [String], notMatching: [String]) {
        cases += matching.map { PatternCase(pattern: pattern, path: $0, matches: true) }
        cases += notMatching.map { PatternCase(pattern: pattern, path: $0, matches: false) }
    }
    add("/", matching: ["/", "/any/path", "/?q=1"], notMatching: [])
    add("/*", matching: ["/", "/any/path"], notMatching: [])
    add("/$", matching: ["/"], notMatching: ["/page.htm", "/?q=1"])
    let fishMatches = ["/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fishheads/yummy.html",
                       "/fish.php?id=anything"]
    let fishMisses = ["/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"]
    add("/fish", matching: fishMatches, notMatching: fishMisses)
    add("/fish*", matching: fishMatches, notMatching: fishMisses)
    add("/fish/", matching: ["/fish/", "/fish/?id=anything", "/fish/salmon.htm"],
        notMatching: ["/fish", "/fish.html", "/animals/fish/", "/Fish/Salmon.asp"])
    add("/*.php", matching: ["/index.php", "/filename.php", "/folder/filename.php",
                             "/folder/filename.php?parameters", "/folder/any.php.file.html", "/filename.php/"],
        notMatching: ["/", "/windows.PHP"])
    add("/*.php$", matching: ["/filename.php", "/folder/filename.php"],
        notMatching: ["/filename.php?parameters", "/filename.php/", "/filename.php5", "/windows.PHP"])
    add("/fish*.php", matching: ["/fish.php", "/fishheads/catfish.php?parameters"], notMatching: ["/Fish.PHP"])
    // RFC 9309 section 2.2.3: "$" and "*" anchor and wildcard; percent-encoded they are literal.
    add("/this/path/exactly$", matching: ["/this/path/exactly"], notMatching: ["/this/path/exactly/not"])
    add("/this/*/exactly", matching: ["/this/a/b/exactly", "/this//exactly"], notMatching: ["/this/exactly"])
    add("/path/file-with-a-%2A.html", matching: ["/path/file-with-a-*.html"], notMatching: ["/path/file-with-a-b.html"])
    add("/path/foo-%24", matching: ["/path/foo-$"], notMatching: ["/path/foo-"])
    return cases
}()

@Test(arguments: googlePathExamples)
func pathMatching(_ example: PatternCase) {
    let robots = rules("User-agent: *\nDisallow: \(example.pattern)\n")
    #expect(robots.allows(path: example.path) == !example.matches)
}

/// Google's order-of-precedence table: (allow, disallow, path, allowed).
let precedenceExamples: [(String, String, String, Bool)] = [
    ("/p", "/", "/page", true),
    ("/folder", "/folder", "/folder/page", true),
    ("/page", "/*.htm", "/page.htm", false),
    ("/page", "/*.ph", "/page.php5", true),
    ("/$", "/", "/", true),
    ("/$", "/", "/page.htm", false),
    // RFC 9309 section 2.2.2: the longest match wins, whatever the order of the lines.
    ("/example/page/", "/example/page/disallowed.gif", "/example/page/disallowed.gif", false),
    ("/example/page/", "/example/page/disallowed.gif", "/example/page/other.gif", true),
]

@Test(arguments: precedenceExamples)
func precedence(allow: String, disallow: String, path: String, allowed: Bool) {
    let allowFirst = rules("user-agent: *\nallow: \(allow)\ndisallow: \(disallow)\n")
    let disallowFirst = rules("user-agent: *\ndisallow: \(disallow)\nallow: \(allow)\n")
    #expect(allowFirst.allows(path: path) == allowed)
    #expect(disallowFirst.allows(path: path) == allowed)
}

/// RFC 9309 section 5.1, "Simple Example".
let rfcSimpleExample = """
    User-Agent: *
    Disallow: *.gif$
    Disallow: /example/
    Allow: /publications/

    User-Agent: foobot
    Disallow:/
    Allow:/example/page.html
    Allow:/example/allowed.gif

    User-Agent: barbot
    User-Agent: bazbot
    Disallow: /example/page.html

    User-Agent: quxbot

    EOF
    """

@Test(arguments: [
    ("foobot", "/example/page.html", true), ("foobot", "/example/allowed.gif", true),
    ("foobot", "/example/other.html", false), ("foobot", "/", false), ("foobot", "/publications/", false),
    ("barbot", "/example/page.html", false), ("barbot", "/example/other.html", true), ("barbot", "/a.gif", true),
    ("bazbot", "/example/page.html", false), ("bazbot", "/index.html", true),
    ("quxbot", "/example/page.html", true), ("quxbot", "/a.gif", true),
    ("otherbot", "/a.gif", false), ("otherbot", "/example/x", false), ("otherbot", "/publications/x", true),
    ("otherbot", "/index.html", true),
    ("FooBot/2.1 (+https://foo.example)", "/example/page.html", true), ("FOOBOT", "/", false),
])
func rfcSimpleExampleGroups(agent: String, path: String, allowed: Bool) {
    #expect(rules(rfcSimpleExample, agent: agent).allows(path: path) == allowed)
}

@Test func groupsNamingOurAgentAreMerged() {
    // RFC 9309 section 2.2.1: several groups for one product token combine into one.
    let robots = rules("""
        user-agent: acrawl
        disallow: /foo
        disallow: /bar

        user-agent: *
        disallow: /star

        user-agent: acrawl
        disallow: /baz
        """)
    for path in ["/foo", "/bar", "/baz/x"] { #expect(!robots.allows(path: path)) }
    #expect(robots.allows(path: "/star"))
}

@Test func noMatchingGroupAndNoStarAllowsEverything() {
    #expect(rules("user-agent: otherbot\ndisallow: /\n").allows(path: "/x"))
    #expect(rules("").allows(path: "/"))
}

@Test func rulesBeforeAnyUserAgentAreIgnored() {
    #expect(rules("disallow: /\nuser-agent: *\ndisallow: /private\n").allows(path: "/public"))
}

@Test func emptyDisallowMeansAllow() {
    #expect(rules("User-agent: *\nDisallow:\n").allows(path: "/anything"))
    #expect(rules("User-agent: *\nDisallow: # nothing\n").allows(path: "/anything"))
}

@Test func robotsTxtIsAlwaysAllowed() {
    let robots = rules("User-agent: *\nDisallow: /\n")
    #expect(robots.allows(path: "/robots.txt"))
    #expect(!robots.allows(path: "/robots.txt.bak"))
    #expect(RobotsRules.disallowAll.allows(path: "/robots.txt"))
}

/// RFC 9309 section 2.2.2's percent-encoding table, plus case-insensitive hex.
@Test(arguments: [
    ("/foo/bar?baz=quz", "/foo/bar?baz=quz"),
    ("/foo/bar?baz=https%3A%2F%2Ffoo.bar", "/foo/bar?baz=https%3a%2f%2ffoo.bar"),
    ("/foo/bar/\u{30C4}", "/foo/bar/%E3%83%84"),
    ("/foo/bar/%E3%83%84", "/foo/bar/\u{30C4}"),
    ("/foo/bar/%62%61%7A", "/foo/bar/baz"),
    ("/foo/bar/baz", "/foo/bar/%62%61%7A"),
    ("/%7ejoe/index.html", "/~joe/index.html"),
    ("/a%3cd.html", "/a%3Cd.html"),
])
func percentEncodingIsNormalisedOnBothSides(pattern: String, path: String) {
    let robots = rules("user-agent: *\ndisallow: \(pattern)$\n")
    #expect(!robots.allows(path: path))
}

@Test func encodedSlashIsNotASlash() {
    // %2F is reserved: it stays encoded, so it does not match "/" (RFC 3986 section 2.2).
    #expect(rules("user-agent: *\ndisallow: /a%2fb.html\n").allows(path: "/a/b.html"))
    #expect(rules("user-agent: *\ndisallow: /a/b.html\n").allows(path: "/a%2Fb.html"))
}

@Test func crawlDelayOfOurGroupOrStar() {
    let text = "user-agent: *\ncrawl-delay: 5\n\nuser-agent: acrawl\ncrawl-delay: 0.5\ndisallow: /x\n"
    #expect(rules(text).crawlDelay == 0.5)
    #expect(rules(text, agent: "other").crawlDelay == 5)
    #expect(rules("user-agent: *\ncrawl-delay: soon\n").crawlDelay == nil)
    #expect(rules("user-agent: *\ndisallow: /\n").crawlDelay == nil)
}

@Test func toleratesLineEndingsCommentsCaseBomAndGarbage() {
    let text: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("USER-AGENT : *\r\nDISALLOW /private # secret\rjunk line\n".utf8)
        + [0x00, 0xFF, 0xFE, 0x0A] + Array("sitemap: https://x/s.xml\nAllow: /private/ok\n".utf8)
        + Array(repeating: UInt8(ascii: "z"), count: 100_000) + [0x0A]
    let robots = RobotsRules(parsing: text, userAgent: "acrawl")
    #expect(!robots.allows(path: "/private/no"))
    #expect(robots.allows(path: "/private/ok"))
    #expect(robots.allows(path: "/public"))
}

@Test func onlyTheFirst500KiBAreParsed() {
    var text = Array("user-agent: *\ndisallow: /early\n".utf8)
    text += Array(repeating: UInt8(ascii: "#"), count: RobotsRules.parseLimit) + [0x0A]
    text += Array("disallow: /late\n".utf8)
    let robots = RobotsRules(parsing: text, userAgent: "acrawl")
    #expect(!robots.allows(path: "/early"))
    #expect(robots.allows(path: "/late"))
}

@Test func aLineCutByTheLimitIsDropped() {
    var text = Array("user-agent: *\n".utf8)
    text += Array(repeating: UInt8(ascii: " "), count: RobotsRules.parseLimit - text.count - 12)
    text += Array("disallow: /abcdefgh\n".utf8)  // the limit falls inside this line
    #expect(RobotsRules(parsing: text, userAgent: "acrawl").allows(path: "/abc"))
}

@Test func pathologicalPatternsStayCheap() {
    let pattern = String(repeating: "*a", count: 200) + "$"
    let robots = rules("user-agent: *\ndisallow: /\(pattern)\n")
    #expect(robots.allows(path: "/" + String(repeating: "a", count: 10_000) + "b"))
}

@Test(arguments: [
    (Int?.some(200), RobotsVerdict.parse), (204, .parse), (301, .allowAll), (401, .allowAll),
    (403, .allowAll), (404, .allowAll), (429, .allowAll), (500, .disallowAll), (503, .disallowAll),
    (nil, .disallowAll),
])
func statusVerdicts(status: Int?, verdict: RobotsVerdict) {
    #expect(RobotsVerdict(status: status) == verdict)
}

@Test func statusRules() {
    let body = Array("user-agent: *\ndisallow: /private\n".utf8)
    #expect(!RobotsRules(status: 200, body: body, userAgent: "acrawl").allows(path: "/private"))
    #expect(RobotsRules(status: 404, body: body, userAgent: "acrawl").allows(path: "/private"))
    #expect(!RobotsRules(status: 503, body: body, userAgent: "acrawl").allows(path: "/"))
    #expect(!RobotsRules(status: nil, body: [], userAgent: "acrawl").allows(path: "/"))
}
