import Foundation
import Testing
import TestSupport

/// afetch against the fixture server: every behaviour of issue 3, shown by what
/// the records say and by what the server saw (its request log), never by sleeps.
@Suite struct AfetchTests {
    /// Runs afetch over `urls` (one per line) with `flags`.
    private func afetch(_ flags: [String], _ urls: [String]) throws -> ToolResult {
        try runTool("afetch", ["-q"] + flags, input: urls.joined(separator: "\n") + "\n")
    }

    private func error(_ record: [String: Any]) -> String? {
        (record["error"] as? [String: Any])?["kind"] as? String
    }

    /// Milliseconds by which the server's arrival stamps may understate a gap afetch kept: the
    /// stamp is taken when the server's thread gets to the request, later on a loaded machine.
    private let arrivalJitter = 50.0

    private func arrivals(_ fixture: Fixture, _ prefix: String) throws -> [Double] {
        try fixture.requests(withPrefix: prefix).compactMap { $0["t_ms"] as? Double }.sorted()
    }

    // MARK: - Records

    @Test func writesEveryFieldOfASuccessfulFetch() throws {
        let fixture = try Fixture()
        let result = try afetch([], [fixture.url("/p/1.html")])
        #expect(result.status == 0)
        let record = try #require(result.records.first)
        #expect(record["url"] as? String == fixture.url("/p/1.html"))
        #expect(record["final_url"] as? String == fixture.url("/p/1.html"))
        #expect(record["status"] as? Int == 200)
        #expect(record["ok"] as? Bool == true)
        #expect((record["content_type"] as? String)?.hasPrefix("text/html") == true)
        #expect((record["body"] as? String)?.contains("<a ") == true)
        #expect(record["length"] as? Int == (record["body"] as? String)?.utf8.count)
        #expect(record["attempts"] as? Int == 1)
        #expect((record["elapsed_ms"] as? Double ?? -1) >= 0)
        let timing = try #require(record["timing"] as? [String: Any])
        for field in ["dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms"] { #expect(timing[field] is Double, "\(field)") }
        #expect(record["redirects"] as? Int == 0)
        #expect(record["http_version"] as? String == "1.1")
        #expect((record["fetched_at"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
        #expect(record["error"] is NSNull)
        #expect(record["headers"] == nil)
    }

    @Test func carriesInputFieldsAndReplacesItsOwn() throws {
        let fixture = try Fixture()
        let input = #"{"url":"\#(fixture.url("/p/2.html"))","depth":2,"id":"x","status":"mine","nested":{"a":[1]}}"#
        let result = try runTool("afetch", ["-q", "--body", "none"], input: input + "\n")
        let record = try #require(result.records.first)
        #expect(record["depth"] as? Int == 2)
        #expect(record["id"] as? String == "x")
        #expect((record["nested"] as? [String: Any])?["a"] as? [Int] == [1])
        #expect(record["status"] as? Int == 200)
        #expect(result.lines[0].hasPrefix(#"{"depth":2,"id":"x","nested":{"a":[1]},"url":"#))
    }

    @Test func answersEveryInputOnceWithTenThousandMixedLines() throws {
        let fixture = try Fixture()
        var lines: [String] = []
        for n in 0..<10_000 {
            switch n % 10 {
            case 0: lines.append("not a url \(n)")
            case 1: lines.append(#"{"url": \#(n)}"#)
            case 2: lines.append("{broken \(n)")
            case 3: lines.append("ftp://127.0.0.1/\(n)")
            case 4: lines.append("http://127.0.0.1:1/refused/\(n)")
            default: lines.append(fixture.url("/echo?n=\(n)"))
            }
        }
        let result = try afetch(["-c", "64", "--per-host", "64", "--retries", "0", "--body", "none"], lines + ["", "# comment"])
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == 10_000)
        var answered: [String] = []
        for record in records {
            if let url = record["url"] as? String { answered.append(url) }
            else if let input = record["input"] as? String { answered.append(input) }
            else if let number = record["url"] as? Int { answered.append(#"{"url": \#(number)}"#) }
        }
        let expected = lines.filter { !$0.hasPrefix(#"{"url": "#) }
        #expect(Set(answered).count == answered.count)
        #expect(Set(answered) == Set(expected))
        #expect(records.filter { error($0) == "bad_input" }.count == 2000)
        #expect(records.filter { error($0) == "invalid_url" }.count == 1000)
        #expect(records.filter { error($0) == "unsupported_scheme" }.count == 1000)
        #expect(records.filter { error($0) == "connect" }.count == 1000)
        #expect(records.filter { $0["ok"] as? Bool == true }.count == 5000)
    }

    /// A proxy named by --proxy or by libcurl's variables gets the request in absolute form
    /// (the fixture server, as proxy, logs the target as sent); no_proxy, HTTP_PROXY (which
    /// libcurl ignores for http) and no variable at all send it straight to the host.
    @Test func usesProxiesFromTheFlagAndTheEnvironment() throws {
        let fixture = try Fixture()
        let proxy = "http://127.0.0.1:\(fixture.port)"
        let cases: [(environment: String, flags: String, proxied: Bool)] = [
            ("", "", false),
            ("http_proxy=\(proxy)", "", true),
            ("ALL_PROXY=\(proxy)", "", true),
            ("http_proxy=\(proxy) no_proxy=proxied.invalid", "", false),
            ("HTTP_PROXY=\(proxy)", "", false),
            ("", "--proxy \(proxy)", true),
        ]
        let clean = "env -u http_proxy -u HTTP_PROXY -u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY -u no_proxy -u NO_PROXY"
        for (index, test) in cases.enumerated() {
            let url = "http://proxied.invalid:\(fixture.port)/p/\(index).html"
            let result = try runShell("\(clean) \(test.environment) afetch --retries 0 --resolve proxied.invalid:\(fixture.port):127.0.0.1 \(test.flags)",
                                      input: url + "\n")
            #expect(result.records.first?["status"] as? Int != nil, "\(test) \(result.stdout)")
            let targets = try fixture.requestLog().compactMap { $0["path"] as? String }.filter { $0.hasSuffix("/p/\(index).html") }
            #expect(targets == [test.proxied ? url : "/p/\(index).html"], "\(test)")
        }
    }

    @Test func keepsInputOrderWhenOrdered() throws {
        let fixture = try Fixture()
        let urls = (0..<200).map { fixture.url("/fault/delay/\(($0 * 7) % 13)?n=\($0)") }
        let result = try afetch(["--ordered", "-c", "32", "--per-host", "32", "--body", "none"], urls)
        #expect(result.records.map { $0["url"] as? String } == urls)
    }

    // MARK: - Retries

    @Test func retriesUntilSuccessAndCountsAttempts() throws {
        let fixture = try Fixture()
        let result = try afetch(["--retries", "2", "--backoff", "10"], [fixture.url("/fault/flaky/a?fail=2")])
        let record = try #require(result.records.first)
        #expect(record["ok"] as? Bool == true)
        #expect(record["attempts"] as? Int == 3)
        #expect(try fixture.requests(withPrefix: "/fault/flaky/a").count == 3)
    }

    @Test func givesUpAfterTheLastRetry() throws {
        let fixture = try Fixture()
        let result = try afetch(["--retries", "2", "--backoff", "10"], [fixture.url("/fault/flaky/b?fail=9&status=502")])
        let record = try #require(result.records.first)
        #expect(record["status"] as? Int == 502)
        #expect(error(record) == "http")
        #expect(record["attempts"] as? Int == 3)
        #expect(try fixture.requests(withPrefix: "/fault/flaky/b").count == 3)
    }

    @Test func doesNotRetryStatusesOutsideRetryOn() throws {
        let fixture = try Fixture()
        let result = try afetch(["--retries", "3", "--backoff", "10", "--retry-on", "503"],
                                [fixture.url("/fault/flaky/c?fail=9&status=500"), fixture.url("/fault/status/404")])
        #expect(result.records.allSatisfy { $0["attempts"] as? Int == 1 })
        #expect(try fixture.requests(withPrefix: "/fault/flaky/c").count == 1)
    }

    @Test func retriesConnectErrors() throws {
        let result = try afetch(["--retries", "2", "--backoff", "5"], ["http://127.0.0.1:1/"])
        let record = try #require(result.records.first)
        #expect(error(record) == "connect")
        #expect(record["attempts"] as? Int == 3)
    }

    @Test func retryAfterHoldsTheWholeHost() throws {
        let fixture = try Fixture()
        let urls = [fixture.url("/fault/retry-after/h?fail=1&after=2")] + (0..<3).map { fixture.url("/fault/delay/300?first=\($0)") }
            + (0..<8).map { fixture.url("/fault/delay/0?later=\($0)") }
        let result = try afetch(["-c", "4", "--per-host", "4", "--body", "none", "--ordered"], urls)
        #expect(result.records.count == 12)
        #expect(result.records.allSatisfy { $0["ok"] as? Bool == true })
        let log = try fixture.requestLog().sorted { ($0["t_ms"] as! Double) < ($1["t_ms"] as! Double) }
        let refusal = try #require(log.first { ($0["path"] as? String)?.hasPrefix("/fault/retry-after") == true }?["t_ms"] as? Double)
        // The first four started together; everything after them waited out Retry-After: 2.
        for request in log.dropFirst(4) {
            #expect((request["t_ms"] as! Double) - refusal >= 1990, "\(request["path"] ?? "")")
        }
    }

    @Test func retryAfterAsAnHTTPDateIsHonoured() throws {
        let fixture = try Fixture()
        let result = try afetch([], [fixture.url("/fault/retry-after/d?fail=1&after=2&date=1")])
        #expect(result.records.first?["attempts"] as? Int == 2)
        let times = try arrivals(fixture, "/fault/retry-after/d")
        #expect(times.count == 2)
        // An HTTP date has whole seconds: the wait is at least one second.
        #expect(times[1] - times[0] >= 990)
    }

    @Test func maxBackoffCapsRetryAfter() throws {
        let fixture = try Fixture()
        let result = try afetch(["--max-backoff", "100"], [fixture.url("/fault/retry-after/m?fail=1&after=3600")])
        #expect(result.records.first?["ok"] as? Bool == true)
        #expect(result.records.first?["attempts"] as? Int == 2)
    }

    // MARK: - Limits

    @Test func perHostLimitsConcurrency() throws {
        let fixture = try Fixture()
        let urls = (0..<6).map { fixture.url("/fault/delay/300?n=\($0)") }
        _ = try afetch(["-c", "16", "--per-host", "2", "--body", "none"], urls)
        let times = try arrivals(fixture, "/fault/delay/300")
        #expect(times.count == 6)
        // Two at a time: the third request starts only when one of the first two is done.
        #expect(times[2] - times[0] >= 290)
        #expect(times[4] - times[0] >= 590)
    }

    @Test func concurrencyLimitsTransfers() throws {
        let fixture = try Fixture()
        let urls = (0..<3).map { fixture.url("/fault/delay/200?n=\($0)") }
        _ = try afetch(["-c", "1", "--body", "none"], urls)
        let times = try arrivals(fixture, "/fault/delay/200")
        #expect(times[1] - times[0] >= 190)
        #expect(times[2] - times[1] >= 190)
    }

    @Test func hostRateSpacesRequests() throws {
        let fixture = try Fixture()
        let urls = (0..<5).map { fixture.url("/echo?n=\($0)") }
        _ = try afetch(["--host-rate", "5", "--body", "none"], urls)
        let times = try arrivals(fixture, "/echo")
        #expect(times.count == 5)
        #expect(times[4] - times[0] >= 4 * 200 - arrivalJitter)
    }

    @Test func globalRateSpacesRequests() throws {
        let fixture = try Fixture()
        let urls = (0..<4).map { fixture.url("/echo?n=\($0)") }
        _ = try afetch(["--rate", "4", "--body", "none"], urls)
        let times = try arrivals(fixture, "/echo")
        #expect(times[3] - times[0] >= 3 * 250 - arrivalJitter)
    }

    @Test func delaySpacesRequestsToOneHost() throws {
        let fixture = try Fixture()
        let urls = (0..<3).map { fixture.url("/echo?n=\($0)") }
        _ = try afetch(["--delay", "300", "--body", "none"], urls)
        let times = try arrivals(fixture, "/echo")
        #expect(times[1] - times[0] >= 300 - arrivalJitter)
        #expect(times[2] - times[1] >= 300 - arrivalJitter)
    }

    // MARK: - Faults

    @Test func readsNothingFromAFileRedirect() throws {
        let fixture = try Fixture()
        let result = try afetch([], [fixture.url("/fault/redirect-to?url=file:///etc/passwd")])
        #expect(!String(decoding: result.stdout, as: UTF8.self).contains("root:"))
        #expect(result.records.first?["length"] as? Int == 0)
    }

    @Test func cutsAStalledBodyByTheLowSpeedRule() throws {
        let fixture = try Fixture()
        let result = try afetch(["--low-speed-limit", "100", "--low-speed-time", "1", "--retries", "0"],
                                [fixture.url("/fault/drip?bytes=50&every=300")])
        #expect(error(result.records[0]) == "timeout")
    }

    @Test func stopsAGzipBombWithoutItsMemory() throws {
        let fixture = try Fixture()
        let result = try runShell("/usr/bin/time -f 'maxrss %M' afetch -q --max-body 1M",
                                  input: fixture.url("/fault/gzip-bomb?mb=512") + "\n")
        let record = try #require(result.records.first)
        #expect(error(record) == "too_large")
        let rss = result.stderr.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        // Peak memory in KiB: far below the 512 MiB the body inflates to.
        #expect((rss ?? .max) < 64 * 1024)
    }

    @Test func decodesGzipBodies() throws {
        let fixture = try Fixture()
        let result = try afetch([], [fixture.url("/fault/gzip?bytes=5000")])
        let record = try #require(result.records.first)
        #expect(record["ok"] as? Bool == true)
        #expect(record["length"] as? Int == 5000)
    }

    // MARK: - Redirects

    @Test func followsRedirectsAndCountsThem() throws {
        let fixture = try Fixture()
        let result = try afetch([], [fixture.url("/fault/redirect/3")])
        let record = try #require(result.records.first)
        #expect(record["redirects"] as? Int == 3)
        #expect(record["final_url"] as? String == fixture.url("/fault/redirect/0"))
        #expect(record["ok"] as? Bool == true)
    }

    @Test func stopsAtMaxRedirects() throws {
        let fixture = try Fixture()
        let result = try afetch(["--max-redirects", "2"], [fixture.url("/fault/redirect/5")])
        #expect(error(result.records[0]) == "too_many_redirects")
    }

    @Test func keepsRedirectsWithNoFollow() throws {
        let fixture = try Fixture()
        let result = try afetch(["--no-follow"], [fixture.url("/fault/redirect/2")])
        let record = try #require(result.records.first)
        #expect(record["status"] as? Int == 302)
        #expect(record["redirects"] as? Int == 0)
        #expect(try fixture.requests(withPrefix: "/fault/redirect/").count == 1)
    }

    // MARK: - Requests

    @Test func sendsHeadersUserAgentAndMethod() throws {
        let fixture = try Fixture()
        let result = try afetch(["-H", "X-Acrawl-Test: yes", "-A", "tester/1", "-X", "POST", "--retries", "0"], [fixture.url("/echo")])
        let body = try #require(result.records.first?["body"] as? String)
        let echo = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let headers = try #require(echo["headers"] as? [String: Any])
        #expect(echo["method"] as? String == "POST")
        #expect(headers["x-acrawl-test"] as? String == "yes")
        #expect(headers["user-agent"] as? String == "tester/1")
        #expect((headers["accept-encoding"] as? String)?.contains("gzip") == true)
    }

    @Test func defaultUserAgentNamesTheTool() throws {
        let fixture = try Fixture()
        _ = try afetch([], [fixture.url("/echo")])
        let headers = try #require(try fixture.requests(withPrefix: "/echo").first?["headers"] as? [String: Any])
        #expect((headers["user-agent"] as? String)?.hasPrefix("acrawl-afetch/") == true)
    }

    @Test func aUserAgentHeaderReplacesTheDefault() throws {
        let fixture = try Fixture()
        let result = try afetch(["-H", "user-agent: mine/2"], [fixture.url("/echo")])
        let body = try #require(result.records.first?["body"] as? String)
        // The echo lists every header line as received: one User-Agent, the one given.
        #expect(body.lowercased().components(separatedBy: "user-agent").count == 2)
        #expect(body.contains("mine/2") && !body.contains("acrawl-afetch/"))
    }

    /// afetch sends Accept-Encoding itself (libcurl would format it per request): once, with
    /// every coding libcurl decodes; only gzip and deflate with --warc; a -H one replaces it.
    @Test(arguments: [
        ([String](), "deflate, gzip"),   // then br and zstd when this libcurl decodes them
        (["--warc", "WARC"], "gzip, deflate"),
        (["-H", "accept-encoding: identity"], "identity"),
    ])
    func sendsOneAcceptEncoding(flags: [String], expected: String) throws {
        let fixture = try Fixture()
        let warc = FileManager.default.temporaryDirectory.appendingPathComponent("afetch-\(UUID().uuidString).warc").path
        defer { try? FileManager.default.removeItem(atPath: warc) }
        let result = try afetch(flags.map { $0 == "WARC" ? warc : $0 }, [fixture.url("/echo")])
        let body = try #require(result.records.first?["body"] as? String)
        #expect(body.lowercased().components(separatedBy: "accept-encoding").count == 2)
        let echo = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let sent = try #require((echo["headers"] as? [String: Any])?["accept-encoding"] as? String)
        #expect(flags.isEmpty ? sent.hasPrefix(expected) : sent == expected)
    }

    @Test(arguments: ["X-Bad: a\rb", "X-Bad: a\nInjected: 1", "no colon here", ": empty name"])
    func rejectsUnsafeHeadersAsUsageErrors(header: String) throws {
        let result = try runTool("afetch", ["-H", header], input: "http://127.0.0.1:1/\n")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("header"))
    }

    @Test(arguments: [["--body", "nope"], ["--max-body", "ten"], ["--retry-on", "999"], ["-c", "0"], ["--bogus"]])
    func rejectsBadFlagsAsUsageErrors(flags: [String]) throws {
        let result = try runTool("afetch", flags, input: "")
        #expect(result.status == 2)
    }

    @Test func resolveSendsAVirtualHostToLoopback() throws {
        let fixture = try Fixture()
        let result = try afetch(["--resolve", "a.site.test:\(fixture.port):127.0.0.1"], ["http://a.site.test:\(fixture.port)/echo"])
        #expect(result.records.first?["ok"] as? Bool == true)
        #expect(try fixture.requests(withPrefix: "/echo").first?["host"] as? String == "a.site.test:\(fixture.port)")
    }

    // MARK: - Bodies

    @Test(arguments: [("shift_jis", "1", "0"), ("euc-jp", "1", "0"), ("windows-1252", "0", "1"), ("iso-8859-1", "1", "0")])
    func decodesDeclaredCharsets(charset: String, header: String, meta: String) throws {
        let fixture = try Fixture()
        let result = try afetch([], [fixture.url("/fault/charset/\(charset)?header=\(header)&meta=\(meta)")])
        let body = try #require(result.records.first?["body"] as? String)
        // Shift_JIS and EUC-JP have no é: the page spells it as a character reference there.
        let expected = charset.contains("jp") || charset.contains("jis") ? "日本" : "café naïve"
        #expect(body.contains(expected))
    }

    @Test func replacesUndecodableBytes() throws {
        let fixture = try Fixture()
        let result = try afetch([], [fixture.url("/fault/charset/wrong")])
        let body = try #require(result.records.first?["body"] as? String)
        #expect(body.contains("caf\u{FFFD}"))
    }

    @Test func keepsBinaryBodiesOnlyWhenAsked() throws {
        let fixture = try Fixture()
        let url = fixture.url("/fault/binary?bytes=300")
        let auto = try afetch([], [url]).records[0]
        #expect(auto["body"] == nil)
        #expect(auto["length"] as? Int == 300)
        let encoded = try afetch(["--body", "base64"], [url]).records[0]
        let decoded = try #require(Data(base64Encoded: encoded["body_base64"] as? String ?? ""))
        #expect(decoded.count == 300)
        #expect(decoded == (try httpGet(port: fixture.port, path: "/fault/binary?bytes=300").body))
        let none = try afetch(["--body", "none"], [fixture.url("/p/1.html")]).records[0]
        #expect(none["body"] == nil && none["body_base64"] == nil)
        let text = try afetch(["--body", "text"], [url]).records[0]
        #expect((text["body"] as? String)?.contains("\u{FFFD}") == true)
    }

    @Test func includesResponseHeadersWhenAsked() throws {
        let fixture = try Fixture()
        let record = try afetch(["--headers"], [fixture.url("/fault/headers?n=3")]).records[0]
        let headers = try #require(record["headers"] as? [String: Any])
        // Values as sent, without the CRLF that ends each header line.
        #expect(headers["x-fill-0"] as? String == "value-0" && headers["x-fill-2"] as? String == "value-2")
        #expect(headers["content-type"] as? String == "text/plain; charset=utf-8")
    }

    @Test func maxBodyEndsTooLarge() throws {
        let fixture = try Fixture()
        let record = try afetch(["--max-body", "1K"], [fixture.url("/fault/huge?bytes=100000")]).records[0]
        #expect(error(record) == "too_large")
    }

    // MARK: - Exit, signals and pipes

    @Test func failFlagSetsTheExitStatus() throws {
        let fixture = try Fixture()
        #expect(try afetch(["--fail"], [fixture.url("/p/1.html")]).status == 0)
        #expect(try afetch(["--fail"], [fixture.url("/fault/status/500"), fixture.url("/p/1.html")]).status == 1)
        #expect(try afetch([], [fixture.url("/fault/status/500")]).status == 0)
    }

    @Test func printsASummaryUnlessQuiet() throws {
        let fixture = try Fixture()
        let loud = try runTool("afetch", [], input: fixture.url("/p/1.html") + "\n")
        #expect(loud.stderr.contains("1 records: 1 ok, 0 failed"))
        let quiet = try runTool("afetch", ["-q"], input: fixture.url("/p/1.html") + "\n")
        #expect(quiet.stderr.isEmpty)
        let forced = try runTool("afetch", ["--progress"], input: fixture.url("/p/1.html") + "\n")
        #expect(forced.records.count == 1)
        #expect(forced.stderr.contains("in flight"))
        #expect(!loud.stderr.contains("in flight"))  // stderr is a pipe here: no live line by default
    }

    /// On a terminal (a pseudo-terminal from script(1)), the live line is drawn and redrawn in
    /// place, then cleared before the summary; --no-progress turns it off.
    @Test(arguments: [true, false])
    func drawsTheProgressLineOnATerminal(enabled: Bool) throws {
        let fixture = try Fixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let urls = (0..<6).map { fixture.url("/fault/delay/300?n=\($0)") }.joined(separator: "\n") + "\n"
        try urls.write(toFile: directory + "/urls", atomically: true, encoding: .utf8)
        let flag = enabled ? "" : "--no-progress"
        let result = try runShell("cd '\(directory)' && script -qec 'afetch -c 2 \(flag) < urls > out.ndjson' /dev/null")
        let terminal = String(decoding: result.stdout, as: UTF8.self)
        #expect(result.status == 0)
        let records = try String(contentsOfFile: directory + "/out.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(records.count == 6)
        #expect(terminal.contains("6 records: 6 ok, 0 failed"))
        let redraws = terminal.components(separatedBy: "\r\u{1B}[K").count - 1
        if enabled {
            #expect(terminal.contains("in flight, 0 retries waiting"))
            #expect(redraws >= 2)  // drawn at least once, and cleared
        } else {
            #expect(!terminal.contains("in flight") && redraws == 0)
        }
    }

    @Test func aClosedPipeEndsQuietly() throws {
        let fixture = try Fixture()
        let urls = (0..<300).map { fixture.url("/echo?n=\($0)") }.joined(separator: "\n")
        let result = try runShell("printf '%s\\n' \"$URLS\" | afetch -c 4 | head -1; echo \"status=${PIPESTATUS[1]:-?}\" >&2",
                                  environment: ["URLS": urls], shell: "/bin/bash")
        #expect(result.lines.count == 1)
        #expect(result.stderr.contains("status=0"))
        #expect(!result.stderr.contains("error"))
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalCancelsInFlightWorkAndAnswersEveryInput(signal: Int32, status: Int32) throws {
        let fixture = try Fixture()
        let urls = (0..<4).map { fixture.url("/fault/hang?n=\($0)") } + (0..<20).map { fixture.url("/echo?q=\($0)") }
        let process = try StreamingTool("afetch", ["-q", "-c", "4", "--grace", "0.2", "--body", "none"])
        process.write(urls.joined(separator: "\n") + "\n")
        // Wait until all four hanging requests reached the server, then interrupt.
        try waitUntil { try fixture.requests(withPrefix: "/fault/hang").count >= 4 }
        process.signal(signal)
        let result = process.finish()
        #expect(result.status == status)
        let records = result.records
        #expect(records.count == urls.count)
        #expect(Set(records.compactMap { $0["url"] as? String }) == Set(urls))
        #expect(records.filter { error($0) == "cancelled" }.count == urls.count)
    }

    // MARK: - Resume

    @Test func resumesAfterSIGKILLAnsweringEveryInputOnce() throws {
        let fixture = try Fixture()
        let urls = (0..<5000).map { fixture.url("/fault/delay/1?n=\($0)") }
        let first = try StreamingTool("afetch", ["-q", "-c", "8", "--per-host", "8", "--body", "none"])
        first.write(urls.joined(separator: "\n") + "\n")
        first.closeInput()
        try waitUntil { try fixture.requests(withPrefix: "/fault/delay/1").count >= 1000 }
        first.signal(SIGKILL)
        let killed = first.finish()
        #expect(killed.status == 128 + SIGKILL)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString).ndjson").path
        #expect(FileManager.default.createFile(atPath: output, contents: killed.stdout))
        defer { try? FileManager.default.removeItem(atPath: output) }

        let second = try runShell("afetch -q -c 8 --per-host 8 --body none --resume '\(output)' >> '\(output)'",
                                  input: urls.joined(separator: "\n") + "\n")
        #expect(second.status == 0)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        let answered = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["url"] as? String
        }
        #expect(lines.count == urls.count)
        #expect(answered.count == urls.count)
        #expect(Set(answered) == Set(urls))
        #expect(killed.lines.count < urls.count)
    }

    /// With --resume (whose output is usually the file resumed), the records of finished
    /// transfers are written before new transfers start: after a SIGKILL, the server has
    /// answered at most the transfers in flight (8) more requests than there are records.
    @Test func withResumeAKillLosesOnlyTheTransfersInFlight() throws {
        let fixture = try Fixture()
        let urls = (0..<5000).map { fixture.url("/fault/delay/1?n=\($0)") }
        let absent = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString)").path
        let run = try StreamingTool("afetch", ["-q", "-c", "8", "--per-host", "8", "--body", "none", "--resume", absent])
        run.write(urls.joined(separator: "\n") + "\n")
        run.closeInput()
        try waitUntil { try fixture.requests(withPrefix: "/fault/delay/1").count >= 1000 }
        run.signal(SIGKILL)
        let killed = run.finish()
        let records = killed.lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }
        let requested = try fixture.requests(withPrefix: "/fault/delay/1").count
        #expect(records.count >= 1000 - 8)
        #expect(requested - records.count <= 8, "\(requested) requests, \(records.count) records")
    }

    // MARK: - Body files

    private func storedFiles(_ directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        return (enumerator?.allObjects as? [String] ?? []).filter { !$0.contains(".tmp") && $0.split(separator: "/").count == 2 }
    }

    @Test func storesEachDistinctBodyOnceByItsHash() throws {
        let fixture = try Fixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bodies-\(UUID().uuidString)").path
        let urls = [fixture.url("/p/1.html"), fixture.url("/p/1.html?again"), fixture.url("/p/2.html")]
        let records = try afetch(["--body-dir", directory, "--ordered"], urls).records
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0["body"] == nil && ($0["body_sha256"] as? String)?.count == 64 })
        #expect(records[0]["body_path"] as? String == records[1]["body_path"] as? String)
        #expect(storedFiles(directory).count == 2)
        let stored = try Data(contentsOf: URL(fileURLWithPath: try #require(records[2]["body_path"] as? String)))
        #expect(stored == (try httpGet(port: fixture.port, path: "/p/2.html", host: "127.0.0.1:\(fixture.port)").body))
    }

    @Test func neverLeavesAPartialBodyUnderItsFinalName() throws {
        let fixture = try Fixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bodies-\(UUID().uuidString)").path
        let urls = (0..<200).map { fixture.url("/fault/huge?bytes=\(200_000 + $0)") }
        let run = try StreamingTool("afetch", ["-q", "-c", "8", "--body-dir", directory])
        run.write(urls.joined(separator: "\n") + "\n")
        run.closeInput()
        try waitUntil { try fixture.requests(withPrefix: "/fault/huge").count >= 40 }
        run.signal(SIGKILL)
        _ = run.finish()
        for file in storedFiles(directory) {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            let name = String(file.split(separator: "/")[1])
            let digest = try runShell("sha256sum '\(directory)/\(file)'").lines.first?.prefix(64)
            #expect(digest.map(String.init) == name, "\(file) holds \(data.count) bytes that do not hash to its name")
        }
    }

    // MARK: - robots.txt

    private func robotsRun(_ fixture: Fixture, host: String, paths: [String]) throws -> [[String: Any]] {
        let authority = "\(host):\(fixture.port)"
        return try afetch(["--robots", "--retries", "0", "--body", "none", "--ordered", "--resolve", "\(authority):127.0.0.1"],
                          paths.map { "http://\(authority)\($0)" }).records
    }

    @Test func obeysRobotsRulesAndFetchesRobotsOncePerOrigin() throws {
        let fixture = try Fixture()
        let records = try robotsRun(fixture, host: "rules.robots.test",
                                    paths: ["/p/1.html", "/private/x", "/private/open/p/2.html", "/doc.pdf", "/doc.pdf?x", "/p/3.html"])
        // "/doc.pdf?x" escapes "Disallow: /*.pdf$" and is fetched (the fixture has no such page: 404).
        #expect(records.map { error($0) } == [nil, "robots", "http", "robots", "http", nil])
        #expect(try fixture.requests(withPrefix: "/robots.txt").count == 1)
        #expect(try fixture.requests(withPrefix: "/private/x").isEmpty)
        #expect(try fixture.requests(withPrefix: "/doc.pdf").count == 1)
    }

    @Test func crawlDelaySpacesRequestsToTheHost() throws {
        let fixture = try Fixture()
        _ = try robotsRun(fixture, host: "rules.robots.test", paths: ["/p/1.html", "/p/2.html", "/p/3.html"])
        let times = try arrivals(fixture, "/p/")
        #expect(times.count == 3)
        #expect(times[1] - times[0] >= 990)
        #expect(times[2] - times[1] >= 990)
    }

    @Test(arguments: [("s404.robots.test", true), ("s410.robots.test", true), ("s500.robots.test", false), ("s503.robots.test", false)])
    func robotsStatusDecidesForTheWholeOrigin(host: String, allowed: Bool) throws {
        let fixture = try Fixture()
        let records = try robotsRun(fixture, host: host, paths: ["/p/1.html", "/p/2.html"])
        #expect(records.allSatisfy { (error($0) == nil) == allowed })
        #expect(records.allSatisfy { (error($0) == "robots") == !allowed })
        #expect(try fixture.requests(withPrefix: "/p/").count == (allowed ? 2 : 0))
    }

    // MARK: - WARC

    @Test(arguments: ["warc", "warc.gz"])
    func writesWARCThatAnIndependentReaderVerifies(suffix: String) throws {
        let fixture = try Fixture()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("afetch-\(UUID().uuidString).\(suffix)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let paths = ["/fault/binary?bytes=5000", "/fault/gzip?bytes=4000", "/fault/redirect/1", "/fault/status/404",
                     "/fault/flaky/warc-\(suffix)?fail=1", "/fault/chunked-redirect"]
        let records = try afetch(["--warc", path, "--ordered", "--retries", "1", "--backoff", "1"], paths.map(fixture.url))
        #expect(records.records.allSatisfy { $0["warc_file"] as? String == path && $0["warc_offset"] is Int })
        let gzip = records.records[1]
        #expect(gzip["length"] as? Int == 4000)   // decoded by afetch for the record, archived as sent

        let check = try run("/usr/bin/env", ["warcio", "check", path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let script = """
            import sys, json, hashlib
            from warcio.archiveiterator import ArchiveIterator
            with open(sys.argv[1], 'rb') as f:
                for r in ArchiveIterator(f):
                    if r.rec_type == 'response':
                        print(json.dumps({"uri": r.rec_headers.get_header("WARC-Target-URI"),
                                          "status": r.http_headers.get_statuscode(),
                                          "sha1": hashlib.sha1(r.raw_stream.read()).hexdigest()}))
            """
        let listing = try run("/usr/bin/env", ["python3", "-c", script, path])
        // Exchanges are archived as transfers finish: match them by target URI. Every
        // exchange is there: each redirect followed, and the failed attempt before a retry.
        var archived: [String: [String]] = [:]
        for record in listing.records {
            archived[record["uri"] as? String ?? "", default: []].append("\(record["status"] ?? "") \(record["sha1"] ?? "")")
        }
        #expect(archived.count == paths.count + 1)
        #expect(archived[fixture.url(paths[4])]?.map { $0.prefix(3) } == ["503", "200"])
        // A chunked redirect body is archived dechunked, its head saying so (HTTPHead.archivable).
        #expect(archived[fixture.url(paths[5])] == ["302 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"])  // SHA-1 of "hello world"
        for path in ["/fault/binary?bytes=5000", "/fault/gzip?bytes=4000", "/fault/redirect/1", "/fault/redirect/0",
                     "/fault/status/404"] {
            let sent = try httpGet(port: fixture.port, path: path)
            let digest = try run("/usr/bin/env", ["python3", "-c", "import sys,hashlib; print(hashlib.sha1(sys.stdin.buffer.read()).hexdigest())"],
                                 input: sent.body).lines.first ?? ""
            // Both redirects end at /fault/redirect/0: it is archived once for each.
            let times = path == "/fault/redirect/0" ? 2 : 1
            #expect(archived[fixture.url(path)] == Array(repeating: "\(sent.status) \(digest)", count: times), "\(path)")
        }
    }

    @Test func rollsWARCFilesOverAtTheMaximumSize() throws {
        let fixture = try Fixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warcs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let urls = (0..<6).map { fixture.url("/fault/binary?bytes=\(3000 + $0)") }
        let records = try afetch(["--warc", directory + "/crawl.warc.gz", "--warc-max-size", "2K"], urls).records
        let files = Set(records.compactMap { $0["warc_file"] as? String })
        #expect(files.count > 1)
        for file in files {
            #expect(try run("/usr/bin/env", ["warcio", "check", file]).status == 0)
        }
    }

    // MARK: - Address policy

    @Test func denyPrivateRefusesLoopbackWithoutRetrying() throws {
        let fixture = try Fixture()
        let records = try afetch(["--deny-private", "--retries", "3", "--ordered"],
                                 [fixture.url("/p/1.html"), "http://localhost:\(fixture.port)/p/2.html"]).records
        #expect(records.count == 2)
        #expect(records.allSatisfy { error($0) == "connect" && $0["attempts"] as? Int == 1 })
        #expect(records.first.map { ($0["error"] as? [String: Any])?["message"] as? String }
                == "address 127.0.0.1 refused by --deny-private")
        #expect(records.allSatisfy { ($0["error"] as? [String: Any])?["message"] as? String ?? "" != "" })
        #expect(try fixture.requests(withPrefix: "/p/").isEmpty)
    }

    // MARK: - TLS

    /// A one-shot HTTPS server on 127.0.0.1 with a fresh self-signed certificate.
    private func startTLSServer() throws -> (tool: StreamingTool, port: Int, directory: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = try runShell("""
            openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \\
              -keyout '\(directory)/key.pem' -out '\(directory)/cert.pem' 2>&1
            """)
        guard certificate.status == 0 else { throw FixtureError("openssl: \(certificate.stdout)") }
        let script = """
            import http.server, ssl, sys
            server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1] + "/cert.pem", sys.argv[1] + "/key.pem")
            server.socket = context.wrap_socket(server.socket, server_side=True)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let tool = try StreamingShell("cd '\(directory)' && exec python3 -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' '\(directory)'")
        var port = 0
        try waitUntil { port = Int(tool.firstLine() ?? "") ?? 0; return port > 0 }
        return (tool, port, directory)
    }

    @Test func verifiesTLSUnlessInsecure() throws {
        let server = try startTLSServer()
        defer { server.tool.killGroup(); _ = server.tool.finish() }
        let url = "https://127.0.0.1:\(server.port)/cert.pem"
        let strict = try afetch(["--retries", "0"], [url]).records
        #expect(error(strict[0]) == "tls")
        let insecure = try afetch(["--retries", "0", "--insecure", "--body", "text"], [url]).records
        #expect(insecure[0]["ok"] as? Bool == true)
        #expect(((insecure[0]["timing"] as? [String: Any])?["tls_ms"] as? Double ?? 0) > 0)
        #expect((insecure[0]["body"] as? String)?.contains("BEGIN CERTIFICATE") == true)
    }

    @Test func aReadErrorEndsTheInputWithStatusOne() throws {
        // A directory opens but cannot be read: a fatal input error, reported, exit 1.
        let result = try runTool("afetch", [FileManager.default.temporaryDirectory.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("afetch: input:"))
        #expect(result.stdout.isEmpty)
    }
}
