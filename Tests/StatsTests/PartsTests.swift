import Foundation
import Testing
@testable import Stats

@Suite struct HistogramTests {
    /// Value sets with different shapes: narrow, wide, constant, heavy-tailed, tiny.
    static let distributions: [(String, [Double])] = {
        var random = SplitMix(state: 11)
        var uniform: [Double] = []
        var logUniform: [Double] = []
        for _ in 0..<10_000 {
            uniform.append(Double(random.below(100_000)) / 1000)
            logUniform.append(pow(10, random.unit() * 9).rounded() / 1000)
        }
        let heavyTail: [Double] = (0..<5000).map { (index: Int) -> Double in
            index % 100 == 0 ? 30_000 + Double(index) : Double(index % 97) + 0.5
        }
        return [
            ("uniform 0-100 ms", uniform),
            ("log-uniform 1 µs-1000 s", logUniform),
            ("constant", Array(repeating: 42.125, count: 777)),
            ("heavy tail", heavyTail),
            ("one value", [3.25]),
            ("two values", [1, 1_000_000]),
        ]
    }()

    @Test(arguments: distributions)
    func quantilesAreWithinThreeSignificantDigits(name: String, values: [Double]) {
        var histogram = Histogram()
        for value in values { histogram.record(value) }
        #expect(histogram.count == UInt64(values.count), "\(name)")
        #expect(histogram.min == values.min()! && histogram.max == values.max()!, "\(name)")
        #expect(abs(histogram.mean - values.reduce(0, +) / Double(values.count)) < 1e-9 * max(1, histogram.mean))
        for q in [1, 100, 2500, 5000, 9000, 9500, 9900, 9990, 9999, 10000] {
            let reference = nearestRank(values, q)
            let got = histogram.value(atQuantile: q)
            #expect(got >= reference - 0.0005 && got <= reference * (1 + 1.0 / 1024) + 0.0005,
                    "\(name) q\(q): \(got) against \(reference)")
        }
    }

    @Test func bucketsNeverSpanMoreThanATenthOfAPercent() {
        var random = SplitMix(state: 3)
        for _ in 0..<100_000 {
            let units = random.next() >> (random.next() % 62 + 2)
            let index = Histogram.index(of: units)
            let highest = Histogram.highestUnits(at: index)
            #expect(highest >= units)
            #expect(Double(highest - units) <= Double(units) / 1024 + 1, "\(units)")
            if index > 0 { #expect(Histogram.highestUnits(at: index - 1) < units, "\(units)") }
        }
    }

    @Test func memoryFollowsTheSpreadNotTheCount() {
        var histogram = Histogram()
        for index in 0..<1_000_000 { histogram.record(Double(index % 3) + 10) }
        #expect(histogram.count == 1_000_000)
        // 11 ms is 11,000 µs, in a bucket 8 µs wide: the bucket's highest value is reported.
        #expect(histogram.value(atQuantile: 5000) == 11.007)
        histogram.reset()
        #expect(histogram.count == 0 && histogram.value(atQuantile: 5000) == 0 && histogram.max == 0)
        histogram.record(7)
        #expect(histogram.value(atQuantile: 10000) == 7)
    }

    @Test func negativeValuesCountAsZeroInQuantilesOnly() {
        var histogram = Histogram()
        for value in [-5.0, -1, 2, 4] { histogram.record(value) }
        #expect(histogram.min == -5 && histogram.max == 4 && histogram.mean == 0)
        #expect(histogram.value(atQuantile: 5000) == 0)
        #expect(histogram.value(atQuantile: 10000) == 4)
    }

    @Test func countBelowSplitsAtBucketPrecision() {
        var histogram = Histogram()
        for value in stride(from: 1.0, through: 100, by: 1) { histogram.record(value) }
        #expect(histogram.count(below: 50) == 49)
        #expect(histogram.count(below: 1000) == 100)
        #expect(histogram.count(below: 0.5) == 0)
    }
}

@Suite struct GroupTableTests {
    @Test func aMillionHostsStayWithinCapacityAndHeavyHittersStayExact() throws {
        var options = StatsOptions()
        options.top = 3
        var lines: [String] = []
        var heavy: [String: Int] = [:]
        for index in 0..<200_000 {
            // Every 5th record goes to one of three heavy hosts, the rest to distinct hosts.
            let host = index % 5 == 0 ? "heavy\(index % 3).test" : "h\(index).test"
            if host.hasPrefix("heavy") { heavy[host, default: 0] += 1 }
            lines.append("{\"url\":\"http://\(host)/\",\"elapsed_ms\":\(index % 100)}")
        }
        let summary = try #require(summarize(lines, options).summaries.first)
        let hosts = try #require(summary["hosts"] as? [[String: Any]])
        #expect(Set(hosts.compactMap { $0["host"] as? String }) == Set(heavy.keys))
        for host in hosts {
            let name = try #require(host["host"] as? String)
            #expect(number(host["records"]) == Double(heavy[name]!))
            #expect(host["untracked"] == nil)
        }
        #expect(number(summary["records"]) == 200_000)
    }

    @Test func evictedGroupsReportWhatTheyMayHaveMissed() {
        var table = GroupTable(capacity: 2, fieldCount: 0)
        func add(_ key: String) {
            var key = Array(key.utf8)
            key.withUnsafeMutableBufferPointer {
                table.add(RecordFigures(), fieldValues: UnsafeBufferPointer(start: nil, count: 0), otherErrorKind: "", key: UnsafeBufferPointer($0), kind: .string)
            }
        }
        for key in ["a", "a", "a", "b", "c", "c", "d"] { add(key) }
        #expect(table.count == 2)
        #expect(table.evictions == 2)
        let top = table.top(5)
        // "b" (1) gave its slot to "c" (untracked 1, then 2 records); "d" took the smallest
        // slot next, a tie at 3 between "a" and "c" that the first slot loses.
        #expect(top.count == 2)
        let counts = top.map { ($0.figures.records, $0.untracked) }
        #expect(counts.allSatisfy { $0.0 + $0.1 >= 1 })
        #expect(top.contains { String(decoding: $0.key, as: UTF8.self) == "d" && $0.untracked == 3 })
    }

    @Test func removingKeepsProbeChainsIntact() {
        var table = GroupTable(capacity: 8, fieldCount: 0)
        var random = SplitMix(state: 5)
        var alive: [String: UInt64] = [:]
        for _ in 0..<20_000 {
            let key = "k\(random.below(30))"
            var bytes = Array(key.utf8)
            bytes.withUnsafeMutableBufferPointer {
                table.add(RecordFigures(), fieldValues: UnsafeBufferPointer(start: nil, count: 0), otherErrorKind: "", key: UnsafeBufferPointer($0), kind: .string)
            }
            alive[key, default: 0] += 1
        }
        // Each key appears at most once in the table, whatever was evicted and re-admitted.
        let keys = table.top(100).map { String(decoding: $0.key, as: UTF8.self) }
        #expect(keys.count == 8 && Set(keys).count == 8)
    }
}

@Suite struct ParsingTests {
    @Test(arguments: [
        ("https://Example.COM/path", "Example.COM"),
        ("http://user:pw@host.test:8080/x?y#z", "host.test"),
        ("http://[::1]:443/", "[::1]"),
        ("https://h.test?q=1", "h.test"),
        ("https://h.test#frag", "h.test"),
        ("svn+ssh://repo.test/", "repo.test"),
        ("mailto:someone@example.com", nil),
        ("/relative/path", nil),
        ("http:///nohost", nil),
        ("", nil),
    ] as [(String, String?)])
    func hostComesFromTheAuthority(url: String, host: String?) {
        var bytes = Array(url.utf8)
        let found = bytes.withUnsafeMutableBufferPointer { buffer in
            hostRange(of: UnsafeBufferPointer(buffer)).map { String(decoding: buffer[$0], as: UTF8.self) }
        }
        #expect(found == host)
    }

    @Test(arguments: [
        ("\"2026-11-25T18:03:01.123Z\"", 1_795_629_781_123.0),
        ("\"1970-01-01T00:00:00Z\"", 0),
        ("\"2026-11-25T19:03:01.123+01:00\"", 1_795_629_781_123.0),
        ("\"2026-11-25T18:03:01.5z\"", 1_795_629_781_500.0),
        ("\"2000-02-29T00:00:00.000Z\"", 951_782_400_000),
        ("\"2026-13-25T18:03:01Z\"", Double.nan),
        ("\"yesterday\"", Double.nan),
    ] as [(String, Double)])
    func timestampsAreRFC3339(text: String, epochMs: Double) {
        var bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeMutableBufferPointer { parseTimestamp(UnsafeBufferPointer($0), 0..<$0.count) }
        if epochMs.isNaN { #expect(parsed.isNaN) } else { #expect(abs(parsed - epochMs) < 0.001, "\(parsed)") }
    }

    @Test(arguments: ["0", "-0", "12", "12.345", "-7.25", "0.001", "123456789012345", "1e3", "2.5E-3",
                      "12345678901234567890", "0.1234567890123456789", "1797693134862315.7"])
    func numbersParseExactlyLikeTheStandardLibrary(text: String) {
        var bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeMutableBufferPointer { parseNumber(UnsafeBufferPointer($0), 0..<$0.count) }
        #expect(parsed == Double(text)!)
    }

    @Test(arguments: ["a", "timing.ttfb_ms", "a.b.c"])
    func fieldPathsSplitOnDots(text: String) {
        #expect(FieldPath(text)?.components.count == text.split(separator: ".").count)
    }

    @Test(arguments: ["", ".", "a.", ".a", "a..b"])
    func emptyComponentsAreRejected(text: String) {
        #expect(FieldPath(text) == nil)
    }
}

@Suite struct TableTests {
    func render(_ lines: [String], color: Bool) -> String {
        var options = StatsOptions()
        options.table = true
        options.color = color
        options.fields = [FieldPath("timing.connect_ms")!]
        var output: [UInt8] = []
        let engine = StatsEngine(options: options, emit: { output += $0 }, diagnose: { _ in })
        var feeder = LineFeeder(options: options)
        for (number, line) in lines.enumerated() {
            feeder.feed(line, lineNumber: number + 1, to: engine)
        }
        engine.finish()
        return String(decoding: output, as: UTF8.self)
    }

    @Test func tableHasUnitsAlignedColumnsAndABlockHistogram() throws {
        let text = render(Generated.make(2000).map(\.line), color: false)
        #expect(!text.contains("\u{1B}"))
        for expected in ["records", "2,000", "req/s", "MiB", " ms", "p99.9", "status", "200 ", "errors", "timeout",
                         "timing.connect_ms", "latency", "█", "host", "h0.example.com"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        // Columns line up: in the distribution block the unit of every p50 cell ends at one column.
        let lines = text.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.contains("p99.9") })
        let latency = try #require(lines.first { $0.hasPrefix("latency ") })
        let ttfb = try #require(lines.first { $0.hasPrefix("ttfb ") })
        let p50End = header.range(of: "p50")!.upperBound.utf16Offset(in: header)
        for row in [latency, ttfb] {
            let cells = row.split(separator: " ", omittingEmptySubsequences: true)
            #expect(cells.count >= 10)
            #expect(row.count == header.count || row.count > p50End)
        }
        #expect(latency.count == ttfb.count)
    }

    @Test func colourOnlyWhenAsked() {
        let text = render(Generated.make(50).map(\.line), color: true)
        #expect(text.contains("\u{1B}[1m"))
        #expect(text.contains("\u{1B}[0m"))
    }

    @Test(arguments: [(true, nil, true), (true, "", true), (true, "1", false), (false, nil, false)] as [(Bool, String?, Bool)])
    func colourNeedsATerminalAndNoNoColor(isTerminal: Bool, noColor: String?, wanted: Bool) {
        #expect(colorWanted(isTerminal: isTerminal, noColor: noColor) == wanted)
    }

    @Test func emptyInputRendersZeros() {
        let text = render([], color: false)
        #expect(text.contains("records"))
        #expect(text.contains("0.0%") || text.contains(" 0 "))
    }

    @Test(arguments: [
        (0.1234, "0.123 ms"), (5.5, "5.50 ms"), (42.25, "42.3 ms"), (999.4, "999 ms"), (1500, "1.50 s"), (30_000, "30.0 s"),
    ] as [(Double, String)])
    func durationsHaveThreeSignificantDigits(milliseconds: Double, text: String) {
        #expect(duration(milliseconds) == text)
    }

    @Test(arguments: [(512.0, "512 B"), (2048, "2.00 KiB"), (5 * 1_048_576, "5.00 MiB"), (3.5 * 1_073_741_824, "3.50 GiB")]
          as [(Double, String)])
    func sizesUseBinaryPrefixes(bytes: Double, text: String) {
        #expect(size(bytes) == text)
    }

    @Test func seriesCoversMinToMax() {
        #expect(seriesBounds(from: 3, to: 70) == [2, 5, 10, 20, 50, 100])
        let wide = seriesBounds(from: 0.5, to: 40_000)
        #expect(wide.first! <= 0.5 && wide.last! > 40_000 && wide.count <= 16)
        #expect(grouped(1_234_567) == "1,234,567" && grouped(12) == "12")
    }
}
