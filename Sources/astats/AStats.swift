import ArgumentParser
import NDJSON
import Stats
import ToolSupport

#if canImport(Glibc)
import Glibc
#endif

@main
struct AStats: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "astats",
        abstract: "Summarise fetch records (or any NDJSON stream): counts, status and error tallies, latency percentiles, per host.",
        discussion: """
            Reads NDJSON records (afetch's output) from the files named, or standard input, and writes \
            one summary record at the end of input: records, ok, failed, invalid, status, status_class, \
            errors, latency_ms and ttfb_ms (min, mean, p50, p90, p95, p99, p999, max), bytes, attempts, \
            retries, span_s, rate_per_s and the top hosts with the same figures.
            """,
        version: acrawlVersion)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: ArgumentHelp("List this many groups (hosts by default), most records first. The default is 10.", valueName: "n"))
    var top = 10

    @Option(name: .long, help: ArgumentHelp("Group by this field (string or number; dotted paths reach into objects) instead of by the host of url. The default is to group by host.", valueName: "field"))
    var by: String?

    @Option(name: .long, help: ArgumentHelp("Also measure this numeric field (min, mean, percentiles, max); dotted paths such as timing.connect_ms reach into objects. Repeatable. The default is none.", valueName: "field"))
    var field: [String] = []

    @Option(name: .long, help: ArgumentHelp("Also write a summary of each window of this many input lines, with the cumulative one. The default is no windows.", valueName: "n"))
    var every: Int?

    @Option(name: .long, help: ArgumentHelp("Also write a summary of each window of this many seconds, with the cumulative one, even while input is idle. The default is no windows.", valueName: "seconds"))
    var interval: Double?

    @Flag(name: .long, help: "Copy every input line to standard output unchanged and write summaries to standard error (or --out). The default is off.")
    var tee = false

    @Option(name: [.short, .long], help: ArgumentHelp("Write summaries to this file instead. The default is standard output (standard error with --tee).", valueName: "file"))
    var out: String?

    @Flag(name: .long, help: "Write summaries as tables for people instead of JSON; coloured only on a terminal and never when NO_COLOR is set. The default is JSON.")
    var table = false

    @Option(name: .long, help: ArgumentHelp("Parse input on this many threads at once, this one counting in input order, so the summary is the same. The default is the number of processors, at most 4.", valueName: "n"))
    var threads: Int?

    @Argument(help: ArgumentHelp("Files to read, in order; - is standard input. The default is standard input.", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 or more.") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more.") }
        if let every, every < 1 { throw ValidationError("--every must be 1 or more.") }
        if let interval, !(interval > 0) { throw ValidationError("--interval must be more than 0 seconds.") }
        if every != nil && interval != nil { throw ValidationError("--every and --interval cannot be combined.") }
        if let by, FieldPath(by) == nil { throw ValidationError("--by: '\(by)' is not a field name.") }
        for name in field where FieldPath(name) == nil { throw ValidationError("--field: '\(name)' is not a field name.") }
    }

    func run() throws {
        let diagnostics = Diagnostics(tool: "astats", quiet: common.quiet)
        var options = StatsOptions()
        options.top = top
        options.groupBy = by.flatMap(FieldPath.init)
        options.fields = field.compactMap(FieldPath.init)
        options.every = every
        options.interval = interval
        options.table = table
        let summaries: OutputWriter
        if let out {
            let fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                diagnostics.fail("cannot open \(out): \(String(cString: strerror(errno)))")
                exitProcess(1)
            }
            summaries = OutputWriter(fileDescriptor: fd)
        } else {
            summaries = tee ? OutputWriter(fileDescriptor: 2) : OutputWriter.standardOutput
        }
        options.color = table && colorWanted(isTerminal: isatty(summaries.fileDescriptor) == 1,
                                             noColor: getenv("NO_COLOR").map { String(cString: $0) })
        let run = StatsRun(options: options, summaries: summaries, tee: tee ? OutputWriter.standardOutput : nil,
                           threads: threads ?? min(max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1), 4),
                           warn: { diagnostics.warn($0) })
        Interruption.catchSignals()
        do {
            try run.run(inputs: files.isEmpty ? ["-"] : files)
        } catch {
            diagnostics.fail("\(error)")
            exitProcess(1)
        }
        if let signal = Interruption.signal { exitProcess(128 + signal) }
    }
}
