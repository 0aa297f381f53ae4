import CCurl

/// The closed set of error kinds a record's `error.kind` can hold (DESIGN.md section 2).
public enum ErrorKind: String, CaseIterable, Sendable {
    /// The input line is neither a URL nor a JSON object with a string `url`.
    case badInput = "bad_input"
    /// The URL does not parse.
    case invalidURL = "invalid_url"
    /// A scheme other than http or https, in the input or in a redirect.
    case unsupportedScheme = "unsupported_scheme"
    /// The host name did not resolve.
    case dns
    /// No connection could be made (refused, unreachable, or a denied address).
    case connect
    /// The TLS handshake or certificate verification failed.
    case tls
    /// The connect timeout, the attempt timeout or the low-speed limit cut the attempt.
    case timeout
    /// The connection was reset or closed before any response.
    case reset
    /// The body passed --max-body (after decompression).
    case tooLarge = "too_large"
    /// More redirects than --max-redirects.
    case tooManyRedirects = "too_many_redirects"
    /// A complete response whose status is not 2xx, after any retries.
    case http
    /// The server broke HTTP: a malformed reply, a body shorter than announced, bad chunking or encoding.
    case `protocol`
    /// robots.txt refused the URL.
    case robots
    /// afetch was interrupted before the record finished.
    case cancelled

    /// Whether another attempt may succeed: the transient transport failures
    /// curl's own --retry treats as transient.
    var isTransient: Bool {
        self == .connect || self == .reset || self == .timeout
    }

    /// The kind for a libcurl result code (libcurl-errors(3)).
    init(_ code: CURLcode) {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL: self = .unsupportedScheme
        case CURLE_URL_MALFORMAT: self = .invalidURL
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: self = .dns
        case CURLE_COULDNT_CONNECT: self = .connect
        case CURLE_OPERATION_TIMEDOUT: self = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            self = .tls
        // CURLE_HTTP2_STREAM: the server reset the stream (RST_STREAM), HTTP/2's connection reset.
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_HTTP2_STREAM: self = .reset
        case CURLE_TOO_MANY_REDIRECTS: self = .tooManyRedirects
        case CURLE_FILESIZE_EXCEEDED: self = .tooLarge
        case CURLE_ABORTED_BY_CALLBACK: self = .cancelled
        default: self = .protocol
        }
    }
}

/// A record's error: its kind and a sentence for people.
public struct FetchError: Sendable, Equatable {
    public let kind: ErrorKind
    public let message: String

    public init(_ kind: ErrorKind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
