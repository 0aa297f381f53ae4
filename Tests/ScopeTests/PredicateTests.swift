import Testing
@testable import Scope

/// A link record from `from` to `url`, with optional extra members.
func link(_ url: String, from: String = "https://example.com/", _ extra: String = "") -> String {
    #"{"url":"\#(url)","from":"\#(from)","depth":1\#(extra.isEmpty ? "" : "," + extra)}"#
}

/// Options built by a closure, for table rows.
func options(_ set: (inout FilterOptions) throws -> Void) rethrows -> FilterOptions {
    var options = FilterOptions()
    try set(&options)
    return options
}

/// One row: options, a line, and whether it is kept.
struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let options: FilterOptions
    let line: String
    let kept: Bool

    init(_ name: String, _ options: FilterOptions, _ line: String, _ kept: Bool) {
        self.name = name
        self.options = options
        self.line = line
        self.kept = kept
    }

    var testDescription: String { "\(name): \(line)" }
}

let scopeCases: [Case] = [
    // --same-host: host and port; the default port is no port; case does not matter.
    Case("same host", options { $0.sameHost = true }, link("https://example.com/a"), true),
    Case("other host", options { $0.sameHost = true }, link("https://www.example.com/a"), false),
    Case("host case", options { $0.sameHost = true }, link("HTTPS://EXAMPLE.com/a"), true),
    Case("default port", options { $0.sameHost = true }, link("https://example.com:443/a"), true),
    Case("other port", options { $0.sameHost = true }, link("https://example.com:8443/a"), false),
    Case("http vs https", options { $0.sameHost = true }, link("http://example.com/a"), true),
    Case("userinfo ignored", options { $0.sameHost = true }, link("https://u:p@example.com/a"), true),
    Case("IPv6 literal", options { $0.sameHost = true }, link("http://[::1]:8080/a", from: "http://[0:0::1]:8080/"), true),
    Case("IPv4 forms", options { $0.sameHost = true }, link("http://127.1/", from: "http://127.0.0.1/"), true),
    Case("percent-encoded host", options { $0.sameHost = true }, link("http://%65xample.com/", from: "http://example.com/"), true),
    Case("escaped slashes", options { $0.sameHost = true }, link(#"https:\/\/example.com\/a"#), true),
    Case("mailto", options { $0.sameHost = true }, link("mailto:a@example.com"), false),
    Case("mailto inverted", options { $0.sameHost = true; $0.invert = true }, link("mailto:a@example.com"), true),
    Case("not a URL", options { $0.sameHost = true }, link("http://a b/", from: "http://a b/"), false),
    Case("mailto scheme", options { $0.schemes = ["mailto"] }, link("MailTo:a@example.com"), true),
    // --same-origin adds the scheme.
    Case("same origin", options { $0.sameOrigin = true }, link("https://example.com/b"), true),
    Case("other scheme", options { $0.sameOrigin = true }, link("http://example.com/b"), false),
    Case("other origin port", options { $0.sameOrigin = true }, link("https://example.com:444/b"), false),
    // --same-domain: registrable domains by the Public Suffix List.
    Case("co.uk siblings", options { $0.sameDomain = true }, link("https://a.example.co.uk/", from: "https://b.example.co.uk/x"), true),
    Case("co.uk strangers", options { $0.sameDomain = true }, link("https://example.co.uk/", from: "https://other.co.uk/"), false),
    Case("subdomain", options { $0.sameDomain = true }, link("https://www.example.com/"), true),
    Case("github.io is private", options { $0.sameDomain = true }, link("https://a.github.io/", from: "https://b.github.io/"), false),
    Case("github.io same", options { $0.sameDomain = true }, link("https://x.a.github.io/", from: "https://a.github.io/"), true),
    Case("IDN", options { $0.sameDomain = true }, link("https://www.bücher.de/", from: "https://shop.bücher.de/"), true),
    Case("IDN vs other", options { $0.sameDomain = true }, link("https://www.bücher.de/", from: "https://www.buecher.de/"), false),
    Case("IP literal", options { $0.sameDomain = true }, link("http://10.0.0.1/", from: "http://10.0.0.2/"), false),
    Case("IP literal same", options { $0.sameDomain = true }, link("http://10.0.0.1:81/", from: "http://10.0.0.1/"), true),
    Case("public suffix itself", options { $0.sameDomain = true }, link("https://co.uk/", from: "https://co.uk/a"), true),
    // Fixed scope.
    Case("--host", options { $0.hosts = ["a.example", "Example.COM"] }, link("https://EXAMPLE.com:8080/"), true),
    Case("--host miss", options { $0.hosts = ["a.example"] }, link("https://b.example/"), false),
    Case("--domain itself", options { $0.domains = ["example.com"] }, link("https://example.com/"), true),
    Case("--domain below", options { $0.domains = ["example.com"] }, link("https://a.b.example.com/"), true),
    Case("--domain lookalike", options { $0.domains = ["example.com"] }, link("https://badexample.com/"), false),
    Case("--scheme", options { $0.schemes = ["http", "https"] }, link("HTTP://example.com/"), true),
    Case("--scheme miss", options { $0.schemes = ["https"] }, link("ftp://example.com/"), false),
    // Patterns on url.
    Case("--include", options { $0.includes = ["/blog/[0-9]+$", "^https://x"] }, link("https://example.com/blog/12"), true),
    Case("--include miss", options { $0.includes = ["/blog/[0-9]+$"] }, link("https://example.com/blog/x"), false),
    Case("--exclude", options { $0.excludes = ["\\?", "logout"] }, link("https://example.com/a?b"), false),
    Case("--exclude miss", options { $0.excludes = ["logout"] }, link("https://example.com/a"), true),
    Case("--ext", options { $0.extensions = ["html", "php"] }, link("https://example.com/a/B.HTML?x=1.jpg"), true),
    Case("--ext miss", options { $0.extensions = ["html"] }, link("https://example.com/a.jpg"), false),
    Case("--ext none", options { $0.extensions = ["", "html"] }, link("https://example.com/dir/"), true),
    Case("--ext dotted dir", options { $0.extensions = ["html"] }, link("https://example.com/v1.2/page"), false),
    Case("--no-ext", options { $0.excludedExtensions = ["jpg", "pdf"] }, link("https://example.com/a.pdf#p2"), false),
    Case("--no-ext miss", options { $0.excludedExtensions = ["jpg"] }, link("https://example.com/a.html"), true),
    // Fields.
    Case("--max-depth", options { $0.maxDepth = 1 }, link("https://example.com/"), true),
    Case("--max-depth over", options { $0.maxDepth = 0 }, link("https://example.com/"), false),
    Case("--status class", options { $0.statuses = try! StatusSet(parsing: "2xx,404") }, #"{"status":204}"#, true),
    Case("--status code", options { $0.statuses = try! StatusSet(parsing: "2xx,404") }, #"{"status":404}"#, true),
    Case("--status miss", options { $0.statuses = try! StatusSet(parsing: "2xx,404") }, #"{"status":301}"#, false),
    Case("--status null", options { $0.statuses = try! StatusSet(parsing: "2xx") }, #"{"status":null}"#, false),
    Case("--ok", options { $0.ok = true }, #"{"ok":true}"#, true),
    Case("--ok false", options { $0.ok = true }, #"{"ok":false}"#, false),
    Case("--failed", options { $0.ok = false }, #"{"ok":false}"#, true),
    Case("--has", options { $0.requiredFields = [try! FieldPath("rel")] }, link("https://example.com/", #""rel":"next""#), true),
    Case("--has null", options { $0.requiredFields = [try! FieldPath("rel")] }, link("https://example.com/", #""rel":null"#), true),
    Case("--has miss", options { $0.requiredFields = [try! FieldPath("rel")] }, link("https://example.com/"), false),
    Case("--has path", options { $0.requiredFields = [try! FieldPath("timing.ttfb_ms")] }, #"{"timing":{"ttfb_ms":3}}"#, true),
    Case("--has path miss", options { $0.requiredFields = [try! FieldPath("timing.dns_ms")] }, #"{"timing":{"ttfb_ms":3}}"#, false),
    Case("--where string", options { $0.equalities = [try! FieldEquality(parsing: "tag=a")] }, #"{"tag":"a"}"#, true),
    Case("--where escaped", options { $0.equalities = [try! FieldEquality(parsing: "tag=a\"b")] }, #"{"tag":"a\"b"}"#, true),
    Case("--where miss", options { $0.equalities = [try! FieldEquality(parsing: "tag=a")] }, #"{"tag":"img"}"#, false),
    Case("--where number", options { $0.equalities = [try! FieldEquality(parsing: "depth=2")] }, #"{"depth":2}"#, true),
    Case("--where bool", options { $0.equalities = [try! FieldEquality(parsing: "ok=true")] }, #"{"ok":true}"#, true),
    Case("--where path", options { $0.equalities = [try! FieldEquality(parsing: "error.kind=dns")] }, #"{"error":{"kind":"dns"}}"#, true),
    Case("--where url", options { $0.equalities = [try! FieldEquality(parsing: "url=https://example.com/")] }, link("https://example.com/"), true),
    // --invert negates the conjunction.
    Case("--invert keeps", options { $0.sameHost = true; $0.invert = true }, link("https://other.example/"), true),
    Case("--invert drops", options { $0.sameHost = true; $0.invert = true }, link("https://example.com/x"), false),
    Case("--invert conjunction", options { $0.sameHost = true; $0.maxDepth = 0; $0.invert = true }, link("https://example.com/x"), true),
    Case("escaped key", options { $0.sameHost = true }, #"{"\u0075rl":"https://example.com/a","fr\u006fm":"https://example.com/"}"#, true),
    // No predicate keeps every object.
    Case("no predicates", FilterOptions(), #"{}"#, true),
]

@Suite struct PredicateTests {
    @Test(arguments: scopeCases)
    func predicate(_ row: Case) throws {
        let filter = try RecordFilter(row.options)
        #expect(filter.decide(row.line) == (row.kept ? .keep : .drop))
    }

    @Test(arguments: [
        (options { $0.sameHost = true }, "not json", "not a JSON object"),
        (options { $0.sameHost = true }, "[1,2]", "not a JSON object"),
        (options { $0.sameHost = true }, #"{"url":"https://a/"}"#, "no field from"),
        (options { $0.sameHost = true }, #"{"url":7,"from":"https://a/"}"#, "field url is not a string"),
        (options { $0.maxDepth = 2 }, #"{"depth":"2"}"#, "field depth is not an integer"),
        (options { $0.ok = true }, #"{"url":"x"}"#, "no field ok"),
        (options { $0.equalities = [try! FieldEquality(parsing: "tag=a")] }, #"{"url":"x"}"#, "no field tag"),
        (options { $0.unique = true }, #"{"from":"x"}"#, "no field url"),
        (options { $0.key = try! FieldPath("id") }, #"{"url":"x"}"#, "no field id"),
        (options { $0.shard = try! Shard(parsing: "1/2") }, #"{"depth":1}"#, "no field url"),
    ] as [(FilterOptions, String, String)])
    func invalidLines(_ options: FilterOptions, _ line: String, _ reason: String) throws {
        let filter = try RecordFilter(options)
        guard case .invalid(let problem) = filter.decide(line) else {
            Issue.record("\(line) should be invalid")
            return
        }
        #expect(problem.description.hasPrefix(reason), "\(problem)")
    }

    @Test func invalidBeatsInvert() throws {
        // A line missing a needed field is invalid whatever --invert says.
        let filter = try RecordFilter(options { $0.sameHost = true; $0.invert = true })
        #expect(filter.decide(#"{"url":"https://a/"}"#) == .invalid(.missingField("from")))
    }

    @Test func badRegexIsAnOptionError() {
        #expect(throws: FilterOptionError.self) { try RecordFilter(options { $0.includes = ["(a"] }) }
    }
}

@Suite struct OptionParsingTests {
    @Test(arguments: ["1/1", "1/4", "4/4", "2/3"])
    func validShards(_ text: String) throws {
        let shard = try Shard(parsing: text)
        #expect("\(shard.index)/\(shard.count)" == text)
    }

    @Test(arguments: ["3/2", "0/4", "1/0", "1", "a/b", "1/2/3", "-1/2", ""])
    func invalidShards(_ text: String) {
        #expect(throws: FilterOptionError.self) { try Shard(parsing: text) }
    }

    @Test(arguments: [("2xx", 200, true), ("2xx", 299, true), ("2xx", 300, false), ("2XX,404", 404, true),
                      ("301", 301, true), ("301", 302, false), ("1xx,5xx", 503, true)])
    func statuses(_ text: String, _ status: Int, _ included: Bool) throws {
        #expect(try StatusSet(parsing: text).contains(status) == included)
    }

    @Test(arguments: ["", "2x", "6xx", "99", "600", "2xx,", "abc", "0xx", "2000"])
    func invalidStatuses(_ text: String) {
        #expect(throws: FilterOptionError.self) { try StatusSet(parsing: text) }
    }

    @Test func whereSplitsAtTheFirstEquals() throws {
        let equality = try FieldEquality(parsing: "url=https://a/?x=1")
        #expect(equality.field.components == ["url"])
        #expect(equality.value == "https://a/?x=1")
        #expect(throws: FilterOptionError.self) { try FieldEquality(parsing: "no-equals") }
        #expect(throws: FilterOptionError.self) { try FieldEquality(parsing: "a..b=1") }
    }

    @Test(arguments: [("/a/b.HTML", "html"), ("/a/b", ""), ("/", ""), ("/a.b/c", ""), ("/.htaccess", ""),
                      ("/a.tar.gz", "gz"), ("/a.", "")])
    func extensions(_ path: String, _ expected: String) {
        #expect(pathExtension(Array(path.utf8)) == Array(expected.utf8))
    }
}
