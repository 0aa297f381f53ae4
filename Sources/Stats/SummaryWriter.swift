import NDJSON

/// The quantiles every distribution reports, in ten-thousandths, with their field names.
let reportedQuantiles: [(name: StaticString, quantile: Int)] = [
    ("p50", 5000), ("p90", 9000), ("p95", 9500), ("p99", 9900), ("p999", 9990),
]

/// Writes a scope as the summary record of DESIGN.md section 2.
struct SummaryWriter {
    let options: StatsOptions

    /// The whole summary object, groups included.
    func write(_ scope: Scope, into json: inout JSONBuffer) {
        json.beginObject()
        writeFigures(scope.figures, into: &json, invalid: true)
        let groups = scope.groups.top(options.top)
        if let groupBy = options.groupBy {
            json.key("group_by")
            json.string(groupBy.description)
            json.key("groups")
        } else {
            json.key("hosts")
        }
        json.beginArray()
        for group in groups { write(group, into: &json) }
        json.endArray()
        json.endObject()
    }

    private func write(_ group: Group, into json: inout JSONBuffer) {
        json.beginObject()
        json.key(options.groupBy == nil ? "host" : "key")
        group.key.withUnsafeBufferPointer { key in
            switch group.keyKind {
            case .string: json.string(utf8: key)
            case .number, .bool, .null: json.raw(key)
            }
        }
        writeFigures(group.figures, into: &json, invalid: false)
        if group.untracked > 0 {
            json.key("untracked")
            json.number(Int(group.untracked))
        }
        json.endObject()
    }

    /// The members shared by a summary and each of its groups.
    private func writeFigures(_ figures: Figures, into json: inout JSONBuffer, invalid: Bool) {
        json.key("records"); json.number(Int(figures.records))
        json.key("ok"); json.number(Int(figures.ok))
        json.key("failed"); json.number(Int(figures.failed))
        if invalid { json.key("invalid"); json.number(Int(figures.invalid)) }
        json.key("status")
        json.beginObject()
        for (code, count) in figures.statuses { json.key(String(code)); json.number(Int(count)) }
        json.endObject()
        json.key("status_class")
        json.beginObject()
        for (name, count) in figures.statusClasses { json.key(name); json.number(Int(count)) }
        json.endObject()
        json.key("errors")
        json.beginObject()
        for (kind, count) in figures.errors { json.key(kind); json.number(Int(count)) }
        json.endObject()
        json.key("latency_ms"); write(figures.latency, into: &json)
        json.key("ttfb_ms"); write(figures.ttfb, into: &json)
        if !options.fields.isEmpty {
            json.key("fields")
            json.beginObject()
            for (path, histogram) in zip(options.fields, figures.fields) {
                json.key(path.description)
                write(histogram, into: &json)
            }
            json.endObject()
        }
        json.key("bytes"); json.number(figures.bytes)
        json.key("attempts"); json.number(figures.attempts)
        json.key("retries"); json.number(figures.retries)
        json.key("span_s"); json.milliseconds(figures.spanSeconds)
        json.key("rate_per_s"); json.milliseconds(figures.ratePerSecond)
    }

    /// `{count, min, mean, p50, p90, p95, p99, p999, max}`, values to three decimals.
    private func write(_ histogram: Histogram, into json: inout JSONBuffer) {
        json.beginObject()
        json.key("count"); json.number(Int(histogram.count))
        json.key("min"); json.milliseconds(histogram.min)
        json.key("mean"); json.milliseconds(histogram.mean)
        for (name, quantile) in reportedQuantiles {
            json.key(name)
            json.milliseconds(histogram.value(atQuantile: quantile))
        }
        json.key("max"); json.milliseconds(histogram.max)
        json.endObject()
    }
}
