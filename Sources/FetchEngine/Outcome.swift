import Archive
import CCurl

/// How one attempt ended: everything a record reports about the response.
struct Outcome {
    /// The last response's status, nil when no response came.
    var status: Int?
    /// The URL after redirects.
    var finalURL: String?
    /// The Content-Type header as sent.
    var contentType: String?
    /// Redirects followed.
    var redirects = 0
    /// "1.0", "1.1", "2" or "3".
    var httpVersion: String?
    /// Phase durations of the attempt.
    var timing: Timing?
    /// Body bytes received (after content decoding).
    var length = 0
    /// The kept body bytes, as received.
    var body: [UInt8] = []
    /// Response headers, with --headers.
    var headers: [(name: String, value: String)] = []
    /// Seconds the server asked to wait (Retry-After), when it did.
    var retryAfter: Double?
    /// The error, nil for a 2xx response that arrived whole.
    var error: FetchError?
    /// With --warc: the attempt's exchanges to archive, redirects first, bodies as received.
    var exchanges: [ArchivedExchange] = []
    /// Whether --deny-private refused the address: a policy, so never retried.
    var refusedByPolicy = false
    /// With --warc: where the response record was written.
    var warcLocation: (file: String, offset: Int)?

    /// An outcome with no response at all.
    init(error: FetchError) { self.error = error }

    /// Reads what libcurl knows about the finished attempt on `transfer`.
    init(transfer: Transfer, code: CURLcode) {
        let easy = transfer.easy
        let responseCode = easy.info(long: CURLINFO_RESPONSE_CODE)
        status = responseCode > 0 ? responseCode : nil
        finalURL = easy.info(string: CURLINFO_EFFECTIVE_URL)
        contentType = easy.info(string: CURLINFO_CONTENT_TYPE)
        redirects = easy.info(long: CURLINFO_REDIRECT_COUNT)
        httpVersion = Outcome.versionName(easy.info(long: CURLINFO_HTTP_VERSION))
        timing = Timing(easy)
        length = transfer.received
        swap(&body, &transfer.body)
        headers = transfer.headers
        let retryAfter = easy.info(offset: CURLINFO_RETRY_AFTER)
        self.retryAfter = retryAfter > 0 ? Double(retryAfter) : nil
        error = Outcome.error(code: code, status: status, transfer: transfer)
        refusedByPolicy = transfer.deniedAddress != nil
        if transfer.archives { exchanges = transfer.archivedExchanges() }
    }

    private static func error(code: CURLcode, status: Int?, transfer: Transfer) -> FetchError? {
        if let denied = transfer.deniedAddress {
            return FetchError(.connect, "address \(denied) refused by --deny-private")
        }
        if transfer.badEncoding {
            return FetchError(.protocol, "the body is not valid for its Content-Encoding")
        }
        if transfer.tooLarge {
            return FetchError(.tooLarge, "body larger than --max-body (\(transfer.maxBody) bytes)")
        }
        if code != CURLE_OK {
            let message = transfer.errorDetail ?? String(cString: curl_easy_strerror(code))
            return refined(FetchError(ErrorKind(code), message), code: code, status: status)
        }
        if let status, !(200..<300).contains(status) {
            return FetchError(.http, "HTTP status \(status)")
        }
        return nil
    }

    /// Corrects the kinds libcurl's codes give for a server that broke HTTP
    /// (found by the fault matrix, Tests/EndToEndTests/FaultMatrixTests.swift).
    private static func refined(_ error: FetchError, code: CURLcode, status: Int?) -> FetchError {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL where status == nil:
            // An answer without a status line (HTTP/0.9, RFC 1945 section 3.1), which
            // libcurl refuses with this code; a scheme refused in a redirect comes with its 3xx.
            return FetchError(.protocol, error.message)
        case CURLE_RECV_ERROR where error.message.contains("chunk"):
            // libcurl reports bad chunking (RFC 9112 section 7.1) with the code of a
            // failed recv(2); only its message tells them apart. Not a reset, so not retried.
            return FetchError(.protocol, error.message)
        case CURLE_OUT_OF_MEMORY where status != nil:
            // libcurl 7.x gives this when a header line passes CURL_MAX_HTTP_HEADER (100 KiB).
            return FetchError(.protocol, "a response header line is longer than libcurl accepts (100 KiB)")
        default:
            return error
        }
    }

    private static func versionName(_ version: Int) -> String? {
        switch version {
        case CURL_HTTP_VERSION_1_0: return "1.0"
        case CURL_HTTP_VERSION_1_1: return "1.1"
        case CURL_HTTP_VERSION_2_0: return "2"
        case CURL_HTTP_VERSION_3: return "3"
        default: return nil
        }
    }
}

/// Where an attempt's time went, in milliseconds. Phases that did not happen
/// (DNS and connect on a reused connection, TLS over plain http) are 0.
struct Timing {
    /// Name resolution.
    let dns: Double
    /// TCP connect, after resolution.
    let connect: Double
    /// TLS handshake, after connect.
    let tls: Double
    /// From the start of the attempt to the first response byte.
    let ttfb: Double
    /// The whole attempt.
    let total: Double

    init(_ easy: EasyHandle) {
        let lookup = Double(easy.info(microseconds: CURLINFO_NAMELOOKUP_TIME_T)) / 1000
        let connected = Double(easy.info(microseconds: CURLINFO_CONNECT_TIME_T)) / 1000
        let handshake = Double(easy.info(microseconds: CURLINFO_APPCONNECT_TIME_T)) / 1000
        dns = lookup
        connect = max(0, connected - lookup)
        tls = handshake > 0 ? max(0, handshake - connected) : 0
        ttfb = Double(easy.info(microseconds: CURLINFO_STARTTRANSFER_TIME_T)) / 1000
        total = Double(easy.info(microseconds: CURLINFO_TOTAL_TIME_T)) / 1000
    }
}
