import Foundation
import NDJSON
import Testing
import TestSupport
import URLs

/// The repository's root, for scripts/lib/gen_links.py.
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

private let jqAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/jq")

/// A fresh directory for one test's files.
private func scratchDirectory(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "afilter-e2e-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `count` link records from scripts/lib/gen_links.py to `path` (deterministic).
private func generateLinks(_ count: Int, to path: String) throws {
    let result = try runShell("python3 '\(repositoryRoot)/scripts/lib/gen_links.py' \(count) > '\(path)'")
    try #require(result.status == 0, "gen_links.py failed: \(result.stderr)")
}

/// Calls `body` with each pair of lines of two files, in step; the counts of lines.
private func zipLines(_ first: String, _ second: String,
                      _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) throws -> (Int, Int) {
    let a = try LineReader(path: first)
    let b = try LineReader(path: second)
    var countA = 0
    var countB = 0
    while true {
        let lineA = try a.next()
        let lineB = try b.next()
        if lineA != nil { countA += 1 }
        if lineB != nil { countB += 1 }
        guard let lineA, let lineB else { break }
        body(lineA, lineB)
    }
    while try a.next() != nil { countA += 1 }
    while try b.next() != nil { countB += 1 }
    return (countA, countB)
}

private func parsed(_ line: UnsafeBufferPointer<UInt8>) -> NSDictionary? {
    try? JSONSerialization.jsonObject(with: Data(line)) as? NSDictionary
}

private func lines(ofFile path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

@Suite(.serialized) struct AfilterTests {
    /// On a million generated link records, --same-host keeps exactly what jq's
    /// select keeps, compared record by record as parsed JSON (jq re-serialises).
    @Test(.enabled(if: jqAvailable)) func sameHostAgreesWithJqOnAMillionRecords() throws {
        let directory = try scratchDirectory("jq")
        let input = directory + "/links.ndjson"
        try generateLinks(1_000_000, to: input)
        // The generator's URLs have no port or user information; hosts and schemes vary in case.
        let host = #"ascii_downcase | ltrimstr("https://") | ltrimstr("http://") | split("/")[0]"#
        let script = """
            afilter --same-host < '\(input)' > '\(directory)/afilter.out' && \
            jq -c 'select((.url | \(host)) == (.from | \(host)))' < '\(input)' > '\(directory)/jq.out'
            """
        let run = try runShell(script)
        try #require(run.status == 0, "\(run.stderr)")
        var mismatches = 0
        var firstMismatch = ""
        let (kept, expected) = try zipLines(directory + "/afilter.out", directory + "/jq.out") { ours, theirs in
            guard let ours = parsed(ours), let theirs = parsed(theirs), ours == theirs else {
                if mismatches == 0 {
                    firstMismatch = String(decoding: ours, as: UTF8.self) + "\n" + String(decoding: theirs, as: UTF8.self)
                }
                mismatches += 1
                return
            }
        }
        #expect(kept == expected)
        #expect(mismatches == 0, "first mismatch:\n\(firstMismatch)")
        // The generator makes 70% of links on-site, plus chance matches.
        #expect(kept > 650_000 && kept < 750_000)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// --unique keeps the first record of each URL as WebURL.normalized (libcurl) defines it.
    @Test func uniqueAgreesWithAReferenceDedupe() throws {
        let directory = try scratchDirectory("unique")
        let input = directory + "/links.ndjson"
        try generateLinks(300_000, to: input)
        let run = try runShell("afilter --unique < '\(input)' > '\(directory)/afilter.out'")
        try #require(run.status == 0, "\(run.stderr)")
        var seen = Set<String>()
        var expected: [String] = []
        for line in try lines(ofFile: input) {
            let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let url = try WebURL(try #require(record["url"] as? String))
            if seen.insert(url.normalized).inserted { expected.append(line) }
        }
        let kept = try lines(ofFile: directory + "/afilter.out")
        #expect(kept.count == expected.count)
        #expect(kept == expected)
        // The generator draws 52 hosts x 100,000 paths with upper-case variants: some repeat.
        #expect(expected.count < 300_000)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// afilter loads libcurl's URL API only for a URL its own parser leaves to libcurl: a
    /// record of plain URLs needs no libcurl at all, and a libcurl without the API is a
    /// clear error (exit 70), not a crash. A stub library stands in for libcurl.so.4.
    @Test func loadsLibcurlOnlyWhenAURLNeedsIt() throws {
        let directory = try stubLibcurlDirectory("afilter")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func afilter(_ url: String) throws -> ToolResult {
            try runShell("printf '%s\\n' '{\"url\":\"\(url)\",\"from\":\"http://example.com/\"}' | afilter --same-host",
                         environment: ["LD_LIBRARY_PATH": directory])
        }
        let plain = try afilter("http://example.com/b")
        #expect(plain.status == 0 && String(decoding: plain.stdout, as: UTF8.self).contains("example.com/b"), "\(plain.stderr)")
        let encodedHost = try afilter("http://exa%6Dple.com/b")
        #expect(encodedHost.status == 70)
        #expect(encodedHost.stderr == "afilter: libcurl.so.4 has no curl_url\n")
        // What passed before the failure is handed on, not lost in the output buffer.
        let both = try runShell("printf '%s\\n' '{\"url\":\"http://example.com/first\",\"from\":\"http://example.com/\"}' "
                                + "'{\"url\":\"http://exa%6Dple.com/b\",\"from\":\"http://example.com/\"}' | afilter --same-host",
                                environment: ["LD_LIBRARY_PATH": directory])
        #expect(both.status == 70)
        #expect(String(decoding: both.stdout, as: UTF8.self).contains("example.com/first"))
    }

    @Test func linesPassThroughByteForByte() throws {
        let input = [
            #"{ "url" : "https://a.example/x" ,"from":"https://A.EXAMPLE/" , "n": 1.50, "t":"\u00e9\/" }"#,
            #"{"from":"https://a.example/","url":"https:\/\/a.example\/y"}"#,
            #"{"url":"https://b.example/","from":"https://a.example/"}"#,
        ]
        let result = try runTool("afilter", ["--same-host"], input: input.joined(separator: "\n") + "\n")
        #expect(result.status == 0)
        #expect(result.lines == [input[0], input[1]])
    }

    @Test func invalidLinesAreCountedReportedAndOptionallyKept() throws {
        let good = #"{"url":"https://a.example/","from":"https://a.example/"}"#
        var input = [good, "not json", #"{"url":"https://a.example/"}"#, "[1]", good]
        input += (0..<6).map { _ in "{" }
        let text = input.joined(separator: "\n") + "\n"
        let dropped = try runTool("afilter", ["--same-host"], input: text)
        #expect(dropped.status == 0)
        #expect(dropped.lines == [good, good])
        #expect(dropped.stderr.contains("stdin:2: not a JSON object"))
        #expect(dropped.stderr.contains("stdin:3: no field from"))
        #expect(dropped.stderr.contains("stdin:7:"))
        #expect(!dropped.stderr.contains("stdin:8:"), "only the first five are shown")
        #expect(dropped.stderr.contains("9 of 11 lines invalid, dropped"))
        let kept = try runTool("afilter", ["--same-host", "--keep-invalid"], input: text)
        #expect(kept.lines == input)
        let quiet = try runTool("afilter", ["--same-host", "--quiet"], input: text)
        #expect(quiet.stderr.isEmpty)
    }

    @Test(arguments: [
        (["--shard", "3/2"], "K must be from 1 to N"),
        (["--shard", "x"], "--shard needs K/N"),
        (["--include", "(unclosed"], "invalid regular expression"),
        (["--exclude", "a{2,1}"], "invalid regular expression"),
        (["--status", "7xx"], "invalid status"),
        (["--ok", "--failed"], "exclude each other"),
        (["--where", "nofield"], "FIELD=VALUE"),
        (["--max-depth=-1"], "0 or more"),
        (["--no-such-flag"], "Unknown option"),
    ])
    func usageErrorsExitTwo(_ arguments: [String], _ message: String) throws {
        let result = try runTool("afilter", arguments, input: "{}\n")
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func unreadableSeenFileIsFatal() throws {
        let result = try runTool("afilter", ["--seen", "/nonexistent-dir/seen.txt"], input: "{}\n")
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent-dir/seen.txt"))
    }

    @Test func shardsPartitionTheInputByHost() throws {
        let directory = try scratchDirectory("shard")
        let input = directory + "/links.ndjson"
        try generateLinks(20_000, to: input)
        var total = 0
        var hostsByShard: [Set<String>] = []
        for k in 1...3 {
            let result = try runShell("afilter --shard \(k)/3 < '\(input)'")
            #expect(result.status == 0)
            total += result.lines.count
            let hosts = result.records.compactMap { ($0["url"] as? String).flatMap { try? WebURL($0).host } }
            hostsByShard.append(Set(hosts))
        }
        #expect(total == 20_000)
        // Each host lives in exactly one shard.
        #expect(hostsByShard[0].isDisjoint(with: hostsByShard[1]))
        #expect(hostsByShard[1].isDisjoint(with: hostsByShard[2]))
        #expect(hostsByShard[0].isDisjoint(with: hostsByShard[2]))
        #expect(hostsByShard.allSatisfy { !$0.isEmpty })
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func seenFileContinuesAcrossRuns() throws {
        let directory = try scratchDirectory("seen")
        let seen = directory + "/seen.txt"
        let level1 = [#"{"url":"https://a.example/1"}"#, #"{"url":"https://a.example/2"}"#]
        let level2 = [#"{"url":"https://A.example/2#top"}"#, #"{"url":"https://a.example/3"}"#]
        let first = try runTool("afilter", ["--seen", seen], input: level1.joined(separator: "\n") + "\n")
        #expect(first.lines == level1)
        let second = try runTool("afilter", ["--seen", seen], input: level2.joined(separator: "\n") + "\n")
        #expect(second.lines == [level2[1]])
        #expect(try lines(ofFile: seen) == ["https://a.example/1", "https://a.example/2", "https://a.example/3"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Two processes appending to one --seen file at once: no torn or
    /// interleaved lines, every URL recorded, and a later run drops them all.
    @Test func twoConcurrentProcessesShareOneSeenFile() throws {
        let directory = try scratchDirectory("concurrent")
        let seen = directory + "/seen.txt"
        // Two overlapping halves of 200,000 distinct URLs, long enough for many appends each.
        let urls = (0..<200_000).map { "https://site\($0 % 97).example/page/\($0)?q=\($0 * 7)" }
        let a = urls[0..<120_000].map { #"{"url":"\#($0)"}"# }
        let b = urls[80_000...].reversed().map { #"{"url":"\#($0)"}"# }
        // Started from here rather than with `sh -c '... & ... & wait'`: the test
        // runner's threads block SIGCHLD, which the shell's `wait` would inherit.
        let inputs = [Data((a.joined(separator: "\n") + "\n").utf8), Data((b.joined(separator: "\n") + "\n").utf8)]
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = try? run(BuiltTools.path("afilter"), ["--seen", seen], input: inputs[index])
            results.store(result, at: index)
        }
        let (resultA, resultB) = (try #require(results.results[0]), try #require(results.results[1]))
        #expect(resultA.status == 0 && resultB.status == 0, "\(resultA.stderr)\(resultB.stderr)")
        let recorded = try lines(ofFile: seen)
        let expected = Set(urls)
        #expect(recorded.allSatisfy { expected.contains($0) }, "every line of the file is one whole URL")
        #expect(Set(recorded) == expected, "every URL is recorded")
        let outA = resultA.lines
        let outB = resultB.lines
        #expect(Set(outA).count == outA.count && Set(outB).count == outB.count)
        #expect(Set(outA).union(outB).count == urls.count, "every URL passed at least once")
        let again = try runTool("afilter", ["--seen", seen], input: (a + b).joined(separator: "\n") + "\n")
        #expect(again.status == 0)
        #expect(again.stdout.isEmpty)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Results of processes run on several threads at once.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var results: [ToolResult?] = [nil, nil]

    func store(_ result: ToolResult?, at index: Int) {
        lock.lock()
        defer { lock.unlock() }
        results[index] = result
    }
}
