import FixtureSite
import Foundation
import Testing
import TestSupport
import URLs

/// alinks over pages fetched from the fixture server, checked against the
/// generator's own link lists and against an independent reference scanner.
@Suite struct AlinksTests {
    /// Pages of the generated site; 260 includes a large page (250) and
    /// pages with `<base href>` (3, 28, 53, ...).
    private static let pages = 260

    @Test func fixtureSiteLinksMatchTheGeneratorAndAReferenceScan() throws {
        let fixture = try Fixture(arguments: ["--pages", "\(Self.pages)"])
        let paths = ["/"] + (0..<Self.pages).map { "/p/\($0).html" }
        let fetched = try runTool("afetch", ["-q"], input: paths.map { fixture.url($0) }.joined(separator: "\n") + "\n")
        #expect(fetched.status == 0)
        let pageRecords = fetched.records
        #expect(pageRecords.count == paths.count)

        let result = try run(BuiltTools.path("alinks"), [], input: fetched.stdout)
        #expect(result.status == 0)
        #expect(result.stderr == "alinks: \(paths.count) pages, \(result.lines.count) links, 0 records skipped\n")
        var reported: [String: Set<String>] = [:]
        for link in result.records {
            #expect(link["tag"] as? String == "a" && link["attr"] as? String == "href")
            reported[link["from"] as? String ?? "", default: []].insert(link["url"] as? String ?? "")
        }

        let site = Site(pages: Self.pages)
        var mismatches: [String] = []
        for record in pageRecords {
            let finalURL = try #require(record["final_url"] as? String)
            let body = try #require(record["body"] as? String)
            let path = try WebURL(finalURL).path
            let generated = Set(site.links(host: "127.0.0.1", path: path, port: fixture.port))
            let scanned = try referenceLinks(in: body, pageURL: finalURL)
            let found = reported[finalURL] ?? []
            #expect(!generated.isEmpty, "\(path)")
            if found != generated || found != scanned {
                mismatches.append("\(path): alinks \(found.sorted())\n  generator \(generated.sorted())\n  reference \(scanned.sorted())")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test func pagesFlagPassesFetchRecordsOnWithoutBodies() throws {
        let fixture = try Fixture(arguments: ["--pages", "20"])
        let result = try runShell("afetch -q | alinks -q --pages --carry status", input: fixture.url("/p/1.html") + "\n")
        let records = result.records
        #expect(result.status == 0)
        #expect(records.first?["status"] as? Int == 200 && records.first?["body"] == nil)
        #expect(records.first?["url"] as? String == fixture.url("/p/1.html"))
        #expect(records.count > 1)
        #expect(records.dropFirst().allSatisfy { $0["status"] as? Int == 200 && $0["depth"] as? Int == 1 })
    }

    /// Pages at an IPv4 address with a port, and their links, resolve without libcurl:
    /// with a stub in its place, alinks still succeeds and writes every link.
    @Test func resolvesLinksOfAnAddressAndPortWithoutLibcurl() throws {
        let directory = try stubLibcurlDirectory("alinks")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let body = "<a href='b.html'>b</a> <a href='/c?x=1'>c</a> <a href='http://10.0.0.1:81/d'>d</a>"
        let page = #"{"url":"http://127.0.0.1:8080/dir/a.html","status":200,"body":"\#(body)"}"#
        let result = try runShell("alinks", input: page + "\n", environment: ["LD_LIBRARY_PATH": directory])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.records.map { $0["url"] as? String } == [
            "http://127.0.0.1:8080/dir/b.html", "http://127.0.0.1:8080/c?x=1", "http://10.0.0.1:81/d",
        ])
    }

    /// A page that needs libcurl, with a stub in libcurl's place, ends alinks with status 70
    /// and says why, after the records of every page before it: on worker threads too, where
    /// the reading thread writes the batches before and then ends the process.
    @Test func aLibcurlThatCannotLoadEndsAlinksAfterThePagesBefore() throws {
        let directory = try stubLibcurlDirectory("alinks-fatal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let body = (0..<30).map { "<a href='/p/\($0).html'>x</a>" }.joined()
        let page = { (url: String) in #"{"url":"\#(url)","status":200,"body":"\#(body)"}"# }
        let before = (0..<400).map { page("http://127.0.0.1:8080/a/\($0).html") } + ["not json"]
        let after = (0..<400).map { page("http://127.0.0.1:8080/b/\($0).html") }
        // An IPv6 host is not on the resolver's fast path.
        let input = (before + [page("http://[::1]:8080/c.html")] + after).joined(separator: "\n") + "\n"
        let environment = ["LD_LIBRARY_PATH": directory]
        let one = try runShell("alinks --threads 1", input: input, environment: environment)
        #expect(one.status == 70)
        #expect(one.stderr.contains("alinks: libcurl.so.4 has no curl_url"), "\(one.stderr)")
        #expect(one.stderr.contains("line 401: "), "\(one.stderr)")
        #expect(one.lines.count == 400 * 30)
        for threads in [2, 3] {
            let many = try runShell("alinks --threads \(threads)", input: input, environment: environment)
            #expect(many.status == 70)
            #expect(many.stdout == one.stdout)
            #expect(many.stderr.contains("line 401: "), "\(many.stderr)")
            #expect(many.stderr.contains("alinks: libcurl.so.4 has no curl_url"), "\(many.stderr)")
        }
    }

    @Test func base64BodiesGiveTheSameLinks() throws {
        let fixture = try Fixture(arguments: ["--pages", "40"])
        let urls = (0..<40).map { fixture.url("/p/\($0).html") }.joined(separator: "\n") + "\n"
        let text = try runShell("afetch -q --ordered | alinks -q", input: urls)
        let base64 = try runShell("afetch -q --ordered --body base64 | alinks -q", input: urls)
        #expect(text.lines.count > 40)
        #expect(base64.lines == text.lines)
    }

    @Test func usageErrorsExitTwo() throws {
        for arguments in [["--tags", "a,blink"], ["--all", "--tags", "a"], ["--carry", "url"], ["--max-text", "-1"], ["--threads", "0"]] {
            let result = try runTool("alinks", arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(!result.stderr.isEmpty)
        }
    }

    /// Pages parsed on several threads give exactly what one thread gives: the same records in
    /// the same order, the same warnings with the same line numbers, the same counts.
    @Test(arguments: [["--threads", "2"], ["--threads", "5", "--pages", "--all", "--unique"]])
    func threadsChangeNothingButSpeed(arguments: [String]) throws {
        let fixture = try Fixture(arguments: ["--pages", "\(Self.pages)"])
        let urls = (0..<Self.pages).map { fixture.url("/p/\($0).html") }.joined(separator: "\n") + "\n"
        var input = try runTool("afetch", ["-q", "--ordered"], input: urls).stdout
        input.append(contentsOf: Array("not json\n{\"url\":\"http://x/\",\"ok\":false}\n".utf8))
        // A page over 1 MiB, which the reading thread parses itself while the workers wait.
        let big = (0..<40_000).map { "<a href='/big/\($0)'>link \($0)</a>" }.joined()
        input.append(contentsOf: Array("{\"url\":\"http://x/\",\"content_type\":\"text/html\",\"body\":\"\(big)\"}\n".utf8))
        input.append(input)   // again, after the broken lines and the large page
        let single = try run(BuiltTools.path("alinks"), arguments.dropFirst(2) + ["--threads", "1"], input: input)
        let threaded = try run(BuiltTools.path("alinks"), arguments, input: input)
        #expect(single.lines.count > Self.pages + 80_000)
        #expect(threaded.stdout == single.stdout)
        #expect(threaded.stderr == single.stderr)
        #expect(single.stderr.contains("line \(Self.pages + 1): "))
    }

    @Test func brokenLinesAreReportedWithTheirNumberAndSkipped() throws {
        let page = #"{"url":"http://h.example/","ok":true,"content_type":"text/html","body":"<a href=/x>x</a>"}"#
        let result = try runTool("alinks", [], input: "\(page)\n{broken\n\(page)\n")
        #expect(result.status == 0)
        #expect(result.lines.count == 2)
        #expect(result.stderr.hasPrefix("alinks: line 2: invalid JSON"))
        #expect(result.stderr.hasSuffix("alinks: 2 pages, 2 links, 1 records skipped (1 not JSON)\n"))
        #expect(try runTool("alinks", ["-q"], input: "{broken\n").stderr.isEmpty)
    }

    /// The reference: a plain attribute scan for `<a ... href=...>` (any quoting,
    /// any case), the five predefined entities decoded, the fragment cut, and
    /// the URL module's resolver against `<base href>` or the page's URL.
    private func referenceLinks(in html: String, pageURL: String) throws -> Set<String> {
        let attribute = #"\s+href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"#
        let anchor = try NSRegularExpression(pattern: "<a\\b[^>]*?" + attribute, options: [.caseInsensitive])
        let base = try NSRegularExpression(pattern: "<base\\b[^>]*?" + attribute, options: [.caseInsensitive])
        let text = html as NSString
        func value(_ match: NSTextCheckingResult) -> String {
            let range = (1...3).map { match.range(at: $0) }.first { $0.location != NSNotFound }!
            return text.substring(with: range)
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var baseURL = try WebURL(pageURL)
        if let match = base.firstMatch(in: html, range: NSRange(location: 0, length: text.length)) {
            baseURL = try baseURL.resolving(value(match))
        }
        var links: Set<String> = []
        for match in anchor.matches(in: html, range: NSRange(location: 0, length: text.length)) {
            let href = String(value(match).prefix { $0 != "#" })
            guard !href.isEmpty else { continue }
            links.insert(try baseURL.resolving(href).withoutFragment)
        }
        return links
    }
}
