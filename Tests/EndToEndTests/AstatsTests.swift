import Foundation
import Testing
import TestSupport

/// The five records of the README's astats examples (`run.ndjson` there).
private let fetched = """
    {"url":"https://example.com/","final_url":"https://example.com/","status":200,"ok":true,"length":1256,"attempts":1,"elapsed_ms":48.211,"timing":{"dns_ms":1.204,"connect_ms":12.5,"tls_ms":30.118,"ttfb_ms":45.9,"total_ms":48.211},"fetched_at":"2026-11-25T18:03:01.123Z","error":null}
    {"url":"https://example.com/about","final_url":"https://example.com/about","status":200,"ok":true,"length":3400,"attempts":1,"elapsed_ms":21.07,"timing":{"dns_ms":0,"connect_ms":0,"tls_ms":0,"ttfb_ms":19.5,"total_ms":21.07},"fetched_at":"2026-11-25T18:03:01.180Z","error":null}
    {"url":"https://example.com/old","final_url":"https://example.com/old","status":404,"ok":false,"length":512,"attempts":1,"elapsed_ms":18.4,"timing":{"dns_ms":0,"connect_ms":0,"tls_ms":0,"ttfb_ms":17.9,"total_ms":18.4},"fetched_at":"2026-11-25T18:03:01.240Z","error":{"kind":"http","message":"HTTP 404"}}
    {"url":"https://slow.example.org/","final_url":"https://slow.example.org/","status":null,"ok":false,"length":0,"attempts":3,"elapsed_ms":3012.5,"timing":{"dns_ms":2.1,"connect_ms":0,"tls_ms":0,"ttfb_ms":0,"total_ms":1000.2},"fetched_at":"2026-11-25T18:03:04.250Z","error":{"kind":"timeout","message":"Operation timed out after 1000 milliseconds"}}
    {"url":"https://slow.example.org/b","final_url":"https://slow.example.org/b","status":200,"ok":true,"length":20480,"attempts":2,"elapsed_ms":640.25,"timing":{"dns_ms":0,"connect_ms":9.8,"tls_ms":22.3,"ttfb_ms":310.4,"total_ms":330.6},"fetched_at":"2026-11-25T18:03:04.900Z","error":null}

    """

/// Runs `script` in a fresh directory holding `fetched.ndjson`.
private func runInDirectory(_ script: String) throws -> (ToolResult, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("astats-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try fetched.write(to: directory.appendingPathComponent("fetched.ndjson"), atomically: true, encoding: .utf8)
    return (try runShell("cd '\(directory.path)' && \(script)"), directory)
}

/// Enough fetch-like lines for many of astats' input blocks, in every shape that counts:
/// 300 hosts (more than the group table holds, so groups take over slots), undocumented
/// error kinds, invalid and blank lines, CRLF endings, and no newline after the last line.
private func manyRecords(_ count: Int, salt: Int) -> String {
    var lines: [String] = []
    for i in 0..<count {
        let n = i * 7919 + salt
        if i % 997 == 5 { lines.append("not json \(i)"); continue }
        if i % 1009 == 7 { lines.append("  "); continue }
        let host = "h\(n % 300).example"
        let error = n % 11 == 0 ? #"{"kind":"timeout"}"# : n % 17 == 0 ? #"{"kind":"odd_\#(n % 5)"}"# : "null"
        let line = #"{"url":"https://\#(host)/p/\#(i)","status":\#([200, 404, 503][n % 3]),"ok":\#(n % 3 == 0),"#
            + #""length":\#(n % 5000),"attempts":\#(1 + n % 3),"elapsed_ms":\#(Double(n % 9000) / 7),"#
            + #""timing":{"ttfb_ms":\#(Double(n % 4000) / 9)},"fetched_at":"2026-11-25T18:\#(10 + i / 6000):0\#(i % 10).123Z","#
            + #""error":\#(error)}"#
        lines.append(i % 13 == 0 ? line + "\r" : line)
    }
    return lines.joined(separator: "\n")
}

private func object(_ line: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
}

@Suite struct AstatsTests {
    @Test func groupsByAFieldAndMeasuresDottedFields() throws {
        let (result, _) = try runInDirectory("astats --by error.kind --top 2 --field timing.connect_ms fetched.ndjson")
        let summary = try #require(result.lines.first.flatMap(object))
        #expect(summary["group_by"] as? String == "error.kind")
        let groups = try #require(summary["groups"] as? [[String: Any]])
        #expect(groups.map { $0["key"] as? String } == ["http", "timeout"])
        let connect = try #require((summary["fields"] as? [String: Any])?["timing.connect_ms"] as? [String: Any])
        #expect(connect["max"] as? Double == 12.5 && connect["count"] as? Int == 5)
    }

    @Test func everyWritesWindowsThenTheSummary() throws {
        let (result, _) = try runInDirectory("astats --every 4 --top 0 < fetched.ndjson")
        let records = result.lines.compactMap(object)
        #expect(records.count == 3)
        #expect(records[0]["window"] as? Int == 1)
        #expect((records[0]["summary"] as? [String: Any])?["records"] as? Int == 4)
        #expect((records[1]["summary"] as? [String: Any])?["records"] as? Int == 1)
        #expect((records[1]["cumulative"] as? [String: Any])?["records"] as? Int == 5)
        #expect(records[2]["records"] as? Int == 5)
    }

    @Test func intervalWritesTheLastPartialWindowAtTheEnd() throws {
        let (result, _) = try runInDirectory("astats --interval 3600 --top 0 < fetched.ndjson")
        let records = result.lines.compactMap(object)
        #expect(records.count == 2)
        #expect((records[0]["summary"] as? [String: Any])?["records"] as? Int == 5)
        #expect(records[1]["records"] as? Int == 5)
    }

    @Test func teePassesEveryLineThroughAndSummarisesOnStandardError() throws {
        let input = fetched + "not json\n{\"other\":true}\n"
        let result = try runTool("astats", ["--tee", "--top", "0"], input: input)
        #expect(result.status == 0)
        #expect(String(decoding: result.stdout, as: UTF8.self) == input)
        let stderrLines = result.stderr.split(separator: "\n").map(String.init)
        #expect(stderrLines.contains { $0.hasPrefix("astats: line 6: not a JSON object") })
        let summary = try #require(stderrLines.compactMap(object).first)
        #expect(summary["records"] as? Int == 6 && summary["invalid"] as? Int == 1)
    }

    @Test func teeWithOutWritesTheSummaryToTheFile() throws {
        let (result, directory) = try runInDirectory("cat fetched.ndjson | astats --tee --out stats.ndjson | wc -l")
        #expect(result.lines.map { $0.trimmingCharacters(in: .whitespaces) } == ["5"])
        let written = try String(contentsOf: directory.appendingPathComponent("stats.ndjson"), encoding: .utf8)
        #expect(object(written.trimmingCharacters(in: .newlines))?["records"] as? Int == 5)
    }

    @Test func tableIsPlainTextWhenNotATerminal() throws {
        let (result, _) = try runInDirectory("astats --table --top 2 fetched.ndjson")
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(!text.contains("\u{1B}"))
        for expected in ["records  5", "3 (60.0%)", "1.32 req/s", "25.0 KiB", "latency", "48.2 ms", "3.01 s", "█",
                         "example.com", "slow.example.org", "errors  http 1   timeout 1"] {
            #expect(text.contains(expected), "missing \(expected) in\n\(text)")
        }
    }

    @Test func emptyInputGivesAZeroSummary() throws {
        let result = try runTool("astats", [], input: "")
        #expect(result.status == 0)
        let summary = try #require(result.lines.first.flatMap(object))
        #expect(summary["records"] as? Int == 0)
        #expect((summary["latency_ms"] as? [String: Any])?["p99"] as? Int == 0)
    }

    @Test func filesAreReadInOrderWithDashForStandardInput() throws {
        let (result, _) = try runInDirectory("echo '{\"status\":500}' | astats --top 0 fetched.ndjson - fetched.ndjson")
        let summary = try #require(result.lines.first.flatMap(object))
        #expect(summary["records"] as? Int == 11)
        #expect((summary["status"] as? [String: Int])?["500"] == 1)
    }

    /// Parsing on worker threads changes nothing: summaries, windows, warnings (with their
    /// line numbers, per file) and the lines passed on are those of one thread.
    @Test(arguments: [[], ["--every", "2500"], ["--by", "error.kind", "--field", "timing.ttfb_ms"],
                      ["--tee", "--top", "3"], ["--table"]])
    func threadsGiveWhatOneThreadGives(options: [String]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("astats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = [directory.appendingPathComponent("a.ndjson"), directory.appendingPathComponent("b.ndjson")]
        try manyRecords(4_000, salt: 1).write(to: files[0], atomically: true, encoding: .utf8)
        // A line over 1 MiB in the middle is parsed by the reading thread, between the workers' blocks.
        let huge = #"{"url":"https://huge.example/","status":200,"elapsed_ms":5,"x":""# + String(repeating: "x", count: 3 << 19) + #""}"#
        try (manyRecords(15_000, salt: 2) + "\n" + huge + "\n" + manyRecords(15_000, salt: 3))
            .write(to: files[1], atomically: true, encoding: .utf8)
        let arguments = options + files.map(\.path)
        let one = try runTool("astats", ["--threads", "1"] + arguments)
        #expect(one.status == 0)
        #expect(one.stdout.count > 1000)
        // The first ten invalid lines are reported: five in each file, numbered per file.
        let reported = one.stderr.split(separator: "\n").filter { $0.contains("not a JSON object") }
            .map { $0.split(separator: ":")[1] }
        #expect(reported == Array(repeating: [" line 6", " line 1003", " line 2000", " line 2997", " line 3994"], count: 2).flatMap { $0 })
        if options.isEmpty { #expect(String(decoding: one.stdout, as: UTF8.self).contains("\"untracked\"")) }
        for threads in ["2", "3"] {
            let many = try runTool("astats", ["--threads", threads] + arguments)
            #expect(many.status == 0)
            #expect(many.stdout == one.stdout, "--threads \(threads) \(options)")
            #expect(many.stderr == one.stderr, "--threads \(threads) \(options)")
        }
    }

    @Test(arguments: [["--threads", "0"], ["--every", "0"], ["--every", "2", "--interval", "1"], ["--interval", "0"], ["--top", "-1"],
                      ["--by", "a..b"], ["--field", ""], ["--bogus"]])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try runTool("astats", arguments, input: fetched)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
    }

    @Test func anUnreadableFileExitsOne() throws {
        let result = try runTool("astats", ["/nonexistent/records.ndjson"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/records.ndjson"))
    }

    @Test func quietSilencesInvalidLineWarnings() throws {
        let result = try runTool("astats", ["--quiet"], input: "nope\n")
        #expect(result.stderr.isEmpty)
        #expect(result.lines.first.flatMap(object)?["invalid"] as? Int == 1)
    }

    /// The suite's own pipeline: afetch's records from the fixture server, summarised.
    @Test func summarisesAfetchOutput() throws {
        let fixture = try Fixture()
        let urls = (0..<20).map { fixture.url("/p/\($0).html") } + [fixture.url("/fault/status/404"), fixture.url("/fault/status/500")]
        let result = try runShell("afetch --retries 0 | astats", input: urls.joined(separator: "\n") + "\n")
        #expect(result.status == 0)
        let summary = try #require(result.lines.first.flatMap(object))
        #expect(summary["records"] as? Int == 22)
        #expect(summary["ok"] as? Int == 20)
        #expect(summary["status"] as? [String: Int] == ["200": 20, "404": 1, "500": 1])
        #expect((summary["errors"] as? [String: Int])?["http"] == 2)
        #expect((summary["latency_ms"] as? [String: Any])?["count"] as? Int == 22)
        let host = try #require((summary["hosts"] as? [[String: Any]])?.first)
        #expect(host["host"] as? String == "127.0.0.1" && host["records"] as? Int == 22)
    }
}
