import NDJSON

/// A block of input lines and what `BatchParser` read from each, ready for
/// `StatsEngine.count` to count in input order. Parsing is most of astats' work and
/// needs nothing from the lines before, so it can run on worker threads; counting must
/// see lines in order (windows, groups taking over slots), so it stays on one thread.
public final class ParsedBatch: @unchecked Sendable {
    /// What a line turned out to be.
    enum Outcome: UInt8 {
        case record, blank, invalid
    }

    /// One line's reading: figures as `RecordReader` left them, its group key as a range
    /// of `keys`, its `--field` values as a range of `fieldValues`.
    struct Line {
        var figures: RecordFigures
        var keyStart: Int
        var keyCount: Int
        var valuesStart: Int
        var outcome: Outcome
        var keyKind: GroupKeyKind?
    }

    /// The whole lines to parse, as `LineReader.nextBufferedBlock` gave them.
    var input: [UInt8] = []
    /// Place in the input order, for putting batches parsed at once back in order.
    var sequence = 0
    var lines: [Line] = []
    var keys: [UInt8] = []
    var fieldValues: [Double] = []
    /// The names of error kinds outside the documented set, by line index (rare).
    var otherErrorKinds: [Int: String] = [:]
    /// Why each invalid line is not a JSON object, by line index.
    var syntaxErrors: [Int: any Error] = [:]

    public init() {}

    /// Takes a copy of `block` as the next input, forgetting the last one's reading.
    func load(_ block: UnsafeBufferPointer<UInt8>, sequence: Int) {
        input.removeAll(keepingCapacity: true)
        input.append(contentsOf: block)
        self.sequence = sequence
    }

    func clearReading() {
        lines.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        fieldValues.removeAll(keepingCapacity: true)
        if !otherErrorKinds.isEmpty { otherErrorKinds.removeAll() }
        if !syntaxErrors.isEmpty { syntaxErrors.removeAll() }
    }
}

/// Reads lines into a `ParsedBatch`; one per thread, since its `RecordReader` remembers
/// the line before (names, timestamps) to read the next faster.
public struct BatchParser {
    private var reader: RecordReader

    public init(options: StatsOptions) {
        reader = RecordReader(groupBy: options.groupBy, fields: options.fields, wantsGroup: options.top > 0)
    }

    /// Reads every line of `block` into `batch`, which keeps nothing pointing into `block`.
    public mutating func parse(_ block: UnsafeBufferPointer<UInt8>, into batch: ParsedBatch) {
        batch.clearReading()
        LineReader.forEachLine(in: block) { parse(line: $0, into: batch) }
    }

    /// Reads `line` as the next line of `batch`.
    mutating func parse(line: UnsafeBufferPointer<UInt8>, into batch: ParsedBatch) {
        let index = batch.lines.count
        do {
            try reader.read(line)
        } catch {
            let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if !blank { batch.syntaxErrors[index] = error }
            batch.lines.append(ParsedBatch.Line(figures: RecordFigures(), keyStart: 0, keyCount: 0, valuesStart: 0,
                                                outcome: blank ? .blank : .invalid, keyKind: nil))
            return
        }
        let keyStart = batch.keys.count
        if reader.groupKeyKind != nil {
            if let range = reader.groupKeyInLine {
                batch.keys.append(contentsOf: UnsafeBufferPointer(rebasing: line[range]))
            } else {
                batch.keys.append(contentsOf: reader.groupKey)
            }
        }
        let valuesStart = batch.fieldValues.count
        batch.fieldValues.append(contentsOf: reader.fieldValues)
        if reader.figures.errorKind == ErrorKinds.other { batch.otherErrorKinds[index] = reader.otherErrorKind }
        batch.lines.append(ParsedBatch.Line(
            figures: reader.figures, keyStart: keyStart, keyCount: batch.keys.count - keyStart,
            valuesStart: valuesStart, outcome: .record, keyKind: reader.groupKeyKind))
    }
}
