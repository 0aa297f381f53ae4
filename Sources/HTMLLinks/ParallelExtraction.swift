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
    private let jobs = Channel<PageJob?>()
    private let results = Channel<PageResult>()
    private let sink: (UnsafeBufferPointer<UInt8>) -> Void
    /// Pages handed out and not yet written: read ahead at most this many,
    private let window: Int
    /// and at most this many bytes of them.
    private let windowBytes = 4 << 20
    private var inFlight = 0
    private var inFlightBytes = 0
    private var nextSequence = 0
    private var nextToWrite = 0
    private var finished: [Int: PageResult] = [:]
    private var warn: (String) -> Void = { _ in }
    /// The input's name for warnings (`name:line`), nil for standard input (`line N`).
    private var inputName: String?

    /// `threads` workers (2 or more), each page's records handed to `sink` in input order.
    /// Every extractor is made here, on the calling thread: libxml2's one-time setup is not
    /// safe to race. Nil when the system refuses a thread (then one thread must do).
    public init?(options: ExtractionOptions, threads: Int, sink: @escaping (UnsafeBufferPointer<UInt8>) -> Void) {
        self.sink = sink
        window = threads * 4
        ownExtractor = LinkExtractor(options: options, sink: sink)
        var extractors: [LinkExtractor] = []
        for _ in 0..<threads {
            let output = PageOutput()
            let extractor = LinkExtractor(options: options) { output.bytes.append(contentsOf: $0) }
            extractors.append(extractor)
            let jobs = jobs, results = results
            let worker = Worker(extractor: extractor, output: output)
            let started = startThread {
                while let job = jobs.take() {
                    results.put(Self.process(job, worker.extractor, worker.output))
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
            writeAll()
            readerHook?()
        }
        defer { reader.beforeRead = readerHook }
        do {
            while let line = try reader.next() {
                if line.count > largePage {
                    writeAll()
                    do { try ownExtractor.process(line: line) } catch { warn(warning(at: reader.lineNumber, error)) }
                    continue
                }
                while inFlight > 0 && (inFlight >= window || inFlightBytes + line.count > windowBytes) {
                    writeNextFinished()
                }
                jobs.put(PageJob(sequence: nextSequence, line: Array(line), lineNumber: reader.lineNumber))
                nextSequence += 1
                inFlight += 1
                inFlightBytes += line.count
            }
        } catch {
            writeAll()
            throw error
        }
        writeAll()
    }

    /// Waits for every page handed out, and writes them.
    private func writeAll() {
        while inFlight > 0 { writeNextFinished() }
    }

    /// Waits for one page to finish, then writes the finished pages that are next in input order.
    private func writeNextFinished() {
        let result = results.take()
        finished[result.sequence] = result
        while let next = finished.removeValue(forKey: nextToWrite) {
            if let error = next.error { warn(warning(at: next.lineNumber, error)) }
            if !next.output.isEmpty { next.output.withUnsafeBufferPointer(sink) }
            nextToWrite += 1
            inFlight -= 1
            inFlightBytes -= next.inputSize
        }
    }

    /// The warning for an unusable line, worded as LinkExtractor.run words it.
    private func warning(at lineNumber: Int, _ error: RecordError) -> String {
        (inputName.map { "\($0):\(lineNumber)" } ?? "line \(lineNumber)") + ": \(error)"
    }

    /// One page on a worker: the records it gives, or the warning it earns.
    private static func process(_ job: PageJob, _ extractor: LinkExtractor, _ output: PageOutput) -> PageResult {
        output.bytes.removeAll(keepingCapacity: true)
        var failure: RecordError?
        do {
            try job.line.withUnsafeBufferPointer { try extractor.process(line: $0) }
        } catch {
            failure = error as? RecordError ?? RecordError(description: "\(error)")
        }
        return PageResult(sequence: job.sequence, lineNumber: job.lineNumber, inputSize: job.line.count,
                          output: output.bytes, error: failure)
    }
}

/// An input line handed to a worker, with its line number for warnings.
private struct PageJob: Sendable {
    let sequence: Int
    let line: [UInt8]
    let lineNumber: Int
}

/// What a worker made of a page.
private struct PageResult: Sendable {
    let sequence: Int
    let lineNumber: Int
    let inputSize: Int
    let output: [UInt8]
    /// Why the page gave no records, when it was unusable.
    let error: RecordError?
}

/// What one worker thread owns; only that thread touches it once started.
private struct Worker: @unchecked Sendable {
    let extractor: LinkExtractor
    let output: PageOutput
}

/// A worker's record buffer, filled by its extractor's sink.
private final class PageOutput: @unchecked Sendable {
    var bytes: [UInt8] = []
}
