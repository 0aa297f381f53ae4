import NDJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM received so far, counted by the handler `catchInterruptions` installs.
private let interruptions = Atomic<Int>(0)
/// The first of them, 0 before one arrives: the exit status is 128 + it.
private let firstInterruption = Atomic<Int32>(0)

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
            if StatsRun.stopNow { break }
        }
        tee?.flush()
        engine.finish()
    }

    /// Reads `reader` block by block; every line is counted before this returns.
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
            if reader.reachedEOF || StatsRun.stopNow { return }
            if !reader.hasInputWaiting {
                // About to wait: what was read is counted and passed on first.
                parsing.drain(count: count)
                tee?.flush()
            }
            waitForInput(reader.fileDescriptor, engine: engine)
            if StatsRun.stopNow { return }
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

    /// Blocks until `fd` is readable, writing interval windows as their deadlines pass;
    /// returns early when a second interruption asks to stop.
    private func waitForInput(_ fd: Int32, engine: StatsEngine) {
        while true {
            engine.tick(now: monotonicSeconds())
            var waitMs: Int32 = -1
            if let deadline = engine.nextDeadline {
                waitMs = max(0, Int32(clamping: Int(((deadline - monotonicSeconds()) * 1000).rounded(.up))))
            }
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, waitMs)
            // Readable, hung up or in error: let read(2) tell which. EINTR (a signal): look again.
            if ready > 0 { return }
            if ready < 0 && (errno != EINTR || StatsRun.stopNow) { return }
        }
    }

    /// Whether a second SIGINT or SIGTERM arrived.
    static var stopNow: Bool { interruptions.load(ordering: .relaxed) >= 2 }

    /// The first SIGINT or SIGTERM caught, or nil: astats exits with 128 + it
    /// after its summary, as the other tools do, so scripts see the interruption.
    public static var interruptingSignal: Int32? {
        let signal = firstInterruption.load(ordering: .relaxed)
        return signal == 0 ? nil : signal
    }

    /// Counts SIGINT and SIGTERM instead of dying on them. In a pipeline every process
    /// gets the signal, so the first one only lets input drain: upstream ends it (afetch
    /// writes its cancelled records first, DESIGN.md section 3) and the summary covers
    /// everything. A second signal stops reading at once. Either way the summary of what
    /// was read is written, then the exit status is 128 + the first signal.
    /// No SA_RESTART, so a waiting poll(2) sees the signal.
    public static func catchInterruptions() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            _ = firstInterruption.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
            interruptions.add(1, ordering: .relaxed)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        Interruption.unblockStopSignals()
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
