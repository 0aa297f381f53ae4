import Foundation
import NDJSON
@testable import Stats

/// A deterministic generator (SplitMix64), so every run tests the same records.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// One generated fetch record, with the values the reference computations use.
struct Generated {
    var host: String
    var status: Int?
    var ok: Bool
    var errorKind: String?
    var length: Int
    var attempts: Int
    var elapsedMs: Double
    var ttfbMs: Double?
    var connectMs: Double?
    var fetchedAtMs: Int64
    var region: String?

    /// The record as afetch would write it (plus a nested `meta.region`).
    var line: String {
        var members = [
            "\"url\":\"https://\(host.uppercased())/p/\(length).html\"",
            "\"final_url\":\"https://\(host)/p/\(length).html\"",
            "\"status\":\(status.map(String.init) ?? "null")",
            "\"ok\":\(ok)",
            "\"length\":\(length)",
            "\"attempts\":\(attempts)",
            "\"elapsed_ms\":\(milliseconds(elapsedMs))",
        ]
        var timing = ["\"dns_ms\":0.012"]
        if let connectMs { timing.append("\"connect_ms\":\(milliseconds(connectMs))") }
        if let ttfbMs { timing.append("\"ttfb_ms\":\(milliseconds(ttfbMs))") }
        members.append("\"timing\":{\(timing.joined(separator: ","))}")
        members.append("\"fetched_at\":\"\(timestamp(fetchedAtMs))\"")
        members.append("\"error\":" + (errorKind.map { "{\"kind\":\"\($0)\",\"message\":\"failed \\\"badly\\\"\"}" } ?? "null"))
        if let region { members.append("\"meta\":{\"region\":\"\(region)\",\"tier\":2}") }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// `count` records over `hostCount` hosts with skewed popularity, about 10% failures.
    static func make(_ count: Int, hostCount: Int = 12, seed: UInt64 = 7) -> [Generated] {
        var random = SplitMix(state: seed)
        let start: Int64 = 1_795_630_981_123  // 2026-11-25T18:23:01.123Z
        return (0..<count).map { index in
            // Skewed hosts: host k is picked about twice as often as host k+1, down to the last.
            var hostIndex = 0
            while hostIndex < hostCount - 1 && random.below(2) == 0 { hostIndex += 1 }
            let roll = random.below(100)
            let elapsed = Double(500 + random.below(2_000_000) * (roll < 3 ? 20 : 1)) / 1000
            var record = Generated(
                host: "h\(hostIndex).example.com", status: 200, ok: true, errorKind: nil,
                length: random.below(100_000), attempts: 1, elapsedMs: elapsed,
                ttfbMs: Double(Int(elapsed * 1000 * 0.6)) / 1000,
                connectMs: random.below(10) == 0 ? nil : Double(random.below(50_000)) / 1000,
                fetchedAtMs: start + Int64(index * 7 + random.below(5)),
                region: random.below(4) == 0 ? nil : ["eu", "us", "ap"][random.below(3)])
            switch roll {
            case 0..<4: record.status = nil; record.ok = false; record.errorKind = "timeout"; record.attempts = 3; record.ttfbMs = nil
            case 4..<6: record.status = nil; record.ok = false; record.errorKind = "dns"
            case 6: record.status = nil; record.ok = false; record.errorKind = "weird_kind"
            case 7..<9: record.status = 404; record.ok = false; record.errorKind = "http"
            case 9: record.status = 503; record.ok = false; record.errorKind = "http"; record.attempts = 2
            case 10..<12: record.status = 301
            default: break
            }
            return record
        }
    }
}

func milliseconds(_ value: Double) -> String { String(format: "%.3f", value) }

func timestamp(_ epochMs: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: Double(epochMs) / 1000))
}

/// The figures a summary must hold, computed the plain way from the generated records.
struct Expected {
    let records: [Generated]

    var ok: Int { records.filter(\.ok).count }
    var failed: Int { records.filter { !$0.ok }.count }
    var statuses: [String: Int] {
        Dictionary(grouping: records.compactMap(\.status), by: { String($0) }).mapValues(\.count)
    }
    var statusClasses: [String: Int] {
        Dictionary(grouping: records.compactMap(\.status), by: { "\($0 / 100)xx" }).mapValues(\.count)
    }
    var errors: [String: Int] {
        Dictionary(grouping: records.compactMap(\.errorKind), by: { $0 }).mapValues(\.count)
    }
    var bytes: Int { records.map(\.length).reduce(0, +) }
    var attempts: Int { records.map(\.attempts).reduce(0, +) }
    var retries: Int { records.map { $0.attempts - 1 }.reduce(0, +) }
    var spanSeconds: Double {
        guard let first = records.map(\.fetchedAtMs).min(), let last = records.map(\.fetchedAtMs).max() else { return 0 }
        return Double(last - first) / 1000
    }
    var rate: Double { spanSeconds > 0 ? Double(records.count) / spanSeconds : 0 }
}

/// Nearest-rank quantile (q in ten-thousandths) of unsorted values.
func nearestRank(_ values: [Double], _ q: Int) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = max(1, (q * sorted.count + 9999) / 10000)
    return sorted[rank - 1]
}

/// Feeds an engine one line at a time, each line a batch of its own, so that a test can
/// act between two lines (a tick, say).
struct LineFeeder {
    private var parser: BatchParser
    private let batch = ParsedBatch()

    init(options: StatsOptions) { parser = BatchParser(options: options) }

    mutating func feed(_ line: String, lineNumber: Int, to engine: StatsEngine) {
        var line = line
        batch.clearReading()
        line.withUTF8 { parser.parse(line: $0, into: batch) }
        engine.count(batch, firstLineNumber: lineNumber)
    }
}

/// Runs the engine over `lines`, returning every summary it wrote (parsed) and its warnings.
func summarize(_ lines: [String], _ options: StatsOptions = StatsOptions(),
               ticks: [Int: Double] = [:]) -> (summaries: [[String: Any]], warnings: [String]) {
    var output: [UInt8] = []
    var warnings: [String] = []
    let engine = StatsEngine(options: options, emit: { output += $0 }, diagnose: { warnings.append($0) })
    engine.start(now: 0)
    var feeder = LineFeeder(options: options)
    for (number, line) in lines.enumerated() {
        feeder.feed(line, lineNumber: number + 1, to: engine)
        if let now = ticks[number + 1] { engine.tick(now: now) }
    }
    engine.finish()
    let summaries = String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsed": String(line)]
    }
    return (summaries, warnings)
}

/// A JSON number as a Double (nil when absent or not a number).
func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

/// The quantile names of a distribution object with their ten-thousandths.
let quantileNames: [(String, Int)] = [("p50", 5000), ("p90", 9000), ("p95", 9500), ("p99", 9900), ("p999", 9990)]
