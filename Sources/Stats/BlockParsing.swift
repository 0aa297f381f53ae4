import NDJSON

/// Parses blocks of input lines, on worker threads when there are two or more threads,
/// and hands the parsed batches back in input order. With `--threads N`, N - 1 workers
/// parse while the calling thread reads and counts: counting must stay in order on one
/// thread, so the summary is byte for byte that of one thread.
final class BlockParsing {
    /// Parses on the calling thread when there are no workers.
    private var parser: BatchParser
    private let workers: Int
    private let jobs = Channel<ParsedBatch?>()
    private let results = Channel<ParsedBatch>()
    /// Batches handed out at most: enough to keep every worker busy while one is counted.
    private let window: Int
    private var inFlight = 0
    private var nextSequence = 0
    private var nextToCount = 0
    private var finished: [Int: ParsedBatch] = [:]
    /// Counted batches, reused with their memory.
    private var spare: [ParsedBatch] = []
    /// Blocks larger than this (a block of ordinary lines is at most LineReader's buffer,
    /// 512 KiB) hold a huge line: this thread parses them where they lie.
    private let largeBlock = 1 << 20

    /// Parsing on `threads` threads, this one included. Fewer workers start when the
    /// system refuses a thread; with none, this thread parses.
    init(options: StatsOptions, threads: Int) {
        parser = BatchParser(options: options)
        var started = 0
        for _ in 0..<Swift.max(0, threads - 1) {
            let jobs = jobs, results = results
            let running = startThread {
                var parser = BatchParser(options: options)
                while let batch = jobs.take() {
                    batch.input.withUnsafeBufferPointer { parser.parse($0, into: batch) }
                    results.put(batch)
                }
            }
            guard running else { break }
            started += 1
        }
        workers = started
        window = 2 * started
    }

    deinit {
        for _ in 0..<workers { jobs.put(nil) }
    }

    /// Parses `block`. `count` receives every batch whose turn has come, in input order:
    /// at once when this thread parses, else as batches finish.
    func submit(_ block: UnsafeBufferPointer<UInt8>, count: (ParsedBatch) -> Void) {
        guard workers > 0 && block.count <= largeBlock else {
            // Here, in place, once the batches before it are counted: a huge line is not copied.
            drain(count: count)
            let batch = spare.popLast() ?? ParsedBatch()
            parser.parse(block, into: batch)
            nextSequence += 1
            nextToCount += 1
            count(batch)
            spare.append(batch)
            return
        }
        let batch = spare.popLast() ?? ParsedBatch()
        batch.load(block, sequence: nextSequence)
        nextSequence += 1
        while inFlight >= window { countNextFinished(count) }
        jobs.put(batch)
        inFlight += 1
    }

    /// Waits for every batch handed out, and counts them.
    func drain(count: (ParsedBatch) -> Void) {
        while inFlight > 0 { countNextFinished(count) }
    }

    /// Waits for one batch to be parsed, then counts the parsed ones next in input order.
    private func countNextFinished(_ count: (ParsedBatch) -> Void) {
        let batch = results.take()
        finished[batch.sequence] = batch
        while let next = finished.removeValue(forKey: nextToCount) {
            count(next)
            spare.append(next)
            nextToCount += 1
            inFlight -= 1
        }
    }
}
