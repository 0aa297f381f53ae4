import ArgumentParser
import Glibc
import HTMLLinks
import NDJSON
import ToolSupport

@main
struct ALinks: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "alinks",
        abstract: "Extract the links of fetched HTML pages: one record per link.",
        discussion: """
            Reads afetch output records (NDJSON) and writes one record per link found in each \
            HTML page: url, from, tag, attr, text, rel, nofollow, depth. Relative links resolve \
            against <base href> or the page's final_url (RFC 3986).
            """,
        version: acrawlVersion)

    @Option(name: .long, help: ArgumentHelp(
        "Take links only from these tags, comma-separated (a, area, link, img, source, script, iframe, frame, embed, video, audio, form, meta). The default is a,area.",
        valueName: "list"))
    var tags: String?

    @Flag(name: .long, help: "Take links from every tag alinks knows (see --tags).")
    var all = false

    @Flag(name: .long, help: "Keep javascript:, mailto:, tel: and data: links. By default they are dropped.")
    var keepSchemes = false

    @Option(name: .long, help: ArgumentHelp("Cut anchor text to this many characters. The default is 200.", valueName: "n"))
    var maxText: Int?

    @Option(name: .long, help: ArgumentHelp(
        "Copy this field of the page record into each of its link records (repeatable).", valueName: "field"))
    var carry: [String] = []

    @Flag(name: .long, help: "Report each URL once per page. By default repeated links are all reported.")
    var unique = false

    @Flag(name: .long, help: "Also pass each page record through, without its body, before its links.")
    var pages = false

    @Option(name: .long, help: ArgumentHelp(
        "Parse pages on this many threads at once; records keep their input order. The default is the number of processors, at most 4.",
        valueName: "n"))
    var threads: Int?

    @OptionGroup var common: CommonOptions

    @Argument(help: ArgumentHelp("Files of afetch records to read. The default is standard input.", valueName: "file"))
    var files: [String] = []

    func validate() throws {
        if all && tags != nil { throw ValidationError("--all and --tags cannot be used together.") }
        if let tags {
            do { _ = try TagSelection(list: tags) } catch { throw ValidationError("--tags: \(error)") }
        }
        if let maxText, maxText < 0 { throw ValidationError("--max-text must be 0 or more.") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more.") }
        if let field = carry.first(where: { ExtractionOptions.linkFields.contains($0) }) {
            throw ValidationError("--carry \(field): alinks writes that field itself.")
        }
    }

    func run() throws {
        var options = ExtractionOptions()
        if all { options.tags = .all } else if let tags { options.tags = try TagSelection(list: tags) }
        options.keepSchemes = keepSchemes
        if let maxText { options.maxText = maxText }
        options.carry = carry
        options.unique = unique
        options.pages = pages
        let diagnostics = Diagnostics(tool: "alinks", quiet: common.quiet)
        let output = OutputWriter.standardOutput
        let sink: (UnsafeBufferPointer<UInt8>) -> Void = { records in
            output.write(records)
            output.endRecord()
        }
        let threadCount = threads ?? min(max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1), 4)
        var parallel: ParallelLinkExtractor?
        if threadCount > 1 { parallel = ParallelLinkExtractor(options: options, threads: threadCount, sink: sink) }
        let extractor: any PageExtraction = parallel ?? LinkExtractor(options: options, sink: sink)
        Interruption.catchSignals()
        do {
            for file in files.isEmpty ? ["-"] : files where Interruption.signal == nil {
                let reader = try LineReader(path: file)
                reader.beforeRead = { output.flush() }
                try extractor.run(reader, name: file == "-" ? nil : file, warn: diagnostics.warn)
                diagnostics.noteInterruption(of: reader)
            }
        } catch {
            diagnostics.fail("\(error)")
            diagnostics.warn(extractor.counts.summary)
            exitProcess(1)
        }
        diagnostics.warn(extractor.counts.summary)
        if let signal = Interruption.signal { exitProcess(128 + signal) }
    }
}
