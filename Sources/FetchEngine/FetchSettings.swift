/// How bodies are kept in records (`--body`).
public enum BodyMode: String, CaseIterable, Sendable {
    /// Textual types (text/*, */json, */xml, */javascript, */xhtml+xml) decoded to UTF-8; others dropped.
    case auto
    /// Every body decoded to UTF-8 text.
    case text
    /// Every body as `body_base64`.
    case base64
    /// No body; only its length.
    case none
}

/// Everything the engine needs to know, mapped from afetch's flags.
public struct FetchSettings: Sendable {
    /// Transfers in flight at once.
    public var concurrency = 16
    /// Transfers in flight to one host (host and port).
    public var perHost = 6
    /// Requests started per second overall; nil for no limit.
    public var rate: Double?
    /// Requests started per second to one host; nil for no limit.
    public var hostRate: Double?
    /// Milliseconds between the starts of two requests to one host.
    public var delayMilliseconds = 0.0
    /// When true, each delay is drawn uniformly from 0.5 to 1.5 times the delay.
    public var jitter = false

    /// Retries after the first attempt.
    public var retries = 2
    /// The first backoff in milliseconds; it doubles per retry, with full jitter.
    public var backoffMilliseconds = 500.0
    /// The cap on any single wait, backoff or Retry-After, in milliseconds.
    public var maxBackoffMilliseconds = 30_000.0
    /// Statuses that are retried.
    public var retryStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// Connect timeout in milliseconds.
    public var connectTimeoutMilliseconds = 10_000
    /// Timeout of one attempt in milliseconds.
    public var timeoutMilliseconds = 30_000
    /// An attempt slower than this many bytes per second for `lowSpeedTime` seconds is cut.
    public var lowSpeedLimit = 1
    /// Seconds the transfer may stay below `lowSpeedLimit`.
    public var lowSpeedTime = 10

    /// Whether redirects are followed.
    public var followRedirects = true
    /// The most redirects followed.
    public var maxRedirects = 10

    /// How bodies are kept.
    public var bodyMode = BodyMode.auto
    /// The most body bytes read, after decompression.
    public var maxBody = 10 << 20
    /// A WARC file every exchange is also written to (`--warc`); `.gz` compresses each record.
    public var warcPath: String?
    /// Bytes after which the WARC output rolls over to a new numbered file.
    public var warcMaxSize: Int?
    /// Where bodies are stored by content hash instead of in records (`--body-dir`).
    public var bodyDirectory: String?

    /// Extra request headers, `Name: value`.
    public var headers: [String] = []
    /// The suite's version, for the WARC `warcinfo` record.
    public var version = "0"
    /// The User-Agent header.
    public var userAgent = "acrawl-afetch"

    /// The headers every request carries: User-Agent and Accept-Encoding first (each unless
    /// -H gives one), then -H's. Both travel as plain headers: libcurl would otherwise format
    /// each with its printf for every request before formatting the request itself (about 3%
    /// of afetch's instructions each). libcurl still decodes the codings it offers, as
    /// CURLOPT_ACCEPT_ENCODING stays set; with --warc it offers only what afetch decodes.
    func requestHeaders(decodableCodings: String) -> [String] {
        var defaults: [String] = []
        if !givesHeader("user-agent") { defaults.append("User-Agent: " + userAgent) }
        if warcPath == nil, !decodableCodings.isEmpty, !givesHeader("accept-encoding") {
            defaults.append("Accept-Encoding: " + decodableCodings)
        }
        return defaults + headers
    }

    private func givesHeader(_ lowercasedName: String) -> Bool {
        headers.contains { $0.lowercased().hasPrefix(lowercasedName + ":") }
    }
    /// The request method.
    public var method = "GET"
    /// Forces HTTP/1.1 instead of offering HTTP/2.
    public var http11Only = false
    /// Skips TLS certificate verification.
    public var insecure = false
    /// Whether loopback, private, link-local and multicast addresses are refused after DNS.
    public var denyPrivate = false
    /// Proxy URL; nil means libcurl's usual environment variables.
    public var proxy: String?
    /// `HOST:PORT:ADDRESS` entries that bypass DNS, as curl's --resolve.
    public var resolve: [String] = []

    /// Whether records carry the response headers.
    public var includeHeaders = false
    /// Whether records are written in input order.
    public var ordered = false
    /// Seconds in-flight transfers may finish after SIGINT or SIGTERM.
    public var graceSeconds = 5.0
    /// Whether robots.txt is fetched once per origin and obeyed (`--robots`, RFC 9309).
    public var obeyRobots = false
    /// An earlier run's output: inputs it answered are skipped (`--resume`).
    public var resumeFrom: String?

    public init() {}

    /// Input records buffered ahead of the transfers: enough to keep every
    /// slot busy across hosts, small enough that memory does not grow with input.
    var inputWindow: Int { max(1024, concurrency * 8) }
}
