import Glibc
import NDJSON

/// alinks on several threads: pages are parsed by worker threads at once, each with its own
/// LinkExtractor (libxml2 parser contexts are independent of each other), while this thread
/// reads lines and writes each page's records in input order, so the output is byte for byte
/// what one thread writes. libxml2's parse is most of alinks' time (DESIGN.md section 8), and
/// one thread of it is the ceiling of a single-threaded alinks.
public final class ParallelLinkExtractor: PageExtraction {
    /// The workers' extractors.
    private let extractors: [LinkExtractor]
    /// Pages larger than `largePage` are parsed here, on the reading thread, once the workers
    /// are idle: a parse holds several times the page's size, and an extractor keeps the room
    /// it grew, so only this one extractor ever grows to the size of large pages.
    private let ownExtractor: LinkExtractor
    private let largePage = 1 << 20
    /// Pages go to the workers in batches of about this many bytes: handed over one by one,
    /// each page cost two thread wake-ups, which cost a third as much as its parse.
    private let batchBytes = 64 << 10
    private let jobs = Channel<PageBatch?>()
    private let results = Channel<PageBatch>()
    private let sink: (UnsafeBufferPointer<UInt8>) -> Void
    /// Batches handed out and not yet written: read ahead at most this many,
    private let window: Int
    /// and at most this many bytes of them.
    private let windowBytes = 4 << 20
    private var inFlight = 0
    private var inFlightBytes = 0
    /// The pages read and not yet handed out.
    private var batch = PageBatch(sequence: 0)
    /// Written batches, whose buffers the next batches reuse: batches made new each time were
    /// freed on another thread than the one that made them, and glibc gave that memory back
    /// to the kernel and faulted it in again, for a tenth of alinks' time.
    private var spareBatches: [PageBatch] = []
    private var nextToWrite = 0
    private var finished: [Int: PageBatch] = [:]
    private var warn: (String) -> Void = { _ in }
    /// The input's name for warnings (`name:line`), nil for standard input (`line N`).
    private var inputName: String?

    /// `threads` workers (2 or more), each page's records handed to `sink` in input order.
    /// Every extractor is made here, on the calling thread: libxml2's one-time setup is not
    /// safe to race. Nil when the system refuses a thread (then one thread must do).
    public init?(options: ExtractionOptions, threads: Int, sink: @escaping (UnsafeBufferPointer<UInt8>) -> Void) {
        self.sink = sink
        window = threads * 2
        ownExtractor = LinkExtractor(options: options, sink: sink)
        var extractors: [LinkExtractor] = []
        for _ in 0..<threads {
            let worker = Worker(options: options)
            extractors.append(worker.extractor)
            let jobs = jobs, results = results
            let started = startThread(endProcess: { status in
                // A fatal error amid a batch (libcurl missing): the batch goes to the reading
                // thread with the records of its pages before, which ends the process once
                // every batch before it is written, as one thread would have.
                results.put(worker.abandonBatch(exitStatus: status))
                while true { pause() }
            }) {
                while let batch = jobs.take() {
                    results.put(worker.parse(batch))
                }
            }
            guard started else {
                for _ in extractors.dropLast() { jobs.put(nil) }
                return nil
            }
        }
        self.extractors = extractors
    }

    deinit {
        for _ in extractors { jobs.put(nil) }
    }

    /// Totals over every worker.
    public var counts: ExtractionCounts {
        (extractors + [ownExtractor]).reduce(into: ExtractionCounts()) { total, extractor in
            total.pages += extractor.counts.pages
            total.links += extractor.counts.links
            total.skipped += extractor.counts.skipped
            total.invalid += extractor.counts.invalid
        }
    }

    /// Processes every line of `reader` as LinkExtractor.run does. Before a read that would
    /// wait for input, every page handed out is written and `reader`'s own beforeRead runs
    /// (alinks flushes there), so records never wait on a slow upstream.
    public func run(_ reader: LineReader, name: String?, warn: @escaping (String) -> Void) throws {
        self.warn = warn
        inputName = name
        let readerHook = reader.beforeRead
        reader.beforeRead = { [unowned self] in
            // Only a read that would wait lets the workers run dry: input already there
            // (a file, a full pipe) is read on while they work.
            guard !reader.hasInputWaiting else { return }
            handOutBatch()
            writeAll()
            readerHook?()
        }
        defer { reader.beforeRead = readerHook }
        do {
            while let line = try reader.next() {
                if line.count > largePage {
                    handOutBatch()
                    writeAll()
                    do { try ownExtractor.process(line: line) } catch { warn(warning(at: reader.lineNumber, error)) }
                    continue
                }
                batch.append(line, lineNumber: reader.lineNumber)
                if batch.input.count >= batchBytes { handOutBatch() }
            }
        } catch {
            handOutBatch()
            writeAll()
            throw error
        }
        handOutBatch()
        writeAll()
    }

    /// Gives the pages read so far to the workers, once the window has room for them.
    private func handOutBatch() {
        guard !batch.pages.isEmpty else { return }
        while inFlight > 0 && (inFlight >= window || inFlightBytes + batch.input.count > windowBytes) {
            writeNextFinished()
        }
        inFlight += 1
        inFlightBytes += batch.input.count
        // The batch moves out whole: a copy left behind would have the worker copy its buffers.
        var handed = spareBatches.popLast() ?? PageBatch(sequence: 0)
        handed.reuse(as: batch.sequence + 1)
        swap(&handed, &batch)
        jobs.put(consume handed)
    }

    /// Waits for every page handed out, and writes them.
    private func writeAll() {
        while inFlight > 0 { writeNextFinished() }
    }

    /// Waits for one batch to finish, then writes the finished batches that are next in input order.
    private func writeNextFinished() {
        let result = results.take()
        finished[result.sequence] = result
        while let next = finished.removeValue(forKey: nextToWrite) {
            for (lineNumber, error) in next.failures { warn(warning(at: lineNumber, error)) }
            if !next.records.isEmpty { next.records.withUnsafeBufferPointer(sink) }
            if let status = next.exitStatus { exitProcess(status) }
            nextToWrite += 1
            inFlight -= 1
            inFlightBytes -= next.input.count
            spareBatches.append(next)
        }
    }

    /// The warning for an unusable line, worded as LinkExtractor.run words it.
    private func warning(at lineNumber: Int, _ error: RecordError) -> String {
        (inputName.map { "\($0):\(lineNumber)" } ?? "line \(lineNumber)") + ": \(error)"
    }
}

/// Input lines handed to a worker together, and what the worker made of them.
private struct PageBatch: Sendable {
    private(set) var sequence: Int
    /// The lines' bytes, one after another,
    private(set) var input: [UInt8] = []
    /// and where each ends, with its line number for warnings.
    private(set) var pages: [(end: Int, lineNumber: Int)] = []
    /// The records of the pages, in their order.
    var records: [UInt8] = []
    /// The pages that gave no records because they were unusable, and why.
    var failures: [(lineNumber: Int, error: RecordError)] = []
    /// Set when a fatal error stopped the batch: the process ends with it once the batch's
    /// records so far are written.
    var exitStatus: Int32?

    init(sequence: Int) { self.sequence = sequence }

    mutating func append(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) {
        input.append(contentsOf: line)
        pages.append((input.count, lineNumber))
    }

    /// Empties the batch for the pages of batch `sequence`, keeping its buffers.
    mutating func reuse(as sequence: Int) {
        self.sequence = sequence
        input.removeAll(keepingCapacity: true)
        pages.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        failures.removeAll()
        exitStatus = nil
    }
}

/// What one worker thread owns; only that thread touches it once started.
private final class Worker: @unchecked Sendable {
    let extractor: LinkExtractor
    /// The records the extractor writes: the batch's own buffer, lent while it is parsed.
    private let output: RecordBuffer
    /// The batch being parsed,
    private var batch = PageBatch(sequence: -1)
    /// and its unusable pages so far (apart from it: the batch is read while they are added).
    private var failures: [(lineNumber: Int, error: RecordError)] = []

    init(options: ExtractionOptions) {
        let output = RecordBuffer()
        self.output = output
        extractor = LinkExtractor(options: options) { output.bytes.append(contentsOf: $0) }
    }

    /// The batch with the records its pages give, and the warnings the unusable ones earn.
    func parse(_ handed: consuming PageBatch) -> PageBatch {
        batch = handed
        swap(&output.bytes, &batch.records)
        batch.input.withUnsafeBufferPointer { input in
            var start = 0
            for page in batch.pages {
                do {
                    try extractor.process(line: UnsafeBufferPointer(rebasing: input[start..<page.end]))
                } catch {
                    failures.append((page.lineNumber, error as? RecordError ?? RecordError(description: "\(error)")))
                }
                start = page.end
            }
        }
        return finishBatch()
    }

    /// The batch being parsed, stopped by a fatal error: what its pages gave so far.
    func abandonBatch(exitStatus: Int32) -> PageBatch {
        batch.exitStatus = exitStatus
        return finishBatch()
    }

    private func finishBatch() -> PageBatch {
        swap(&output.bytes, &batch.records)
        swap(&failures, &batch.failures)
        var finished = PageBatch(sequence: -1)
        swap(&finished, &batch)
        return finished
    }
}

/// A worker's record buffer, filled by its extractor's sink.
private final class RecordBuffer: @unchecked Sendable {
    var bytes: [UInt8] = []
}
