import ArgumentParser
import NDJSON
import Scope
import ToolSupport

@main
struct AFilter: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "afilter",
        abstract: "Keep or drop NDJSON records by scope, fields, patterns, dedupe and shard; kept lines pass through byte for byte.",
        discussion: """
            All given predicates must hold (--invert negates them together); then --shard and \
            dedupe (--unique, --key, --seen) apply to the records that pass. Lines that are not \
            JSON objects or lack a field a predicate needs are dropped and counted, the first few \
            reported on stderr, unless --keep-invalid.
            """,
        version: acrawlVersion)

    @Flag(help: "Keep records whose url has the host and port of their from field (a default port counts as none). Off by default.")
    var sameHost = false

    @Flag(help: "Keep records whose url has the registrable domain of their from field, by the Public Suffix List. Off by default.")
    var sameDomain = false

    @Flag(help: "Keep records whose url has the scheme, host and port of their from field. Off by default.")
    var sameOrigin = false

    @Option(name: .customLong("host"), help: ArgumentHelp("Keep records whose url's host is H (repeatable: any of them). Not set by default.", valueName: "H"))
    var hosts: [String] = []

    @Option(name: .customLong("domain"), help: ArgumentHelp("Keep records whose url's host is D or below D (repeatable: any of them). Not set by default.", valueName: "D"))
    var domains: [String] = []

    @Option(help: ArgumentHelp("Keep records whose url's scheme is in the comma-separated LIST, such as http,https. Not set by default.", valueName: "LIST"))
    var scheme: String?

    @Option(name: .customLong("include"), help: ArgumentHelp("Keep records whose url matches the POSIX extended regular expression RE (repeatable: any of them). Not set by default.", valueName: "RE"))
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: ArgumentHelp("Drop records whose url matches the POSIX extended regular expression RE (repeatable: any of them). Not set by default.", valueName: "RE"))
    var excludes: [String] = []

    @Option(help: ArgumentHelp("Keep records whose url path ends in an extension in the comma-separated LIST, such as html,htm,php; an empty item stands for no extension. Not set by default.", valueName: "LIST"))
    var ext: String?

    @Option(name: .customLong("no-ext"), help: ArgumentHelp("Drop records whose url path ends in an extension in the comma-separated LIST, such as jpg,png,pdf,zip. Not set by default.", valueName: "LIST"))
    var noExt: String?

    @Option(help: ArgumentHelp("Keep records whose depth is at most N. Not set by default.", valueName: "N"))
    var maxDepth: Int?

    @Option(help: ArgumentHelp("Keep records whose status is in the comma-separated LIST of codes and classes, such as 2xx,301,404. Not set by default.", valueName: "LIST"))
    var status: String?

    @Flag(help: "Keep records whose ok field is true. Off by default.")
    var ok = false

    @Flag(help: "Keep records whose ok field is false. Off by default.")
    var failed = false

    @Option(name: .customLong("has"), help: ArgumentHelp("Keep records that have FIELD, a name or a dotted path such as timing.ttfb_ms (repeatable: all of them). Not set by default.", valueName: "FIELD"))
    var requiredFields: [String] = []

    @Option(name: .customLong("where"), help: ArgumentHelp("Keep records whose FIELD equals VALUE: a string's text, or a number's, boolean's or null's JSON text (repeatable: all of them). Not set by default.", valueName: "FIELD=VALUE"))
    var equalities: [String] = []

    @Flag(name: [.customShort("v"), .long], help: "Keep the records the predicates reject, and drop the others. Off by default.")
    var invert = false

    @Flag(name: [.short, .long], help: "Drop records whose normalised url was seen earlier in this run. Off by default.")
    var unique = false

    @Option(help: ArgumentHelp("Dedupe on FIELD's value instead of the normalised url; implies --unique. Not set by default.", valueName: "FIELD"))
    var key: String?

    @Option(help: ArgumentHelp("Also drop records whose key is in FILE, and append new keys to FILE as records pass, so dedupe continues across runs; implies --unique. Not set by default.", valueName: "FILE"))
    var seen: String?

    @Option(help: ArgumentHelp("Keep records whose url's host falls in shard K of N (1 to N), by FNV-1a 64 of the lower-case host modulo N. Not set by default.", valueName: "K/N"))
    var shard: String?

    @Flag(help: "Pass lines that are not JSON objects or lack a field a predicate needs, instead of dropping them. Off by default.")
    var keepInvalid = false

    @OptionGroup var common: CommonOptions

    @Argument(help: ArgumentHelp("Files to read, in order; - or none means standard input.", valueName: "FILE"))
    var files: [String] = []

    func validate() throws {
        if ok && failed { throw ValidationError("--ok and --failed exclude each other") }
        if let maxDepth, maxDepth < 0 { throw ValidationError("--max-depth must be 0 or more") }
        _ = try filterOptions()
    }

    /// The flags as the Scope module's options; bad values become usage errors.
    func filterOptions() throws -> FilterOptions {
        do {
            var options = FilterOptions()
            options.sameHost = sameHost
            options.sameDomain = sameDomain
            options.sameOrigin = sameOrigin
            options.hosts = hosts
            options.domains = domains
            options.schemes = scheme.map(parseList) ?? []
            options.includes = includes
            options.excludes = excludes
            options.extensions = ext.map(parseList)
            options.excludedExtensions = noExt.map(parseList)
            options.maxDepth = maxDepth
            options.statuses = try status.map(StatusSet.init(parsing:))
            options.ok = ok ? true : failed ? false : nil
            options.requiredFields = try requiredFields.map(FieldPath.init)
            options.equalities = try equalities.map(FieldEquality.init(parsing:))
            options.invert = invert
            options.unique = unique
            options.key = try key.map(FieldPath.init)
            options.seenPath = seen
            options.shard = try shard.map(Shard.init(parsing:))
            options.keepInvalid = keepInvalid
            for pattern in includes + excludes { _ = try PosixRegex(pattern) }
            return options
        } catch let error as FilterOptionError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let diagnostics = Diagnostics(tool: "afilter", quiet: common.quiet)
        let filter: RecordFilter
        do {
            filter = try RecordFilter(filterOptions())
        } catch let error as InputError {
            diagnostics.fail("--seen \(error)")
            exitProcess(1)
        }
        var summary = FilterSummary()
        var reported = 0
        let reportLimit = 5
        Interruption.catchSignals()
        for path in files.isEmpty ? ["-"] : files where Interruption.signal == nil {
            do {
                let reader = try LineReader(path: path)
                let part = try filter.run(reader, to: OutputWriter.standardOutput) { lineNumber, problem in
                    reported += 1
                    guard reported <= reportLimit else { return }
                    diagnostics.warn("\(path == "-" ? "stdin" : path):\(lineNumber): \(problem)")
                }
                summary.read += part.read
                summary.kept += part.kept
                summary.invalid += part.invalid
                diagnostics.noteInterruption(of: reader)
            } catch let error as InputError {
                diagnostics.fail("\(error)")
                exitProcess(1)
            }
        }
        if summary.invalid > 0 {
            let fate = keepInvalid ? "passed" : "dropped"
            let shown = summary.invalid > reportLimit ? " (the first \(reportLimit) shown)" : ""
            diagnostics.warn("\(summary.invalid) of \(summary.read) lines invalid, \(fate)\(shown)")
        }
        if let signal = Interruption.signal { exitProcess(128 + signal) }
    }
}
