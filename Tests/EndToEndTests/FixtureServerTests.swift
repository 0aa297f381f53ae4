import FixtureSite
import Foundation
import Testing
import TestSupport
import URLs

/// The built `acrawl-fixture`: its lifecycle, its log, its load, and the site
/// it serves checked against the generator with an independent link scan.
@Suite struct FixtureServerTests {
    @Test func printsItsPortAndServes() throws {
        let fixture = try Fixture()
        #expect(fixture.port > 0)
        let answer = try httpGet(port: fixture.port, path: "/")
        #expect(answer.status == 200)
        #expect(String(decoding: answer.body, as: UTF8.self).contains("<title>site.test index</title>"))
    }

    @Test func exitsWhenStandardInputCloses() throws {
        let server = try StartedServer()
        try server.stdin.fileHandleForWriting.close()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func exitsOnSignal(signal: Int32) throws {
        let server = try StartedServer()
        kill(server.process.processIdentifier, signal)
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        try? server.stdin.fileHandleForWriting.close()
    }

    @Test func holds256ConnectionsAtOnce() throws {
        let fixture = try Fixture()
        let expected = Site().response(host: "127.0.0.1", path: "/p/5.html").body
        // All 256 open before any is read.
        let connections = try (0..<256).map { _ in try RawConnection(port: fixture.port) }
        for connection in connections {
            try connection.send("GET /p/5.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        }
        for connection in connections {
            let answer = try connection.readResponse()
            #expect(answer.status == 200)
            #expect(answer.body == expected)
        }
        #expect(try fixture.requests(withPrefix: "/p/5.html").count == 256)
    }

    @Test func serves256ConcurrentClients() throws {
        let fixture = try Fixture()
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 256) { index in
            let status = (try? RawConnection(port: fixture.port).request("/p/\(index).html").message?.status) ?? 0
            statuses.add(status)
        }
        #expect(statuses.all == Array(repeating: 200, count: 256))
        #expect(try fixture.requests(withPrefix: "/p/").count == 256)
    }

    @Test func logAndCountSeeEveryRequest() throws {
        let fixture = try Fixture()
        let key = "e2e"
        for _ in 0..<3 { _ = try httpGet(port: fixture.port, path: "/fault/flaky/\(key)?fail=2") }
        _ = try httpGet(port: fixture.port, path: "/p/1.html", host: "a.site.test")
        let flaky = try fixture.requests(withPrefix: "/fault/flaky/\(key)")
        #expect(flaky.count == 3)
        #expect(flaky.allSatisfy { $0["method"] as? String == "GET" && $0["t_ms"] is Double })
        let log = try fixture.requestLog()
        #expect(log.count == 4)
        #expect(log.last?["host"] as? String == "a.site.test")
        let count = try httpGet(port: fixture.port, path: "/_count?prefix=/fault/flaky/\(key)")
        #expect(String(decoding: count.body, as: UTF8.self) == "{\"count\":3}\n")
    }

    /// Pages of every kind: index, children, base pages, a large page, the last page, the small hosts.
    static let samplePages: [(host: String, path: String)] = {
        let main = ["/", "/p/250.html", "/p/253.html", "/p/1999.html"] + (0..<80).map { "/p/\($0).html" }
        let a = (0..<12).map { "/p/\($0).html" }
        return main.map { ("127.0.0.1", $0) } + a.map { ("a.site.test", $0) } + [("b.site.test", "/"), ("b.site.test", "/p/29.html")]
    }()

    @Test func linksAgreeWithTheServedHTML() throws {
        let fixture = try Fixture()
        let site = Site()
        for page in Self.samplePages {
            let result = try RawConnection(port: fixture.port).request(page.path, host: "\(page.host):\(fixture.port)")
            let html = try #require(result.message).text
            let pageURL = try WebURL("http://\(page.host):\(fixture.port)\(page.path)")
            let scan = scanLinks(html)
            let base = try scan.base.map { try pageURL.resolving($0) } ?? pageURL
            let found = try scan.hrefs.map { try base.resolving($0).withoutFragment }
            let expected = site.links(host: page.host, path: page.path, port: fixture.port)
            #expect(!expected.isEmpty)
            #expect(found == expected, "\(page.host)\(page.path)")
        }
    }

    @Test func dumpWritesTheSiteAsFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-dump-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try runTool("acrawl-fixture", ["--dump", directory, "--pages", "40", "--port", "8080"])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let site = Site(pages: 40)
        for (file, path) in [("index.html", "/"), ("p/0.html", "/p/0.html"), ("p/39.html", "/p/39.html"), ("img/7.png", "/img/7.png")] {
            let written = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            #expect(Array(written) == site.response(host: "site.test:8080", path: path).body, "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/p/40.html"))
    }

    @Test func helpListsEveryRoute() throws {
        let help = try runTool("acrawl-fixture", ["--help"])
        #expect(help.status == 0)
        let text = String(decoding: help.stdout, as: UTF8.self)
        for route in ["/_log", "/_count", "/_reset", "/echo", "/robots.txt", "/fault/status/", "/fault/flaky/",
                      "/fault/retry-after/", "/fault/delay/", "/fault/drip", "/fault/reset;", "/fault/reset-mid",
                      "/fault/truncate", "/fault/huge", "/fault/gzip?", "/fault/gzip-bomb", "/fault/redirect/",
                      "/fault/loop", "/fault/redirect-to", "/fault/charset/", "/fault/binary", "/fault/hang",
                      "/fault/headers", "/fault/big-header", "/fault/content-length", "/fault/chunked-bad",
                      "/fault/http09", "--port", "--pages", "--dump", "--host"] {
            #expect(text.contains(route), "--help lacks \(route)")
        }
    }

    @Test(arguments: [["--port", "70000"], ["--pages", "-1"], ["--bogus"]])
    func usageErrorsExit2(arguments: [String]) throws {
        let result = try runTool("acrawl-fixture", arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
    }
}

/// A server started directly, so a test can close its stdin or signal it.
private struct StartedServer {
    let process = Process()
    let stdin = Pipe()

    init() throws {
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: BuiltTools.path("acrawl-fixture"))
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while let byte = try stdout.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line.append(byte)
        }
        guard Int(String(decoding: line, as: UTF8.self)) != nil else { throw FixtureError("no port line") }
    }
}

/// Statuses collected from many threads.
private final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []

    func add(_ status: Int) {
        lock.lock()
        values.append(status)
        lock.unlock()
    }

    var all: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}

/// The `<base href>` and every `<a href>` value of `html`, in document order,
/// by a plain scan of tags (case-insensitive names, either quote), `&amp;` decoded.
func scanLinks(_ html: String) -> (base: String?, hrefs: [String]) {
    let bytes = Array(html.utf8)
    let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    var base: String?
    var hrefs: [String] = []
    var index = 0
    while index < lower.count {
        guard lower[index] == UInt8(ascii: "<"), let end = lower[index...].firstIndex(of: UInt8(ascii: ">")) else {
            index += 1
            continue
        }
        let tag = lower[(index + 1)..<end]
        let name = tag.prefix { $0 != UInt8(ascii: " ") }
        if name.elementsEqual("a".utf8) || name.elementsEqual("base".utf8),
           let value = attribute("href", in: tag, original: bytes) {
            if name.elementsEqual("a".utf8) { hrefs.append(value) } else if base == nil { base = value }
        }
        index = end + 1
    }
    return (base, hrefs)
}

/// The quoted value of attribute `name` in a tag's bytes.
private func attribute(_ name: String, in tag: ArraySlice<UInt8>, original: [UInt8]) -> String? {
    let key = Array(" \(name)=".utf8)
    guard let start = tag.indices.first(where: { tag[$0...].starts(with: key) }) else { return nil }
    let quoteIndex = start + key.count
    guard quoteIndex < tag.endIndex else { return nil }
    let quote = tag[quoteIndex]
    guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'"),
          let close = tag[(quoteIndex + 1)...].firstIndex(of: quote) else { return nil }
    let value = String(decoding: original[(quoteIndex + 1)..<close], as: UTF8.self)
    return value.replacingOccurrences(of: "&amp;", with: "&")
}
