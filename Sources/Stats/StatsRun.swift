import NDJSON

#if canImport(Glibc)
import Glibc
#endif

/// Streams input files through a `StatsEngine`: the loop behind the astats executable.
public struct StatsRun {
    /// What to compute and how to write it.
    public let options: StatsOptions
    /// Where summaries go.
    public let summaries: OutputWriter
    /// Where input lines are copied unchanged with `--tee`, or nil.
    public let tee: OutputWriter?
    /// Receives each warning line.
    public let warn: (String) -> Void
    /// Threads that parse input, this one included.
    public let threads: Int

    public init(options: StatsOptions, summaries: OutputWriter, tee: OutputWriter?, threads: Int = 1,
                warn: @escaping (String) -> Void) {
        self.options = options
        self.summaries = summaries
        self.tee = tee
        self.threads = threads
        self.warn = warn
    }

    /// Reads every input (`-` is standard input) in order, then writes the final summary.
    /// Throws `InputError` when an input cannot be opened or read.
    public func run(inputs: [String]) throws {
        let summaries = self.summaries
        let engine = StatsEngine(options: options, emit: { bytes in
            summaries.write(bytes)
            // Summaries are rare and wanted now (live monitoring): never leave one buffered.
            summaries.flush()
        }, diagnose: warn)
        let parsing = BlockParsing(options: options, threads: threads)
        engine.start(now: monotonicSeconds())
        for path in inputs {
            let reader = try LineReader(path: path)
            try consume(reader, into: engine, parsing: parsing)
            if let note = reader.interruptionNote {
                warn(note)
                break
            }
        }
        tee?.flush()
        engine.finish()
    }

    /// Reads `reader` block by block; every line is counted before this returns. A caught
    /// SIGINT or SIGTERM ends the input as `Interruption` says (the reader's `fill` stops).
    private func consume(_ reader: LineReader, into engine: StatsEngine, parsing: BlockParsing) throws {
        var lineNumber = 1
        let count = { (batch: ParsedBatch) in
            engine.count(batch, firstLineNumber: lineNumber)
            lineNumber += batch.lines.count
        }
        defer { parsing.drain(count: count) }
        while true {
            while let block = reader.nextBufferedBlock() {
                if let tee { passOn(block, to: tee) }
                parsing.submit(block, count: count)
            }
            if reader.reachedEOF { return }
            if reader.hasInputWaiting {
                engine.tick(now: monotonicSeconds())
            } else {
                // About to wait: what was read is counted and passed on first.
                parsing.drain(count: count)
                tee?.flush()
                waitForInput(reader.fileDescriptor, engine: engine)
            }
            try reader.fill()
        }
    }

    /// Copies `block`'s lines to `tee` as LineReader hands them out, each ended by `\n`:
    /// the bytes as they are, unless a line ends in CRLF or the last one has no `\n`.
    private func passOn(_ block: UnsafeBufferPointer<UInt8>, to tee: OutputWriter) {
        if block.last == 0x0A && memchr(block.baseAddress!, 0x0D, block.count) == nil {
            tee.write(block)
        } else {
            LineReader.forEachLine(in: block) { tee.writeLine($0) }
        }
    }

    /// Blocks until `fd` is readable or reading it must stop, writing interval windows as
    /// their deadlines pass. Only an idle input is waited for here: input already waiting
    /// goes straight to the reader, whose own wait returns at once.
    private func waitForInput(_ fd: Int32, engine: StatsEngine) {
        while true {
            engine.tick(now: monotonicSeconds())
            var waitMs: Int32 = -1
            if let deadline = engine.nextDeadline {
                waitMs = max(0, Int32(clamping: Int(((deadline - monotonicSeconds()) * 1000).rounded(.up))))
            }
            if Interruption.waitForInput(fd, timeoutMs: waitMs) != .timedOut { return }
        }
    }
}

/// Seconds on the monotonic clock, which NTP steps do not move.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Whether a table written to `fd` gets colour: only on a terminal, and never when
/// NO_COLOR is set to anything but the empty string (https://no-color.org).
public func colorWanted(isTerminal: Bool, noColor: String?) -> Bool {
    isTerminal && (noColor ?? "").isEmpty
}
