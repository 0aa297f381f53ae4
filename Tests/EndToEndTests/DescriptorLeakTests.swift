import Foundation
import Testing
import TestSupport

/// No file-descriptor leak through the whole pipeline (issue 9, "Load and memory").
///
/// The issue asks for 100,000 pages; the CI test fetches the fixture's whole
/// site of 2,000 pages `rounds` times (10,000 pages, some 20 s in a debug
/// build), through one long-running `afetch | alinks | afilter`, and counts
/// /proc/PID/fd of afetch and of the fixture server after the first round and
/// after the last: a descriptor lost per page, or per connection, would show
/// as thousands. `ACRAWL_LEAK_ROUNDS=50` runs the full 100,000 (about 90 s).
@Suite struct DescriptorLeakTests {
    static let pages = 2_000
    static let rounds = Int(ProcessInfo.processInfo.environment["ACRAWL_LEAK_ROUNDS"] ?? "") ?? 5

    @Test func aLongPipelineKeepsItsDescriptorCountFlat() throws {
        let fixture = try Fixture()
        // --resume /dev/null answers nothing but makes afetch write each record as it
        // finishes, so the pipeline's output tells when a round is done.
        let pipeline = try StreamingShell(
            "afetch -q -c 16 --resume /dev/null | alinks -q --pages | afilter -q --has status")
        var counts: [(afetch: Int, server: Int)] = []
        do {
            for round in 0..<Self.rounds {
                let urls = (0..<Self.pages).map { fixture.url("/p/\($0).html?round=\(round)") }
                pipeline.write(urls.joined(separator: "\n") + "\n")
                try waitUntil { pipeline.linesWritten >= (round + 1) * Self.pages }
                let afetch = try #require(descendants(of: pipeline.pid).first { $0.name == "afetch" })
                let server = try #require(ProcessSnapshot(pid: fixture.pid))
                counts.append((try #require(afetch.openDescriptors), try #require(server.openDescriptors)))
            }
        } catch {
            pipeline.killGroup()
            throw error
        }
        pipeline.closeInput()
        let result = pipeline.finish()
        #expect(result.status == 0)
        #expect(result.lines.count == Self.pages * Self.rounds)
        let (first, last) = (counts[0], counts[counts.count - 1])
        #expect(last.afetch <= first.afetch, "afetch: \(counts.map(\.afetch)) open descriptors after each round")
        #expect(last.server <= first.server, "fixture server: \(counts.map(\.server)) open descriptors after each round")
    }
}
