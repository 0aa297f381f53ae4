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

    public init(options: StatsOptions, summaries: OutputWriter, tee: OutputWriter?, warn: @escaping (String) -> Void) {
        self.options = options
        self.summaries = summaries
        self.tee = tee
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
        engine.start(now: monotonicSeconds())
        for path in inputs {
            let reader = try LineReader(path: path)
            try consume(reader, into: engine)
        }
        tee?.flush()
        engine.finish()
    }

    private func consume(_ reader: LineReader, into engine: StatsEngine) throws {
        while true {
            while let line = reader.nextBuffered() {
                if let tee { tee.writeLine(line) }
                engine.process(line, lineNumber: reader.lineNumber)
            }
            if reader.reachedEOF { return }
            // About to wait for input: what was passed through must not wait with us.
            tee?.flush()
            if options.interval != nil { waitForInput(reader.fileDescriptor, engine: engine) }
            try reader.fill()
        }
    }

    /// Blocks until `fd` is readable, writing interval windows as their deadlines pass.
    private func waitForInput(_ fd: Int32, engine: StatsEngine) {
        while true {
            engine.tick(now: monotonicSeconds())
            guard let deadline = engine.nextDeadline else { return }
            let waitMs = Int32(clamping: Int(((deadline - monotonicSeconds()) * 1000).rounded(.up)))
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, max(0, waitMs))
            // Readable, hung up or in error: let read(2) tell which. EINTR: look again.
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { return }
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
