import Foundation
import Testing
@testable import Stats

/// Checks a distribution object against the values it was computed from: exact count,
/// minimum, maximum and mean (to the three decimals written), quantiles within the
/// histogram's precision (a bucket is at most 1/1024 of its values wide) plus rounding.
func expectDistribution(_ object: Any?, _ values: [Double], _ label: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    guard let object = object as? [String: Any] else {
        Issue.record("\(label): no distribution object", sourceLocation: sourceLocation)
        return
    }
    #expect(number(object["count"]) == Double(values.count), "\(label) count", sourceLocation: sourceLocation)
    let mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    #expect(abs((number(object["mean"]) ?? .nan) - mean) <= 0.0006, "\(label) mean", sourceLocation: sourceLocation)
    #expect(abs((number(object["min"]) ?? .nan) - (values.min() ?? 0)) <= 0.0005, "\(label) min", sourceLocation: sourceLocation)
    #expect(abs((number(object["max"]) ?? .nan) - (values.max() ?? 0)) <= 0.0005, "\(label) max", sourceLocation: sourceLocation)
    for (name, q) in quantileNames {
        let reference = nearestRank(values, q)
        let got = number(object[name]) ?? .nan
        #expect(abs(got - reference) <= reference * 0.001 + 0.0015,
                "\(label) \(name): \(got) against \(reference)", sourceLocation: sourceLocation)
    }
}

/// Checks every figure of a summary (or of one group) against the records it covers.
func expectFigures(_ summary: [String: Any], _ records: [Generated], fields: [String] = [],
                   sourceLocation: SourceLocation = #_sourceLocation) {
    let expected = Expected(records: records)
    #expect(number(summary["records"]) == Double(records.count), "records", sourceLocation: sourceLocation)
    #expect(number(summary["ok"]) == Double(expected.ok), "ok", sourceLocation: sourceLocation)
    #expect(number(summary["failed"]) == Double(expected.failed), "failed", sourceLocation: sourceLocation)
    #expect((summary["status"] as? [String: Int]) == expected.statuses, "status", sourceLocation: sourceLocation)
    #expect((summary["status_class"] as? [String: Int]) == expected.statusClasses, "status_class", sourceLocation: sourceLocation)
    #expect((summary["errors"] as? [String: Int]) == expected.errors, "errors", sourceLocation: sourceLocation)
    #expect(number(summary["bytes"]) == Double(expected.bytes), "bytes", sourceLocation: sourceLocation)
    #expect(number(summary["attempts"]) == Double(expected.attempts), "attempts", sourceLocation: sourceLocation)
    #expect(number(summary["retries"]) == Double(expected.retries), "retries", sourceLocation: sourceLocation)
    #expect(abs((number(summary["span_s"]) ?? .nan) - expected.spanSeconds) <= 0.0005, "span_s", sourceLocation: sourceLocation)
    #expect(abs((number(summary["rate_per_s"]) ?? .nan) - expected.rate) <= 0.0005 + expected.rate * 1e-9,
            "rate_per_s", sourceLocation: sourceLocation)
    expectDistribution(summary["latency_ms"], records.map(\.elapsedMs), "latency_ms", sourceLocation: sourceLocation)
    expectDistribution(summary["ttfb_ms"], records.compactMap(\.ttfbMs), "ttfb_ms", sourceLocation: sourceLocation)
    let fieldObjects = summary["fields"] as? [String: Any]
    for field in fields {
        let values: [Double] = field == "timing.connect_ms" ? records.compactMap(\.connectMs) : records.map { Double($0.length) }
        expectDistribution(fieldObjects?[field], values, field, sourceLocation: sourceLocation)
    }
}

@Suite struct SummaryTests {
    @Test func everyFigureMatchesTheReference() {
        let records = Generated.make(5000)
        let (summaries, warnings) = summarize(records.map(\.line))
        #expect(summaries.count == 1)
        #expect(warnings.isEmpty)
        expectFigures(summaries[0], records)
        #expect(number(summaries[0]["invalid"]) == 0)
    }

    @Test func hostsAreTheTopGroupsWithTheSameFigures() throws {
        let records = Generated.make(4000)
        var options = StatsOptions()
        options.top = 3
        let summary = try #require(summarize(records.map(\.line), options).summaries.first)
        let hosts = try #require(summary["hosts"] as? [[String: Any]])
        let byHost = Dictionary(grouping: records, by: \.host)
        let expectedOrder = byHost.keys.sorted { byHost[$0]!.count != byHost[$1]!.count ? byHost[$0]!.count > byHost[$1]!.count : $0 < $1 }
        #expect(hosts.map { $0["host"] as? String } == expectedOrder.prefix(3).map { $0 })
        for host in hosts {
            let name = try #require(host["host"] as? String)
            expectFigures(host, byHost[name]!)
            #expect(host["untracked"] == nil)
        }
    }

    @Test(arguments: ["status", "meta.region"])
    func groupsByAnyFieldWithDottedPaths(field: String) throws {
        let records = Generated.make(3000)
        var options = StatsOptions()
        options.groupBy = FieldPath(field)
        options.top = 100
        let summary = try #require(summarize(records.map(\.line), options).summaries.first)
        #expect(summary["group_by"] as? String == field)
        #expect(summary["hosts"] == nil)
        let groups = try #require(summary["groups"] as? [[String: Any]])
        // Records without the field (or with null) belong to the null group or none.
        let keyed: [(String, Generated)] = records.compactMap { record in
            if field == "status" { return (record.status.map(String.init) ?? "null", record) }
            return record.region.map { ($0, record) }
        }
        let expected = Dictionary(grouping: keyed, by: \.0).mapValues { $0.map(\.1) }
        #expect(groups.count == expected.count)
        for group in groups {
            let key = try #require(group["key"].map { $0 is NSNull ? "null" : "\($0)" })
            let members = try #require(expected[key], "unexpected group \(key)")
            expectFigures(group, members)
            if field == "status", key != "null" { #expect(group["key"] is NSNumber) }
            if field == "meta.region" { #expect(group["key"] is String) }
        }
    }

    @Test func fieldsMeasureAnyNumberAtADottedPath() throws {
        let records = Generated.make(2000)
        var options = StatsOptions()
        options.fields = [FieldPath("timing.connect_ms")!, FieldPath("length")!]
        let summary = try #require(summarize(records.map(\.line), options).summaries.first)
        expectFigures(summary, records, fields: ["timing.connect_ms", "length"])
        let host = try #require((summary["hosts"] as? [[String: Any]])?.first)
        let name = try #require(host["host"] as? String)
        expectFigures(host, records.filter { $0.host == name }, fields: ["timing.connect_ms", "length"])
    }

    @Test func emptyInputGivesASummaryOfZeros() throws {
        let (summaries, warnings) = summarize([])
        let summary = try #require(summaries.first)
        #expect(summaries.count == 1 && warnings.isEmpty)
        for name in ["records", "ok", "failed", "invalid", "bytes", "attempts", "retries", "span_s", "rate_per_s"] {
            #expect(number(summary[name]) == 0, "\(name)")
        }
        for name in ["latency_ms", "ttfb_ms"] {
            let distribution = try #require(summary[name] as? [String: Any])
            for key in ["count", "min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] {
                #expect(number(distribution[key]) == 0, "\(name).\(key)")
            }
        }
        #expect((summary["status"] as? [String: Any])?.isEmpty == true)
        #expect((summary["errors"] as? [String: Any])?.isEmpty == true)
        #expect((summary["hosts"] as? [Any])?.isEmpty == true)
    }

    @Test func invalidLinesAreCountedAndReportedAndBlankLinesSkipped() throws {
        let records = Generated.make(50)
        var lines = records.map(\.line)
        let bad = ["not json", "[1,2]", "{\"a\":", "\"text\"", "{\"a\":1}}"]
        for (offset, line) in bad.enumerated() { lines.insert(line, at: offset * 7) }
        lines.insert("", at: 3)
        lines.insert("   ", at: 9)
        // Twelve more invalid lines: only the first ten of all are reported one by one.
        lines += Array(repeating: "{oops}", count: 12)
        let (summaries, warnings) = summarize(lines)
        let summary = try #require(summaries.first)
        #expect(number(summary["invalid"]) == 17)
        expectFigures(summary, records)
        #expect(warnings.count == 11)
        #expect(warnings.first?.hasPrefix("line 1: not a JSON object") == true)
        #expect(warnings.last == "17 invalid lines in all")
    }

    @Test func recordsWithoutTheFieldsAreCountedButNotMeasured() throws {
        let lines = ["{}", "{\"url\":\"x\"}", "{\"elapsed_ms\":\"12\",\"status\":\"200\",\"ok\":1,\"timing\":null}",
                     "{\"elapsed_ms\":5,\"status\":2000,\"error\":{\"message\":\"no kind\"}}"]
        let summary = try #require(summarize(lines).summaries.first)
        #expect(number(summary["records"]) == 4)
        #expect(number(summary["ok"]) == 0 && number(summary["failed"]) == 0)
        #expect(number((summary["latency_ms"] as? [String: Any])?["count"]) == 1)
        #expect((summary["status"] as? [String: Any])?.isEmpty == true)
        #expect((summary["errors"] as? [String: Any])?.isEmpty == true)
        #expect((summary["hosts"] as? [Any])?.isEmpty == true)
    }

    @Test func escapedKeysAndValuesAreStillRecognised() throws {
        let line = #"{"st\u0061tus":200,"url":"https:\/\/Ex\u0041mple.com\/a","elapsed_ms":1.5,"ok":true}"#
        let summary = try #require(summarize([line]).summaries.first)
        #expect((summary["status"] as? [String: Int]) == ["200": 1])
        #expect((summary["hosts"] as? [[String: Any]])?.first?["host"] as? String == "example.com")
    }
}

@Suite struct WindowTests {
    @Test func everyNLinesWritesTheWindowAndTheCumulativeSummary() throws {
        let records = Generated.make(1000)
        var options = StatsOptions()
        options.every = 300
        let summaries = summarize(records.map(\.line), options).summaries
        // Windows after 300, 600 and 900 lines, the last partial one, then the final summary.
        #expect(summaries.count == 5)
        for (index, interval) in summaries.prefix(4).enumerated() {
            #expect(number(interval["window"]) == Double(index + 1))
            let window = try #require(interval["summary"] as? [String: Any])
            let cumulative = try #require(interval["cumulative"] as? [String: Any])
            let end = min(1000, (index + 1) * 300)
            expectFigures(window, Array(records[(index * 300)..<end]))
            expectFigures(cumulative, Array(records[0..<end]))
            let host = try #require((window["hosts"] as? [[String: Any]])?.first)
            let name = try #require(host["host"] as? String)
            expectFigures(host, records[(index * 300)..<end].filter { $0.host == name })
        }
        expectFigures(summaries[4], records)
    }

    @Test func intervalsFollowTheClockAndIdleWindowsAreEmpty() throws {
        let records = Generated.make(100)
        var options = StatsOptions()
        options.interval = 5
        // Clock readings after lines 40 (t=4.9 s: not due), 60 (t=5: due), and 100 (t=17:
        // due once, with the deadlines at 10 and 15 skipped rather than written as a burst).
        let summaries = summarize(records.map(\.line), options, ticks: [40: 4.9, 60: 5, 100: 17]).summaries
        #expect(summaries.count == 3)
        let first = try #require(summaries[0]["summary"] as? [String: Any])
        let second = try #require(summaries[1]["summary"] as? [String: Any])
        expectFigures(first, Array(records[0..<60]))
        expectFigures(second, Array(records[60..<100]))
        expectFigures(summaries[2], records)
    }

    @Test func idleInputStillGetsItsWindows() throws {
        var output: [UInt8] = []
        var options = StatsOptions()
        options.interval = 2
        let engine = StatsEngine(options: options, emit: { output += $0 }, diagnose: { _ in })
        engine.start(now: 100)
        #expect(engine.nextDeadline == 102)
        engine.tick(now: 101)
        #expect(output.isEmpty)
        engine.tick(now: 102.5)
        #expect(engine.nextDeadline == 104)
        let window = try #require(try JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])
        #expect(number((window["summary"] as? [String: Any])?["records"]) == 0)
        #expect(engine.windowsWritten == 1)
    }
}
