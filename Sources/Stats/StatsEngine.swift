import NDJSON

/// What astats computes and how it writes it.
public struct StatsOptions: Sendable {
    /// How many groups a summary lists. The default is 10.
    public var top = 10
    /// Group by this field instead of by the host of `url`.
    public var groupBy: FieldPath?
    /// Extra numeric fields to measure.
    public var fields: [FieldPath] = []
    /// Write a window summary after every this many lines.
    public var every: Int?
    /// Write a window summary every this many seconds.
    public var interval: Double?
    /// Write tables for people instead of JSON.
    public var table = false
    /// Colour the tables (only on a terminal, never with NO_COLOR: the caller decides).
    public var color = false

    public init() {}

    /// Groups tracked per scope: eight times those shown, at least 64, so that the
    /// top ones are exact unless the stream holds more frequent groups than that.
    public var groupCapacity: Int { Swift.max(8 * top, 64) }
}

/// One summary scope: its figures and its groups.
struct Scope {
    var figures: Figures
    var groups: GroupTable

    init(options: StatsOptions) {
        figures = Figures(fieldCount: options.fields.count)
        groups = GroupTable(capacity: options.groupCapacity, fieldCount: options.fields.count)
    }

    mutating func reset() {
        figures.reset()
        groups.removeAll()
    }

    /// Counts the record `reader` read, in the figures and in its group.
    @inline(__always)
    mutating func add(_ reader: RecordReader, key: UnsafeBufferPointer<UInt8>) {
        figures.add(reader.figures, fieldValues: reader.fieldValues, otherErrorKind: reader.otherErrorKind)
        guard let kind = reader.groupKeyKind else { return }
        groups.add(reader.figures, fieldValues: reader.fieldValues, otherErrorKind: reader.otherErrorKind,
                   key: key, kind: kind)
    }
}

/// The per-line state in one value, so that counting a line is one access to the
/// engine's storage rather than one per field (class properties are checked for
/// exclusive access at run time).
struct Counting {
    var reader: RecordReader
    var total: Scope
    var window: Scope?

    /// Reads and counts one line; returns the syntax error when it is not a JSON object.
    @inline(__always)
    mutating func count(_ line: UnsafeBufferPointer<UInt8>) -> Error? {
        do {
            try reader.read(line)
        } catch {
            return error
        }
        if let range = reader.groupKeyInLine {
            let key = UnsafeBufferPointer(rebasing: line[range])
            total.add(reader, key: key)
            if window != nil { window!.add(reader, key: key) }
            return nil
        }
        let key = reader.groupKey
        key.withUnsafeBufferPointer { key in
            total.add(reader, key: key)
            if window != nil { window!.add(reader, key: key) }
        }
        return nil
    }
}

/// Aggregates lines into summaries: the whole input, and with `every` or
/// `interval` also windows. Output and diagnostics go to the closures given,
/// so the engine knows nothing of file descriptors and tests drive it directly
/// (the clock too: `tick(now:)`).
public final class StatsEngine {
    public let options: StatsOptions
    private var counting: Counting
    private var total: Scope {
        get { counting.total }
        _modify { yield &counting.total }
    }
    private var window: Scope? {
        get { counting.window }
        _modify { yield &counting.window }
    }
    private let emit: ([UInt8]) -> Void
    private let diagnose: (String) -> Void
    /// Lines counted in the current window (records and invalid lines).
    private var linesInWindow = 0
    /// Windows written so far.
    public private(set) var windowsWritten = 0
    /// When the next `--interval` window is due, in the caller's clock's seconds.
    public private(set) var nextDeadline: Double?
    /// Invalid lines reported one by one before only counting them.
    static let invalidLinesReported = 10

    /// `emit` receives each summary, complete with its newline; `diagnose` each
    /// warning line, without one.
    public init(options: StatsOptions, emit: @escaping ([UInt8]) -> Void, diagnose: @escaping (String) -> Void) {
        self.options = options
        counting = Counting(
            reader: RecordReader(groupBy: options.groupBy, fields: options.fields, wantsGroup: options.top > 0),
            total: Scope(options: options),
            window: options.every != nil || options.interval != nil ? Scope(options: options) : nil)
        self.emit = emit
        self.diagnose = diagnose
    }

    /// Starts the interval clock at `now` (seconds, any monotonic origin).
    public func start(now: Double) {
        if let interval = options.interval { nextDeadline = now + interval }
    }

    /// Counts one input line. `lineNumber` is only for diagnostics.
    public func process(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) {
        if let error = counting.count(line) {
            if isBlank(line) { return }
            countInvalid(error, lineNumber: lineNumber)
            return
        }
        countLineInWindow()
    }

    /// Writes every window whose deadline is at or before `now`: an idle input
    /// still gets its (empty) windows on time.
    public func tick(now: Double) {
        guard let interval = options.interval, var deadline = nextDeadline, now >= deadline else { return }
        writeWindow()
        // Deadlines missed while blocked are skipped, not written as a burst.
        while deadline <= now { deadline += interval }
        nextDeadline = deadline
    }

    /// Writes the last partial window, if any, and the summary of the whole input.
    public func finish() {
        if window != nil && linesInWindow > 0 { writeWindow() }
        if options.table {
            emit(TableRenderer(options: options).render(total, title: nil))
        } else {
            var json = JSONBuffer()
            SummaryWriter(options: options).write(total, into: &json)
            json.newline()
            emit(json.bytes)
        }
        let invalid = total.figures.invalid
        if invalid > UInt64(StatsEngine.invalidLinesReported) {
            diagnose("\(invalid) invalid lines in all")
        }
    }

    private func countInvalid(_ error: Error, lineNumber: Int) {
        total.figures.addInvalid()
        window?.figures.addInvalid()
        if total.figures.invalid <= UInt64(StatsEngine.invalidLinesReported) {
            diagnose("line \(lineNumber): not a JSON object: \(error)")
        }
        countLineInWindow()
    }

    @inline(__always)
    private func countLineInWindow() {
        guard window != nil else { return }
        linesInWindow += 1
        if let every = options.every, linesInWindow >= every { writeWindow() }
    }

    private func writeWindow() {
        guard window != nil else { return }
        windowsWritten += 1
        if options.table {
            emit(TableRenderer(options: options).render(window!, title: "window \(windowsWritten)"))
        } else {
            var json = JSONBuffer()
            let writer = SummaryWriter(options: options)
            json.beginObject()
            json.key("window")
            json.number(windowsWritten)
            json.key("summary")
            writer.write(window!, into: &json)
            json.key("cumulative")
            writer.write(total, into: &json)
            json.endObject()
            json.newline()
            emit(json.bytes)
        }
        window!.reset()
        linesInWindow = 0
    }

    private func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
