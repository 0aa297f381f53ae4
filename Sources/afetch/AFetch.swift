#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FetchEngine
import NDJSON
import ToolSupport

@main
struct AFetch: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "afetch",
        abstract: "Fetch every input URL concurrently and write one NDJSON record per input.",
        discussion: """
            Each input line is a URL or a JSON object with a string field "url"; blank lines and \
            lines starting with # are skipped. Other fields of an input object are carried into \
            its record. Records are written as transfers finish (--ordered keeps input order).
            """,
        version: acrawlVersion)

    @Argument(help: "A file of input records. The default is standard input.")
    var file: String?

    @Option(name: [.short, .long], help: "Transfers in flight at once. The default is 16.")
    var concurrency = 16

    @Option(name: .customLong("per-host"), help: "Transfers in flight to one host (host and port). The default is 6.")
    var perHost = 6

    @Option(help: "Requests started per second overall, fractions allowed. The default is no limit.")
    var rate: Double?

    @Option(name: .customLong("host-rate"), help: "Requests started per second to one host, fractions allowed (0.5 is one every 2 s). The default is no limit.")
    var hostRate: Double?

    @Option(help: "Milliseconds between the starts of two requests to one host. The default is 0.")
    var delay = 0.0

    @Flag(help: "Draw each --delay uniformly from 0.5 to 1.5 times its value. The default is a fixed delay.")
    var jitter = false

    @Option(help: "Retries after the first attempt, on connect errors, resets, timeouts and the --retry-on statuses. The default is 2.")
    var retries = 2

    @Option(help: "Milliseconds of the first backoff; it doubles per retry, with full jitter. The default is 500.")
    var backoff = 500.0

    @Option(name: .customLong("max-backoff"), help: "The longest wait before a retry, Retry-After included, in milliseconds. The default is 30000.")
    var maxBackoff = 30_000.0

    @Option(name: .customLong("retry-on"), help: "Comma-separated statuses that are retried. The default is 408,429,500,502,503,504.")
    var retryOn = "408,429,500,502,503,504"

    @Option(name: .customLong("connect-timeout"), help: "Seconds allowed to connect. The default is 10.")
    var connectTimeout = 10.0

    @Option(name: [.customShort("t"), .long], help: "Seconds allowed for one attempt. The default is 30.")
    var timeout = 30.0

    @Option(name: .customLong("low-speed-limit"), help: "Bytes per second under which a transfer counts as stalled. The default is 1.")
    var lowSpeedLimit = 1

    @Option(name: .customLong("low-speed-time"), help: "Seconds a transfer may stay stalled before it is cut (error timeout). The default is 10.")
    var lowSpeedTime = 10

    @Flag(name: .customLong("no-follow"), help: "Do not follow redirects: a 3xx response ends the record. The default is to follow.")
    var noFollow = false

    @Option(name: .customLong("max-redirects"), help: "The most redirects followed. The default is 10.")
    var maxRedirects = 10

    @Option(help: "How bodies are kept: auto (textual types as text), text, base64 or none. The default is auto.")
    var body = "auto"

    @Option(name: .customLong("max-body"), help: "The most body bytes read, after decompression, with an optional K, M or G suffix (powers of 1024). The default is 10M.")
    var maxBody = "10M"

    @Option(name: .customLong("body-dir"), help: "Store every body (after content decoding) in DIR/<2 hex>/<sha256>, once per distinct body, written atomically; records carry body_path and body_sha256 instead of body. The default keeps bodies in records.")
    var bodyDir: String?

    @Option(name: [.customShort("H"), .customLong("header")], help: "An extra request header, 'Name: value'. Repeatable. A User-Agent or Accept-Encoding header given here replaces afetch's own.")
    var headers: [String] = []

    @Option(name: [.customShort("A"), .customLong("user-agent")], help: "The User-Agent header. The default is acrawl-afetch/VERSION.")
    var userAgent = "acrawl-afetch/\(acrawlVersion)"

    @Option(name: [.customShort("X"), .customLong("method")], help: "The request method. The default is GET.")
    var method = "GET"

    @Flag(name: .customLong("http1.1"), help: "Use HTTP/1.1 only. The default offers HTTP/2 over TLS.")
    var http11 = false

    @Flag(name: [.customShort("k"), .long], help: "Do not verify TLS certificates. The default verifies them.")
    var insecure = false

    @Option(help: "A proxy URL for every request. The default uses the usual environment variables (http_proxy, https_proxy, no_proxy).")
    var proxy: String?

    @Flag(name: .customLong("deny-private"), help: "Refuse to connect to loopback, private, shared, link-local, multicast and reserved addresses, checked after DNS for every connection, redirects included (error connect). The default allows every address.")
    var denyPrivate = false

    @Option(help: "HOST:PORT:ADDRESS: connect to ADDRESS for HOST:PORT instead of resolving it, as curl's --resolve. Repeatable.")
    var resolve: [String] = []

    @Flag(name: .customLong("headers"), help: "Add the response headers to each record as \"headers\". The default leaves them out.")
    var includeHeaders = false

    @Flag(help: "Write records in input order, holding back at most max(1024, 8 x concurrency) records. The default is completion order.")
    var ordered = false

    @Option(help: "Seconds in-flight transfers may finish after SIGINT or SIGTERM before they are cancelled. The default is 5.")
    var grace = 5.0

    @Option(help: "Also write every exchange (redirect hops and failed attempts before a retry included) to FILE as WARC/1.1 request and response records (raw bytes as received, digests included), one gzip member per record when FILE ends in .gz; records gain warc_file and warc_offset (of their last exchange). Only gzip and deflate are offered then, and afetch decodes them itself. The default writes no WARC.")
    var warc: String?

    @Option(name: .customLong("warc-max-size"), help: "Start a new numbered WARC file (NAME-00001.warc.gz, ...) before one would pass SIZE bytes (K, M or G suffix allowed). The default is one file.")
    var warcMaxSize: String?

    @Flag(help: "Fetch /robots.txt once per origin, through the same limits and retries, and obey it for the user agent (RFC 9309): refused URLs get error robots, Crawl-delay spaces requests to the host; a 4xx robots.txt allows all, a 5xx or none disallows all. The default ignores robots.txt.")
    var robots = false

    @Option(help: "An earlier afetch output (a cut-off last line is ignored): inputs it answered are skipped, once per answer; cancelled records are fetched again. The default fetches everything.")
    var resume: String?

    @Flag(inversion: .prefixedNo, help: "Draw a live progress line on stderr. The default is on when stderr is a terminal.")
    var progress: Bool?

    @Flag(help: "Exit with status 1 if any record is not ok. The default exits 0 when all input was processed.")
    var fail = false

    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard perHost >= 1 else { throw ValidationError("--per-host must be at least 1") }
        guard retries >= 0 else { throw ValidationError("--retries must not be negative") }
        guard timeout > 0, connectTimeout > 0 else { throw ValidationError("timeouts must be positive") }
        guard BodyMode(rawValue: body) != nil else { throw ValidationError("--body must be auto, text, base64 or none") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        if let hostRate, hostRate <= 0 { throw ValidationError("--host-rate must be positive") }
        do {
            _ = try parseSize(maxBody)
            if let warcMaxSize { _ = try parseSize(warcMaxSize) }
            _ = try parseStatuses(retryOn)
            for header in headers { try validateHeader(header) }
        } catch let error as FlagError {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let input = try LineReader(path: file ?? "-")
        let showProgress = progress ?? (isatty(2) == 1)
        let engine = try Engine(settings: try settings(), input: input, output: OutputWriter.standardOutput,
                                showProgress: showProgress && !common.quiet)
        let result = try engine.run()
        OutputWriter.standardOutput.flush()
        let diagnostics = Diagnostics(tool: "afetch", quiet: common.quiet)
        let counters = result.counters
        diagnostics.warn("\(counters.done) records: \(counters.ok) ok, \(counters.failed) failed, "
                         + "\(counters.retries) retries in \(formatSeconds(result.seconds)) s "
                         + "(\(Int(Double(counters.done) / max(result.seconds, 0.001))) records/s)")
        if let signal = result.signal { exitProcess(128 + signal) }
        if let inputError = result.inputError {
            diagnostics.fail("input: \(inputError)")
            exitProcess(1)
        }
        if fail && counters.failed > 0 { exitProcess(1) }
    }

    private func settings() throws -> FetchSettings {
        var settings = FetchSettings()
        settings.concurrency = concurrency
        settings.perHost = perHost
        settings.rate = rate
        settings.hostRate = hostRate
        settings.delayMilliseconds = delay
        settings.jitter = jitter
        settings.retries = retries
        settings.backoffMilliseconds = backoff
        settings.maxBackoffMilliseconds = maxBackoff
        settings.retryStatuses = try parseStatuses(retryOn)
        settings.connectTimeoutMilliseconds = Int(connectTimeout * 1000)
        settings.timeoutMilliseconds = Int(timeout * 1000)
        settings.lowSpeedLimit = lowSpeedLimit
        settings.lowSpeedTime = lowSpeedTime
        settings.followRedirects = !noFollow
        settings.maxRedirects = maxRedirects
        settings.bodyMode = BodyMode(rawValue: body)!
        settings.maxBody = try parseSize(maxBody)
        settings.bodyDirectory = bodyDir
        settings.headers = headers
        settings.userAgent = userAgent
        settings.method = method.uppercased()
        settings.http11Only = http11
        settings.insecure = insecure
        settings.proxy = proxy
        settings.denyPrivate = denyPrivate
        settings.resolve = resolve
        settings.includeHeaders = includeHeaders
        settings.ordered = ordered
        settings.graceSeconds = grace
        settings.resumeFrom = resume
        settings.obeyRobots = robots
        settings.warcPath = warc
        settings.warcMaxSize = try warcMaxSize.map(parseSize)
        settings.version = acrawlVersion
        return settings
    }
}

private func formatSeconds(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}
