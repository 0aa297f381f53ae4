import NDJSON

/// Counters of a run, for the live progress line and the summary at exit.
public struct RunCounters: Sendable {
    /// Records written.
    public var done = 0
    /// Records with `ok: true`.
    public var ok = 0
    /// Records with `ok: false`.
    public var failed = 0
    /// Retries scheduled.
    public var retries = 0
}

/// One line on stderr, redrawn at most four times a second while afetch runs.
struct ProgressLine {
    let enabled: Bool
    private var lastDraw = 0.0
    private let start: Double

    init(enabled: Bool, start: Double) {
        self.enabled = enabled
        self.start = start
    }

    mutating func update(_ counters: RunCounters, inFlight: Int, waitingRetries: Int, now: Double) {
        guard enabled, now - lastDraw >= 0.25 else { return }
        lastDraw = now
        let rate = Double(counters.done) / max(now - start, 0.001)
        writeToStandardError("\r\u{1B}[K\(counters.done) done, \(counters.ok) ok, \(counters.failed) failed, "
                             + "\(inFlight) in flight, \(waitingRetries) retries waiting, \(Int(rate)) records/s")
    }

    func clear() {
        if enabled { writeToStandardError("\r\u{1B}[K") }
    }
}
