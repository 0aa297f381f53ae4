/// Every figure of one summary scope (the whole input, a window, or one group),
/// in memory that does not grow with the number of records.
public struct Figures {
    /// Valid records seen.
    public internal(set) var records: UInt64 = 0
    /// Records with `ok: true`.
    public internal(set) var ok: UInt64 = 0
    /// Records with `ok: false`.
    public internal(set) var failed: UInt64 = 0
    /// Lines that were not JSON objects (counted in the whole-input and window scopes only).
    public internal(set) var invalid: UInt64 = 0
    /// Count per status code 0...999, indexed by code.
    var statusCounts = [UInt64](repeating: 0, count: 1000)
    /// The lowest and highest codes counted, so a reset clears only those.
    private var lowestStatus = 1000
    private var highestStatus = -1
    /// Count per documented error kind, indexed as `ErrorKinds.known`.
    var errorCounts = [UInt64](repeating: 0, count: ErrorKinds.known.count)
    /// Counts of error kinds outside the documented set (bounded: see `maxOtherErrorKinds`).
    var otherErrors: [String: UInt64] = [:]
    /// `elapsed_ms` values.
    public internal(set) var latency = Histogram()
    /// `timing.ttfb_ms` values.
    public internal(set) var ttfb = Histogram()
    /// One histogram per `--field`.
    public internal(set) var fields: [Histogram]
    /// Sum of `length`.
    public internal(set) var bytes: Double = 0
    /// Sum of `attempts`.
    public internal(set) var attempts: Double = 0
    /// Sum of `attempts - 1` over records with attempts.
    public internal(set) var retries: Double = 0
    /// Earliest and latest `fetched_at`, in milliseconds since the epoch.
    public internal(set) var firstFetchedAt = Double.infinity
    public internal(set) var lastFetchedAt = -Double.infinity

    /// At most this many undocumented error kinds are told apart; the rest count as `other`.
    static let maxOtherErrorKinds = 64

    init(fieldCount: Int) {
        fields = Array(repeating: Histogram(), count: fieldCount)
    }

    /// Seconds from the first to the last `fetched_at`, 0 with fewer than two.
    public var spanSeconds: Double {
        lastFetchedAt > firstFetchedAt ? (lastFetchedAt - firstFetchedAt) / 1000 : 0
    }

    /// Records per second over the span, 0 when the span is 0.
    public var ratePerSecond: Double {
        spanSeconds > 0 ? Double(records) / spanSeconds : 0
    }

    /// Counts one record.
    @inline(__always)
    mutating func add(_ record: RecordFigures, fieldValues: UnsafeBufferPointer<Double>, otherErrorKind: String) {
        records &+= 1
        if record.ok == 1 { ok &+= 1 } else if record.ok == 0 { failed &+= 1 }
        if record.status >= 0 { countStatus(record.status) }
        if record.errorKind >= 0 { countError(record.errorKind, otherErrorKind) }
        if !record.elapsedMs.isNaN { latency.record(record.elapsedMs) }
        if !record.ttfbMs.isNaN { ttfb.record(record.ttfbMs) }
        if !record.length.isNaN { bytes += record.length }
        if !record.attempts.isNaN {
            attempts += record.attempts
            retries += Swift.max(0, record.attempts - 1)
        }
        if !record.fetchedAt.isNaN {
            if record.fetchedAt < firstFetchedAt { firstFetchedAt = record.fetchedAt }
            if record.fetchedAt > lastFetchedAt { lastFetchedAt = record.fetchedAt }
        }
        for index in fieldValues.indices where !fieldValues[index].isNaN {
            fields[index].record(fieldValues[index])
        }
    }

    /// Counts one line that was not a JSON object.
    mutating func addInvalid() { invalid &+= 1 }

    @inline(__always)
    private mutating func countStatus(_ code: Int) {
        statusCounts[code] &+= 1
        if code < lowestStatus { lowestStatus = code }
        if code > highestStatus { highestStatus = code }
    }

    private mutating func countError(_ kind: Int, _ otherName: String) {
        if kind < ErrorKinds.other {
            errorCounts[kind] &+= 1
        } else if otherErrors[otherName] != nil || otherErrors.count < Figures.maxOtherErrorKinds {
            otherErrors[otherName, default: 0] &+= 1
        } else {
            otherErrors["other", default: 0] &+= 1
        }
    }

    /// Forgets everything, keeping the memory (a new window, or a group slot taken over).
    mutating func reset() {
        records = 0; ok = 0; failed = 0; invalid = 0
        if lowestStatus <= highestStatus {
            for code in lowestStatus...highestStatus { statusCounts[code] = 0 }
        }
        lowestStatus = 1000
        highestStatus = -1
        for kind in errorCounts.indices { errorCounts[kind] = 0 }
        otherErrors.removeAll()
        latency.reset()
        ttfb.reset()
        for index in fields.indices { fields[index].reset() }
        bytes = 0; attempts = 0; retries = 0
        firstFetchedAt = .infinity
        lastFetchedAt = -.infinity
    }

    /// Status codes seen, ascending, with their counts.
    public var statuses: [(code: Int, count: UInt64)] {
        statusCounts.indices.compactMap { statusCounts[$0] > 0 ? ($0, statusCounts[$0]) : nil }
    }

    /// Counts per status class (`1xx`... `5xx`; codes outside 100-599 as `other`), in order.
    public var statusClasses: [(name: String, count: UInt64)] {
        var classes = [UInt64](repeating: 0, count: 7)
        for (code, count) in statuses {
            let hundreds = code / 100
            classes[(1...5).contains(hundreds) ? hundreds : 6] += count
        }
        return classes.indices.compactMap { index in
            guard index > 0, classes[index] > 0 else { return nil }
            return (index == 6 ? "other" : "\(index)xx", classes[index])
        }
    }

    /// Error kinds seen with their counts, most frequent first, then by name.
    public var errors: [(kind: String, count: UInt64)] {
        var all = errorCounts.indices.compactMap { errorCounts[$0] > 0 ? (ErrorKinds.known[$0], errorCounts[$0]) : nil }
        all.append(contentsOf: otherErrors.map { ($0.key, $0.value) })
        return all.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }
}
