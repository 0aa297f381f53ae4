import FixtureSite
import Foundation
import Testing
import TestSupport

/// SIGINT, SIGTERM and closed pipes for alinks, afilter and astats (issue 9),
/// and no process left behind. afetch's own cases are in AfetchTests:
/// `aSignalCancelsInFlightWorkAndAnswersEveryInput`, `aClosedPipeEndsQuietly`
/// and `resumesAfterSIGKILLAnsweringEveryInputOnce`.
@Suite struct SignalTests {
    static let signals: [(Int32, Int32)] = [(SIGINT, 130), (SIGTERM, 143)]

    /// A filter's input line and the output line it makes, told apart by `n`.
    static func filterLines(_ tool: String, _ n: Int) -> (input: String, output: String) {
        switch tool {
        case "alinks":
            return (#"{"url":"http://h.example/","ok":true,"content_type":"text/html","body":"<a href=\#(n)>x</a>"}"#,
                    #"{"url":"http://h.example/\#(n)","from":"http://h.example/","tag":"a","attr":"href","text":"x","depth":1}"#)
        default:
            let line = #"{"url":"http://h.example/\#(n)"}"#
            return (line, line)
        }
    }

    /// The first signal lets piped input drain to its end (upstream got it too,
    /// and what it still writes is not lost between two tools); the tool then
    /// exits 128 + signal. A cut-off last line at the end is a line like any other.
    @Test(arguments: ["alinks", "afilter"], signals)
    func aFirstSignalLetsPipedInputDrain(tool: String, signal: (number: Int32, status: Int32)) throws {
        let process = try StreamingTool(tool, [])
        process.write(Self.filterLines(tool, 1).input + "\n")
        // Both tools write out what they have before they wait for input: the
        // first line coming out means the tool is waiting for the next.
        try waitUntil { process.firstLine() != nil }
        process.signal(signal.number)
        process.write(Self.filterLines(tool, 2).input + "\n" + #"{"url":"http://h.example/cut"#)
        process.closeInput()
        let result = process.finish()
        #expect(result.status == signal.status)
        #expect(result.lines == [Self.filterLines(tool, 1).output, Self.filterLines(tool, 2).output])
        #expect(result.stderr.contains("interrupted by signal \(signal.number)"))
    }

    /// A second signal stops reading at once: the whole lines already read are
    /// answered, the unfinished one is dropped (never written cut), output is flushed.
    @Test(arguments: ["alinks", "afilter"])
    func aSecondSignalStopsAtOnce(tool: String) throws {
        let process = try StreamingTool(tool, [])
        process.write(Self.filterLines(tool, 1).input + "\n")
        try waitUntil { process.firstLine() != nil }
        let unfinished = #"{"url":"http://h.example/cut"#
        process.write(Self.filterLines(tool, 2).input + "\n" + unfinished)
        try waitUntil { process.linesWritten >= 2 }
        // Two different signals: two of the same may merge into one while pending.
        process.signal(SIGINT)
        process.signal(SIGTERM)
        let result = process.finish()
        #expect([130, 143].contains(result.status), "128 + whichever the kernel delivered first")
        #expect(result.lines == [Self.filterLines(tool, 1).output, Self.filterLines(tool, 2).output])
        #expect(result.stdout.last == 0x0A, "whole lines only")
        #expect(result.stderr.contains("an unfinished line of \(unfinished.utf8.count) bytes was dropped"))
    }

    /// Input from a file has no upstream to end it: one signal stops it at once.
    /// (astats --tee passes its input on, so its output shows how far it read.)
    @Test(arguments: [("alinks", [], 100_000), ("afilter", [], 1_000_000),
                      ("astats", ["--tee", "-o", "/dev/null"], 3_000_000)])
    func aSignalStopsFileInputAtOnce(tool: String, options: [String], count: Int) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stop-\(UUID().uuidString).ndjson").path
        let text = (0..<count).map { Self.filterLines(tool, $0).input }.joined(separator: "\n") + "\n"
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = try StreamingTool(tool, options + [file])
        try waitUntil { process.firstLine() != nil }
        process.signal(SIGTERM)
        let result = process.finish()
        #expect(result.status == 143)
        #expect(result.lines.count < count, "stopped before the end of the file")
        #expect(result.lines.enumerated().allSatisfy { $1 == Self.filterLines(tool, $0).output }, "whole lines, in order")
    }

    /// astats lets input drain after the first signal, so its summary counts
    /// what upstream still writes (afetch's cancelled records), then exits 128 + signal.
    @Test(arguments: signals)
    func astatsSummarisesEverythingAfterOneSignal(signal: (number: Int32, status: Int32)) throws {
        let process = try StreamingTool("astats", ["--every", "1"])
        process.write(#"{"url":"http://a.example/","ok":true}"# + "\n")
        try waitUntil { process.firstLine() != nil }
        process.signal(signal.number)
        process.write(#"{"url":"http://a.example/","ok":false,"error":{"kind":"cancelled"}}"# + "\n")
        process.closeInput()
        let result = process.finish()
        #expect(result.status == signal.status)
        let summary = try #require(result.records.last)
        #expect(summary["records"] as? Int == 2)
        #expect((summary["errors"] as? [String: Int])?["cancelled"] == 1)
        #expect(result.stderr.contains("astats: interrupted by signal \(signal.number)"), "\(result.stderr)")
    }

    /// A second signal stops astats reading at once; the summary of what it read is still written.
    @Test func astatsStopsAtASecondSignal() throws {
        let process = try StreamingTool("astats", ["--every", "1"])
        process.write(#"{"url":"http://a.example/","ok":true}"# + "\n")
        try waitUntil { process.firstLine() != nil }
        // Two different signals: two of the same may merge into one while pending.
        process.signal(SIGINT)
        process.signal(SIGTERM)
        let result = process.finish()
        #expect([130, 143].contains(result.status), "128 + whichever the kernel delivered first")
        #expect(result.records.last?["records"] as? Int == 1)
    }

    /// Ctrl-C on a whole crawl pipeline: afetch cancels what is in flight and
    /// writes every record, the filters drain them, the last command's status is
    /// the pipeline's, and no process is left, the fixture server included.
    @Test(arguments: signals)
    func aSignalStopsAPipelineLosingNothingAndLeavingNoProcess(signal: (number: Int32, status: Int32)) throws {
        var fixture: Fixture? = try Fixture()
        let server = try #require(ProcessSnapshot(pid: fixture!.pid))
        let pipeline = try StreamingShell(
            "afetch -q --grace 0.2 | alinks -q --pages | afilter -q --host 127.0.0.1 | astats --tee -q -o /dev/null")
        // A page fetched at once (its record still in afetch's buffer), and a request that hangs until cancelled.
        pipeline.write(fixture!.url("/p/1.html") + "\n" + fixture!.url("/fault/hang") + "\n")
        try waitUntil { try fixture!.requests(withPrefix: "/fault/hang").count == 1 }
        // Every command started and ready for the signal (a handler installed), as
        // when a person presses Ctrl-C some time after starting a crawl.
        var commands: [ProcessSnapshot] = []
        try waitUntil {
            commands = descendants(of: pipeline.pid)
            return Set(commands.map(\.name)) == ["afetch", "alinks", "afilter", "astats"]
                && commands.allSatisfy { $0.catches(SIGINT) && $0.catches(SIGTERM) }
        }
        pipeline.signalDescendants(signal.number)
        let result = pipeline.finish()
        let links = Site().links(host: "127.0.0.1", path: "/p/1.html", port: fixture!.port)
            .filter { $0.hasPrefix("http://127.0.0.1:") }
        fixture = nil
        #expect(result.status == signal.status)
        let records = result.records
        #expect(records.compactMap { ($0["error"] as? [String: Any])?["kind"] as? String } == ["cancelled"])
        #expect(records.filter { $0["tag"] != nil }.compactMap { $0["url"] as? String } == links, "every link of the fetched page")
        let left = (commands + [server]).filter(\.exists)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// SIGKILL, then resume: afilter's `--seen` file is its resume state. Keys are
    /// appended only after their records are written, so a run killed mid-way and
    /// run again over the same input passes every record at least once, and
    /// again only those the killed run wrote but had not yet noted.
    @Test func afilterSeenResumesAfterSIGKILLLosingNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("seen-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let seen = directory + "/seen.txt"
        let urls = (0..<200_000).map { "https://site\($0 % 89).example/page/\($0)" }
        let input = urls.map { #"{"url":"\#($0)"}"# }.joined(separator: "\n") + "\n"

        let first = try StreamingTool("afilter", ["--seen", seen])
        // Written from a thread of its own, so the kill lands while afilter is busy.
        nonisolated(unsafe) let feeding = first
        let writer = Thread { feeding.write(input); feeding.closeInput() }
        writer.start()
        try waitUntil { first.linesWritten >= 20_000 }
        first.signal(SIGKILL)
        let killed = first.finish()
        #expect(killed.status == 128 + SIGKILL)
        // A line SIGKILL cut in the middle of a write is not a record.
        let firstRun = Set(killed.lines.filter { $0.hasSuffix("\"}") }.map { String($0.dropFirst(8).dropLast(2)) })
        // A key SIGKILL cut mid-write (a short write(2) at a page boundary) is not noted: the
        // next run reads it as a key that matches no URL and ends it with a newline.
        var notedByFirst = try String(contentsOfFile: seen, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        notedByFirst.removeLast()  // what follows the last newline: nothing, or the cut key
        #expect(Set(notedByFirst).isSubset(of: firstRun), "a key is noted only after its record was written")

        let second = try runTool("afilter", ["--seen", seen], input: input)
        #expect(second.status == 0)
        let secondRun = second.lines.map { String($0.dropFirst(8).dropLast(2)) }
        #expect(firstRun.union(secondRun) == Set(urls), "every record passed, in one run or the other")
        #expect(Set(secondRun).isDisjoint(with: notedByFirst), "what the killed run noted is not passed again")
        #expect(secondRun.count == urls.count - notedByFirst.count)
    }

    /// `| head -1`: the tool ends quietly with status 0 once nobody reads.
    @Test(arguments: ["alinks", "afilter", "astats --tee"])
    func aClosedPipeEndsQuietly(command: String) throws {
        // Far more output than a pipe holds, so the tool must meet the closed pipe.
        let tool = String(command.prefix { $0 != " " })
        let lines = (0..<100_000).map { Self.filterLines(tool, $0).input }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("head-\(UUID().uuidString).ndjson").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try runShell("\(command) < '\(file)' | head -1; echo \"status=${PIPESTATUS[0]}\" >&2", shell: "/bin/bash")
        #expect(result.lines.count == 1)
        #expect(result.stderr == "status=0\n", "no noise on stderr, status 0")
    }

    /// Tools and shells started by the tests see signals as from a terminal:
    /// none blocked, though the test's own threads block most of them.
    /// (A process reads its own mask: a shell's, read by its child, is the
    /// transient one it holds while it waits for that child.)
    @Test func processesStartWithNoSignalBlocked() throws {
        let unblocked = ["SigBlk:\t0000000000000000"]
        #expect(try run("/bin/grep", ["SigBlk", "/proc/self/status"]).lines == unblocked)
        #expect(try runShell("exec grep SigBlk /proc/self/status").lines == unblocked)
    }

    /// The fixture server goes away with its Fixture, reaped, on every path a test takes.
    @Test func theFixtureServerLeavesNoProcess() throws {
        var fixture: Fixture? = try Fixture()
        let server = try #require(ProcessSnapshot(pid: fixture!.pid))
        #expect(server.name == "acrawl-fixture")
        _ = try httpGet(port: fixture!.port, path: "/")
        fixture = nil
        #expect(!server.exists, "neither running nor a zombie")
    }
}
