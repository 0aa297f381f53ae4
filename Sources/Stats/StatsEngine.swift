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

    /// Counts one record, in the figures and in its group (none when `kind` is nil).
    @inline(__always)
    mutating func add(_ record: RecordFigures, fieldValues: UnsafeBufferPointer<Double>, otherErrorKind: String,
                      key: UnsafeBufferPointer<UInt8>, kind: GroupKeyKind?) {
        figures.add(record, fieldValues: fieldValues, otherErrorKind: otherErrorKind)
        guard let kind else { return }
        groups.add(record, fieldValues: fieldValues, otherErrorKind: otherErrorKind, key: key, kind: kind)
    }
}

/// The counting state in one value, so that counting a line is one access to the
/// engine's storage rather than one per field (class properties are checked for
/// exclusive access at run time).
struct Counting {
    var total: Scope
    var window: Scope?
    /// Lines counted in the current window (records and invalid lines).
    var linesInWindow = 0
    /// `--every`, or Int.max.
    let windowLines: Int

    /// Why `countRecords` stopped before the end of the batch.
    enum Stop {
        case end
        /// At this line, which is not a JSON object.
        case invalid(Int)
        /// After this line, which filled the `--every` window.
        case windowFull(Int)
    }

    /// Notes one more line in the current window; true when that fills it (`--every`).
    @inline(__always)
    mutating func fillsWindow() -> Bool {
        linesInWindow += 1
        return linesInWindow >= windowLines
    }

    /// Counts the batch's records from line `from` on, up to its end, an invalid line
    /// or a full window, whichever comes first.
    mutating func countRecords(_ batch: ParsedBatch, from: Int) -> Stop {
        let fieldCount = total.figures.fields.count
        return batch.keys.withUnsafeBufferPointer { keys in
            batch.fieldValues.withUnsafeBufferPointer { values in
                for index in from..<batch.lines.count {
                    let line = batch.lines[index]
                    switch line.outcome {
                    case .blank: continue
                    case .invalid: return .invalid(index)
                    case .record: break
                    }
                    let key = UnsafeBufferPointer(rebasing: keys[line.keyStart..<(line.keyStart + line.keyCount)])
                    let fields = UnsafeBufferPointer(rebasing: values[line.valuesStart..<(line.valuesStart + fieldCount)])
                    let other = line.figures.errorKind == ErrorKinds.other ? batch.otherErrorKinds[index] ?? "" : ""
                    total.add(line.figures, fieldValues: fields, otherErrorKind: other, key: key, kind: line.keyKind)
                    guard window != nil else { continue }
                    window!.add(line.figures, fieldValues: fields, otherErrorKind: other, key: key, kind: line.keyKind)
                    if fillsWindow() { return .windowFull(index) }
                }
                return .end
            }
        }
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
            total: Scope(options: options),
            window: options.every != nil || options.interval != nil ? Scope(options: options) : nil,
            windowLines: options.every ?? .max)
        self.emit = emit
        self.diagnose = diagnose
    }

    /// Starts the interval clock at `now` (seconds, any monotonic origin).
    public func start(now: Double) {
        if let interval = options.interval { nextDeadline = now + interval }
    }

    /// Counts a parsed batch of lines, the next ones of the input in order.
    /// `firstLineNumber` is the batch's first line's number, for diagnostics.
    public func count(_ batch: ParsedBatch, firstLineNumber: Int) {
        var index = 0
        while index < batch.lines.count {
            switch counting.countRecords(batch, from: index) {
            case .end:
                return
            case .invalid(let line):
                countInvalid(batch.syntaxErrors[line], lineNumber: firstLineNumber + line)
                index = line + 1
            case .windowFull(let line):
                writeWindow()
                index = line + 1
            }
        }
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
        if window != nil && counting.linesInWindow > 0 { writeWindow() }
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

    /// Counts an invalid line; only the first few are described (a description is a String).
    private func countInvalid(_ error: (any Error)?, lineNumber: Int) {
        total.figures.addInvalid()
        window?.figures.addInvalid()
        if total.figures.invalid <= UInt64(StatsEngine.invalidLinesReported) {
            diagnose("line \(lineNumber): not a JSON object: \(error.map { "\($0)" } ?? "")")
        }
        if window != nil && counting.fillsWindow() { writeWindow() }
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
        counting.linesInWindow = 0
    }
}
