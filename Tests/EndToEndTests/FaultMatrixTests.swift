import Foundation
import Testing
import TestSupport

/// The fault matrix of issue 9: every fault the fixture server can commit (and
/// the network faults around it), crossed with `-c 1`, `-c 64` and `--ordered`,
/// without retries and with them. Each input must give exactly one record with
/// the error kind man/afetch.1 documents, `attempts` must equal what the server
/// logged, and every run ends by afetch's own short timeouts, never a test's.
@Suite struct FaultMatrixTests {
    /// How afetch schedules: one at a time, many at once, or many in input order.
    enum Mode: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case one = "-c 1"
        case many = "-c 64"
        case ordered = "--ordered -c 64"

        var flags: [String] {
            switch self {
            case .one: ["-c", "1"]
            case .many: ["-c", "64", "--per-host", "64"]
            case .ordered: ["--ordered", "-c", "64", "--per-host", "64"]
            }
        }

        var testDescription: String { rawValue }
    }

    /// Without retries, and with two after a 1 ms backoff.
    static let retryCounts = [0, 2]

    /// Every run's limits: short timeouts bound each attempt, so no fault can hang a run.
    /// No bodies: formatting megabytes of them in a debug build would hold up the
    /// engine's one thread long enough for loaded machines to see false timeouts.
    static func flags(_ mode: Mode, retries: Int) -> [String] {
        ["-q", "-t", "2", "--connect-timeout", "1", "--max-body", "1M", "--body", "none",
         "--retries", String(retries), "--backoff", "1"]
            + mode.flags
    }

    // MARK: - The faults

    /// One fault and what afetch must make of it.
    struct Fault: Sendable {
        /// A path on the fixture (`KEY` becomes a key of the input's own), or a whole
        /// URL where `PORT` is the fixture's port and `DEAD` a port nothing listens on.
        let target: String
        /// The documented error kind; nil for a record that is ok.
        let kind: String?
        /// Whether the kind is retried (connect, reset, timeout, a --retry-on status).
        var retried = false
        /// Whether the fault passes after one failure, so a retry makes the record ok.
        var recoversOnRetry = false
        /// Whether each attempt reaches the server as a request it logs.
        var reachesServer = true
        /// The body length an ok record must report, when it matters.
        var length: Int?
    }

    static let faults: [Fault] = [
        Fault(target: "/fault/status/404", kind: "http"),
        Fault(target: "/fault/status/503", kind: "http", retried: true),
        Fault(target: "/fault/flaky/KEY?fail=1&status=503", kind: "http", recoversOnRetry: true),
        Fault(target: "/fault/retry-after/KEY?fail=1&after=1", kind: "http", recoversOnRetry: true),
        Fault(target: "/fault/delay/50", kind: nil),
        Fault(target: "/fault/drip?bytes=100&every=400", kind: "timeout", retried: true),
        Fault(target: "/fault/hang", kind: "timeout", retried: true),
        Fault(target: "/fault/reset", kind: "reset", retried: true),
        Fault(target: "/fault/reset-mid?bytes=100000", kind: "reset", retried: true),
        Fault(target: "/fault/truncate?bytes=1000", kind: "protocol"),
        Fault(target: "/fault/huge?bytes=2000000", kind: "too_large"),
        Fault(target: "/fault/gzip?bytes=5000", kind: nil, length: 5000),
        Fault(target: "/fault/gzip-bomb?mb=2", kind: "too_large"),
        Fault(target: "/fault/redirect/3", kind: nil),
        Fault(target: "/fault/loop", kind: "too_many_redirects"),
        Fault(target: "/fault/redirect-to?url=file:///etc/passwd", kind: "unsupported_scheme"),
        Fault(target: "/fault/redirect-to?url=ftp://127.0.0.1/x", kind: "unsupported_scheme"),
        Fault(target: "/fault/redirect-to?url=gopher://127.0.0.1/x", kind: "unsupported_scheme"),
        Fault(target: "/fault/redirect-to?url=dict://127.0.0.1/x", kind: "unsupported_scheme"),
        Fault(target: "/fault/redirect-to?url=scp://127.0.0.1/x", kind: "unsupported_scheme"),
        Fault(target: "/fault/charset/iso-8859-1", kind: nil),
        Fault(target: "/fault/binary?bytes=4096", kind: nil, length: 4096),
        // 10,000 header fields (about 250 KB of head) are a valid response.
        Fault(target: "/fault/headers?n=10000", kind: nil),
        // One 1 MB header line: past what libcurl accepts (100 KiB), a broken reply.
        Fault(target: "/fault/big-header?bytes=1048576", kind: "protocol"),
        // Content-Length lying upward: the body ends early.
        Fault(target: "/fault/content-length?claim=100&send=50", kind: "protocol"),
        // Content-Length lying downward: the message ends where it says (RFC 9112 section 6.3), as curl and httpx read it.
        Fault(target: "/fault/content-length?claim=50&send=100", kind: nil, length: 50),
        Fault(target: "/fault/chunked-bad", kind: "protocol"),
        Fault(target: "/fault/http09", kind: "protocol"),
        Fault(target: "http://nothing.invalid/", kind: "dns", reachesServer: false),
        Fault(target: "http://127.0.0.1:DEAD/", kind: "connect", retried: true, reachesServer: false),
        // A ClientHello to the plain-HTTP port: the fixture answers 400 in clear text, logging no request.
        Fault(target: "https://127.0.0.1:PORT/p/1.html", kind: "tls", reachesServer: false),
    ]

    /// Inputs per fault: two, so that under concurrency copies of one fault meet.
    static let copies = 2

    /// One input line of the matrix and what it must give.
    struct Input {
        let url: String
        let fault: Fault
        /// The query tag that tells this input's requests apart in the server's log.
        let tag: String
    }

    /// The matrix's inputs: each fault on a host name of its own (resolved to the
    /// fixture with --resolve), so that no fault inherits another's kept-alive
    /// connection, which libcurl would resend on once uncounted (see
    /// aRequestLostOnAReusedConnectionIsResentOnlyWhenIdempotent).
    static func inputs(port: Int, deadPort: Int) -> (inputs: [Input], resolve: [String]) {
        var inputs: [Input] = []
        var resolve: [String] = []
        for (index, fault) in faults.enumerated() {
            let host = "f\(index).test"
            resolve += ["--resolve", "\(host):\(port):127.0.0.1"]
            for copy in 0..<copies {
                let tag = "case\(index)x\(copy)"
                var url = fault.target.replacingOccurrences(of: "KEY", with: tag)
                    .replacingOccurrences(of: "PORT", with: String(port))
                    .replacingOccurrences(of: "DEAD", with: String(deadPort))
                if url.hasPrefix("/") { url = "http://\(host):\(port)" + url }
                url += (url.contains("?") ? "&" : "?") + "tag=" + tag
                inputs.append(Input(url: url, fault: fault, tag: tag))
            }
        }
        return (inputs, resolve)
    }

    @Test(arguments: Mode.allCases, retryCounts)
    func everyFaultGivesOneRecordOfItsDocumentedKind(mode: Mode, retries: Int) throws {
        let fixture = try Fixture()
        let (inputs, resolve) = Self.inputs(port: fixture.port, deadPort: try unusedLoopbackPort())
        let healthy = (0..<2).map { fixture.url("/echo?healthy=\($0)") }
        let urls = inputs.map(\.url) + healthy
        let result = try runTool("afetch", Self.flags(mode, retries: retries) + resolve,
                                 input: urls.joined(separator: "\n") + "\n")
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == urls.count)
        let answered = records.compactMap { $0["url"] as? String }
        if mode == .ordered { #expect(answered == urls) } else { #expect(answered.sorted() == urls.sorted()) }

        let log = try fixture.requestLog().compactMap { $0["path"] as? String }
        let byURL = Dictionary(records.map { ($0["url"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        for input in inputs {
            let record = try #require(byURL[input.url], "no record for \(input.url)")
            let expected = Self.expected(input.fault, retries: retries)
            #expect(kind(record) == expected.kind, "\(input.fault.target): \(record["error"] ?? "")")
            #expect(record["ok"] as? Bool == (expected.kind == nil), "\(input.fault.target)")
            #expect(record["attempts"] as? Int == expected.attempts, "\(input.fault.target)")
            let logged = log.filter { $0.contains("tag=\(input.tag)") }.count
            #expect(logged == (input.fault.reachesServer ? expected.attempts : 0), "\(input.fault.target): logged \(logged)")
            if let length = input.fault.length { #expect(record["length"] as? Int == length, "\(input.fault.target)") }
        }
        for url in healthy { #expect(byURL[url]?["ok"] as? Bool == true, "\(url)") }
    }

    /// The kind and attempts a fault must give after `retries` retries at most.
    static func expected(_ fault: Fault, retries: Int) -> (kind: String?, attempts: Int) {
        if fault.recoversOnRetry && retries > 0 { return (nil, 2) }
        return (fault.kind, fault.retried ? 1 + retries : 1)
    }

    // MARK: - The server going away mid-run

    /// Writes `urls` to a running afetch.
    private func feed(_ tool: StreamingTool, _ urls: [String]) {
        tool.write(urls.joined(separator: "\n") + "\n")
    }

    private func loggedCount(_ fixture: Fixture, _ fragment: String) throws -> Int {
        try fixture.requestLog().filter { ($0["path"] as? String)?.contains(fragment) == true }.count
    }

    @Test(arguments: Mode.allCases, retryCounts)
    func serverStopsAcceptingMidRun(mode: Mode, retries: Int) throws {
        let fixture = try Fixture()
        let tool = try StreamingTool("afetch", Self.flags(mode, retries: retries))
        // Pages done and kept-alive connections pooled, then requests still in progress
        // (one at a time with -c 1) when the server stops accepting.
        let done = (0..<8).map { fixture.url("/echo?done=\($0)") }
        let inProgress = (0..<(mode == .one ? 1 : 8)).map { fixture.url("/fault/delay/1000?progress=\($0)") }
        feed(tool, done + inProgress)
        try waitUntil { try loggedCount(fixture, "progress=") == inProgress.count }
        try fixture.stopAccepting()
        let refused = (0..<8).map { fixture.url("/echo?refused=\($0)") }
        feed(tool, refused)
        tool.closeInput()
        let result = tool.finish()

        let byURL = recordsByURL(result, urls: done + inProgress + refused, mode: mode)
        for url in done + inProgress {
            #expect(byURL[url]?["ok"] as? Bool == true, "\(url): \(byURL[url]?["error"] ?? "no record")")
            #expect(byURL[url]?["attempts"] as? Int == 1, "\(url)")
        }
        for url in refused {
            #expect(byURL[url].map(kind) == "connect", "\(url): \(byURL[url]?["error"] ?? "no record")")
            #expect(byURL[url]?["attempts"] as? Int == 1 + retries, "\(url)")
        }
        let log = try fixture.requestLog().compactMap { $0["path"] as? String }
        #expect(log.filter { $0.contains("done=") || $0.contains("progress=") }.count == done.count + inProgress.count)
        #expect(log.filter { $0.contains("refused=") }.isEmpty)
    }

    /// afetch over 16 /echo pages of `fixture`; once their records are out, `between` acts on
    /// the server and returns the one to fetch 16 more from. Each of the 32 must come back
    /// once and ok.
    private func fetchAround(_ fixture: Fixture, mode: Mode, retries: Int,
                             between: () throws -> Fixture) throws -> (before: [String], after: [String]) {
        let tool = try StreamingTool("afetch", Self.flags(mode, retries: retries))
        let before = (0..<16).map { fixture.url("/echo?before=\($0)") }
        feed(tool, before)
        try waitUntil { tool.linesWritten == before.count }
        let next = try between()
        let after = (0..<16).map { next.url("/echo?after=\($0)") }
        feed(tool, after)
        tool.closeInput()
        expectEachFetchedOnceAndOK(tool.finish(), urls: before + after, mode: mode)
        return (before, after)
    }

    @Test(arguments: Mode.allCases, retryCounts)
    func serverRestartedWhileConnectionsArePooled(mode: Mode, retries: Int) throws {
        let fixture = try Fixture()
        // Every kept-alive connection afetch holds is closed by the server: reusing one
        // must not cost a record, nor send a request twice.
        let (before, after) = try fetchAround(fixture, mode: mode, retries: retries) {
            try fixture.restart()
            return fixture
        }
        let log = try fixture.requestLog().compactMap { $0["path"] as? String }
        for url in before + after {
            let query = String(url[url.firstIndex(of: "?")!...])
            #expect(log.filter { $0 == "/echo" + query }.count == 1, "\(url)")
        }
    }

    @Test(arguments: Mode.allCases, retryCounts)
    func serverProcessReplacedOnTheSamePort(mode: Mode, retries: Int) throws {
        let first = try Fixture()
        var beforeLog: [String] = []
        var second: Fixture?
        // The process ends (the kernel closes its connections), another takes the port.
        let (before, after) = try fetchAround(first, mode: mode, retries: retries) {
            beforeLog = try first.requestLog().compactMap { $0["path"] as? String }
            first.stop()
            let replacement = try Fixture(arguments: ["--port", String(first.port)])
            second = replacement
            return replacement
        }
        let port = try #require(second).port
        #expect(beforeLog.sorted() == before.map { String($0.dropFirst("http://127.0.0.1:\(first.port)".count)) }.sorted())
        let afterLog = try #require(second).requestLog().compactMap { $0["path"] as? String }
        #expect(afterLog.sorted() == after.map { String($0.dropFirst("http://127.0.0.1:\(port)".count)) }.sorted())
    }

    @Test(arguments: Mode.allCases, retryCounts)
    func serverRestartedWithRequestsInFlight(mode: Mode, retries: Int) throws {
        let fixture = try Fixture()
        let tool = try StreamingTool("afetch", Self.flags(mode, retries: retries))
        // The first requests of the run, so each is on a connection of its own
        // (libcurl resends on a fresh connection, uncounted, what a reused one lost).
        let inFlight = (0..<(mode == .one ? 1 : 8)).map { fixture.url("/fault/hang-first/r\($0)?n=1") }
        feed(tool, inFlight)
        try waitUntil { try loggedCount(fixture, "/fault/hang-first/") == inFlight.count }
        try fixture.restart()
        let after = (0..<8).map { fixture.url("/echo?after=\($0)") }
        feed(tool, after)
        tool.closeInput()
        let result = tool.finish()

        let byURL = recordsByURL(result, urls: inFlight + after, mode: mode)
        // The connection closed with no response: a reset, which a retry carries to the new server.
        for (index, url) in inFlight.enumerated() {
            let record = try #require(byURL[url])
            #expect(kind(record) == (retries > 0 ? nil : "reset"), "\(url): \(record["error"] ?? "")")
            #expect(record["attempts"] as? Int == (retries > 0 ? 2 : 1), "\(url)")
            #expect(try loggedCount(fixture, "/fault/hang-first/r\(index)?") == (retries > 0 ? 2 : 1), "\(url)")
        }
        for url in after {
            #expect(byURL[url]?["ok"] as? Bool == true, "\(url): \(byURL[url]?["error"] ?? "no record")")
        }
    }

    // MARK: - Single faults in more detail

    /// A reset on a kept-alive connection: libcurl resends a GET once, within the
    /// same attempt, as curl does (RFC 9112 section 9.3.1 allows it for idempotent
    /// methods, and man/afetch.1 says so); a POST is never resent.
    @Test(arguments: [("GET", 2), ("POST", 1)])
    func aRequestLostOnAReusedConnectionIsResentOnlyWhenIdempotent(method: String, requests: Int) throws {
        let fixture = try Fixture()
        let urls = [fixture.url("/fault/status/200?first"), fixture.url("/fault/reset?lost")]
        let result = try runTool("afetch", ["-q", "-c", "1", "--ordered", "--retries", "0", "-X", method],
                                 input: urls.joined(separator: "\n") + "\n")
        let records = result.records
        #expect(records.count == 2)
        #expect(records.first?["ok"] as? Bool == true)
        #expect(records.last.map(kind) == "reset")
        #expect(records.last?["attempts"] as? Int == 1)
        let log = try fixture.requestLog()
        #expect(log.filter { $0["path"] as? String == "/fault/reset?lost" }.count == requests)
        #expect(log.allSatisfy { $0["method"] as? String == method })
    }

    @Test func keepsTenThousandHeadersWithHeaders() throws {
        let fixture = try Fixture()
        let result = try runTool("afetch", ["-q", "--headers", "-t", "2", "--retries", "0"],
                                 input: fixture.url("/fault/headers?n=10000") + "\n")
        let record = try #require(result.records.first)
        #expect(record["ok"] as? Bool == true)
        let headers = try #require(record["headers"] as? [String: Any])
        #expect(headers.keys.filter { $0.hasPrefix("x-fill-") }.count == 10_000)
        #expect(headers["x-fill-9999"] as? String == "value-9999")
    }

    /// The run's records by URL, after checking there is one per URL (in input order with --ordered).
    private func recordsByURL(_ result: ToolResult, urls: [String], mode: Mode) -> [String: [String: Any]] {
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == urls.count)
        if mode == .ordered { #expect(records.compactMap { $0["url"] as? String } == urls) }
        return Dictionary(records.map { ($0["url"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// One ok record per URL, each after a single attempt (in input order with --ordered).
    private func expectEachFetchedOnceAndOK(_ result: ToolResult, urls: [String], mode: Mode) {
        for record in recordsByURL(result, urls: urls, mode: mode).values {
            #expect(record["ok"] as? Bool == true, "\(record["url"] ?? ""): \(record["error"] ?? "")")
            #expect(record["attempts"] as? Int == 1, "\(record["url"] ?? "")")
        }
    }

    private func kind(_ record: [String: Any]) -> String? {
        (record["error"] as? [String: Any])?["kind"] as? String
    }
}
