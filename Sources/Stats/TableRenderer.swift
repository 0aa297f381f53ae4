/// The summary for people (`--table`): counts with thousands separators, durations
/// in ms or s, sizes in KiB/MiB/GiB, rates in req/s, aligned columns, and the
/// latency distribution as bars of block characters. ANSI colour only when asked.
struct TableRenderer {
    let options: StatsOptions

    /// The whole table for a scope, ending with a blank line; `title` heads a window's table.
    func render(_ scope: Scope, title: String?) -> [UInt8] {
        let figures = scope.figures
        var out = ""
        if let title { out += paint(bold, "── \(title) ──") + "\n" }
        out += overview(figures)
        out += "\n" + distributions(figures)
        let tallies = self.tallies(figures)
        if !tallies.isEmpty { out += "\n" + tallies }
        if figures.latency.count > 0 { out += "\n" + histogram(figures.latency) }
        let groups = scope.groups.top(options.top)
        if !groups.isEmpty { out += "\n" + groupTable(groups) }
        out += "\n"
        return Array(out.utf8)
    }

    // MARK: - Sections

    private func overview(_ figures: Figures) -> String {
        let okShare = figures.records > 0 ? " (\(percent(figures.ok, of: figures.records)))" : ""
        let first = [
            paint(bold, "records"), grouped(figures.records),
            "ok", paint(green, grouped(figures.ok)) + okShare,
            "failed", paint(figures.failed > 0 ? red : "", grouped(figures.failed)),
            "invalid", paint(figures.invalid > 0 ? red : "", grouped(figures.invalid)),
        ]
        let second = [
            paint(bold, "span"), seconds(figures.spanSeconds),
            "rate", rate(figures.ratePerSecond),
            "bytes", size(figures.bytes),
            "retries", grouped(UInt64(figures.retries)) + " of \(grouped(UInt64(figures.attempts))) attempts",
        ]
        return aligned([first, second], rightAligned: [])
    }

    private func distributions(_ figures: Figures) -> String {
        var rows = [["", "count", "min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"].map { paint(dim, $0) }]
        func row(_ name: String, _ histogram: Histogram) {
            var cells = [paint(bold, name), grouped(histogram.count), duration(histogram.min), duration(histogram.mean)]
            cells += reportedQuantiles.map { duration(histogram.value(atQuantile: $0.quantile)) }
            cells.append(duration(histogram.max))
            rows.append(cells)
        }
        row("latency", figures.latency)
        row("ttfb", figures.ttfb)
        for (path, histogram) in zip(options.fields, figures.fields) {
            rows.append([paint(bold, path.description), grouped(histogram.count), number(histogram.min),
                         number(histogram.mean)]
                        + reportedQuantiles.map { number(histogram.value(atQuantile: $0.quantile)) }
                        + [number(histogram.max)])
        }
        return aligned(rows, rightAligned: Set(1..<10))
    }

    private func tallies(_ figures: Figures) -> String {
        var rows: [[String]] = []
        let statuses = figures.statuses
        if !statuses.isEmpty {
            rows.append([paint(bold, "status")] + statuses.map {
                paint($0.code >= 400 ? red : "", "\($0.code)") + " " + grouped($0.count)
            })
            rows.append([paint(bold, "class")] + figures.statusClasses.map {
                "\($0.name) " + percent($0.count, of: figures.records)
            })
        }
        let errors = figures.errors
        if !errors.isEmpty {
            rows.append([paint(bold, "errors")] + errors.map { paint(red, $0.kind) + " " + grouped($0.count) })
        }
        return rows.isEmpty ? "" : aligned(rows.map { [$0[0], $0.dropFirst().joined(separator: "   ")] }, rightAligned: [])
    }

    /// Latency counts between bounds of a 1-2-5 series covering min to max, one bar each,
    /// in eighths of a block.
    private func histogram(_ latency: Histogram) -> String {
        let bounds = seriesBounds(from: latency.min, to: latency.max)
        var counts: [UInt64] = []
        var below: UInt64 = 0
        for bound in bounds.dropFirst() {
            let upTo = bound == bounds.last ? latency.count : latency.count(below: bound)
            counts.append(upTo - below)
            below = upTo
        }
        let largest = counts.max() ?? 1
        let width = 32
        var rows: [[String]] = []
        for (index, count) in counts.enumerated() {
            let eighths = largest > 0 ? Int((Double(count) / Double(largest) * Double(width * 8)).rounded()) : 0
            var bar = String(repeating: "█", count: eighths / 8)
            if eighths % 8 > 0 { bar += String(Array("▏▎▍▌▋▊▉")[eighths % 8 - 1]) }
            if bar.isEmpty && count > 0 { bar = "▏" }
            rows.append([duration(bounds[index]), "–", duration(bounds[index + 1]),
                         paint(cyan, bar + String(repeating: " ", count: width - barLength(eighths, count))),
                         grouped(count)])
        }
        return paint(bold, "latency") + "\n" + aligned(rows, rightAligned: [0, 2, 4])
    }

    private func barLength(_ eighths: Int, _ count: UInt64) -> Int {
        Swift.max(eighths / 8 + (eighths % 8 > 0 ? 1 : 0), count > 0 ? 1 : 0)
    }

    private func groupTable(_ groups: [Group]) -> String {
        let name = options.groupBy?.description ?? "host"
        var rows = [[name, "records", "ok", "failed", "p50", "p90", "p99", "max", "bytes", "rate"].map { paint(dim, $0) }]
        for group in groups {
            let figures = group.figures
            let latency = figures.latency
            rows.append([
                paint(bold, String(decoding: group.key, as: UTF8.self)) + (group.untracked > 0 ? "*" : ""),
                grouped(figures.records), percent(figures.ok, of: figures.records),
                paint(figures.failed > 0 ? red : "", grouped(figures.failed)),
                duration(latency.value(atQuantile: 5000)), duration(latency.value(atQuantile: 9000)),
                duration(latency.value(atQuantile: 9900)), duration(latency.max),
                size(figures.bytes), rate(figures.ratePerSecond),
            ])
        }
        var text = aligned(rows, rightAligned: Set(1..<10))
        if groups.contains(where: { $0.untracked > 0 }) {
            text += paint(dim, "* counted since it entered the table of \(options.groupCapacity) groups") + "\n"
        }
        return text
    }

    // MARK: - Layout

    /// Pads each column to its widest cell; escape sequences take no width.
    private func aligned(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = Swift.max(widths[column], visibleWidth(cell)) }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - visibleWidth(cell))
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingBlanks()
        }.joined(separator: "\n") + "\n"
    }

    private func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else if scalar.properties.generalCategory != .nonspacingMark {
                width += 1
            }
        }
        return width
    }

    // MARK: - Colour

    private var bold: String { "1" }
    private var dim: String { "2" }
    private var red: String { "31" }
    private var green: String { "32" }
    private var cyan: String { "36" }

    /// `text` in an SGR style (ECMA-48 8.3.117) when colour is on.
    private func paint(_ style: String, _ text: String) -> String {
        guard options.color, !style.isEmpty, !text.isEmpty else { return text }
        return "\u{1B}[\(style)m\(text)\u{1B}[0m"
    }
}

// MARK: - Units

/// Bounds of a 1-2-5 series (in ms) from at or below `low` to above `high`,
/// thinned to decades when that would make more than 15 bins.
func seriesBounds(from low: Double, to high: Double) -> [Double] {
    let decades: [Double] = [1e-3, 1e-2, 1e-1, 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
    for steps in [[1.0, 2, 5], [1.0]] {
        let series = decades.flatMap { decade in steps.map { $0 * decade } }
        let start = series.lastIndex { $0 <= low } ?? 0
        var bounds = [series[start]]
        var next = start + 1
        while next < series.count && bounds[bounds.count - 1] <= high {
            bounds.append(series[next])
            next += 1
        }
        if bounds.count <= 16 || steps.count == 1 { return bounds }
    }
    return []
}

/// `1,234,567`.
func grouped(_ value: UInt64) -> String {
    let digits = Array(String(value))
    var text = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { text += "," }
        text.append(digit)
    }
    return text
}

/// `value` with exactly `decimals` decimals, rounded half away from zero.
func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((abs(value) * scale).rounded())
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard decimals > 0 else { return sign + String(scaled) }
    let whole = scaled / Int(scale)
    let fraction = String(scaled % Int(scale))
    return sign + "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
}

/// A value with three significant digits (at most 3 decimals).
func significant(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 100 || magnitude == 0 { return fixed(value, 0) }
    if magnitude >= 10 { return fixed(value, 1) }
    if magnitude >= 1 { return fixed(value, 2) }
    return fixed(value, 3)
}

/// Milliseconds as `0.123 ms`, `12.3 ms`, `456 ms` or `1.23 s`.
func duration(_ milliseconds: Double) -> String {
    if abs(milliseconds) >= 1000 { return significant(milliseconds / 1000) + " s" }
    return significant(milliseconds) + " ms"
}

/// Seconds as `12.3 s`, `4m 05s` or `2h 03m 04s`.
func seconds(_ value: Double) -> String {
    if value < 60 { return significant(value) + " s" }
    let whole = Int(value.rounded())
    let (hours, minutes, secs) = (whole / 3600, whole / 60 % 60, whole % 60)
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return hours > 0 ? "\(hours)h \(two(minutes))m \(two(secs))s" : "\(minutes)m \(two(secs))s"
}

/// Bytes in B, KiB, MiB, GiB or TiB (IEC 80000-13 binary prefixes).
func size(_ bytes: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = bytes
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return (unit == 0 ? fixed(value, 0) : significant(value)) + " " + units[unit]
}

/// Requests per second: `12,345 req/s` or `3.5 req/s`.
func rate(_ perSecond: Double) -> String {
    (perSecond >= 100 ? grouped(UInt64(perSecond.rounded())) : significant(perSecond)) + " req/s"
}

/// `part` as a percentage of `whole` with one decimal: `96.2%`.
func percent(_ part: UInt64, of whole: UInt64) -> String {
    whole == 0 ? "0.0%" : fixed(Double(part) / Double(whole) * 100, 1) + "%"
}

/// Any other number: three significant digits, or grouped digits when large and whole.
func number(_ value: Double) -> String {
    if abs(value) >= 1000 && value == value.rounded() && abs(value) < 1e18 {
        return (value < 0 ? "-" : "") + grouped(UInt64(abs(value)))
    }
    return significant(value)
}

extension String {
    func trimmingTrailingBlanks() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
