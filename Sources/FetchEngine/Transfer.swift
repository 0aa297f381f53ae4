#if canImport(Glibc)
import Glibc
#endif

import Archive
import CCurl
import NDJSON

/// One easy handle and the state of the request it is carrying. Transfers are
/// pooled: each keeps its handle (and the options that never change) across
/// requests, and takes a new job per request.
final class Transfer {
    /// The libcurl handle.
    let easy: EasyHandle
    /// The request being carried, nil while the transfer is idle in the pool.
    var job: Job?
    /// Body bytes kept so far (after content decoding), when the body is kept.
    var body: [UInt8] = []
    /// Whether bodies are kept at all (not with --body none).
    let keepsBodies: Bool
    /// Whether this request's body is kept: always for robots.txt.
    private var keepsBody = true
    /// Body bytes received, kept or not.
    var received = 0
    /// The most body bytes allowed.
    let maxBody: Int
    /// Set when the body passed maxBody and the write callback stopped the transfer.
    var tooLarge = false
    /// Response headers of the last response, when --headers asked for them.
    var headers: [(name: String, value: String)] = []
    /// libcurl's detailed error message for the last attempt (CURLOPT_ERRORBUFFER).
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// When the current attempt started (monotonic seconds).
    var attemptStart = 0.0
    /// With --warc: the exchange as sent and received, before content decoding.
    let archives: Bool
    /// With --headers: response headers are parsed into `headers`.
    let parsesHeaders: Bool
    /// The last request head sent (CURLINFO_HEADER_OUT), with --warc.
    var requestHead: [UInt8] = []
    /// The URL that request head was sent for, with --warc.
    private var requestURI = ""
    /// With --warc: the exchanges of this attempt that ended in a redirect libcurl
    /// followed, oldest first; the final exchange is not among them.
    var redirectHops: [ArchivedExchange] = []
    /// With --warc: whether the response being read is a redirect libcurl will follow.
    private var readingRedirect = false
    /// With --warc: that redirect's body as received (libcurl never hands it to the write callback).
    private var redirectBody: [UInt8] = []
    /// Whether libcurl follows redirects (--no-follow turns it off).
    private let followsRedirects: Bool
    /// The last response head received, status line to blank line, with --warc.
    var responseHead: [UInt8] = []
    /// The body as received (still content-encoded), with --warc.
    var rawBody: [UInt8] = []
    /// Decodes a gzip or deflate body, with --warc; nil for identity.
    private var inflater: Inflater?
    /// Whether the first body byte has been seen (the head is complete then).
    private var bodyStarted = false
    /// Set when a body's content coding could not be decoded.
    var badEncoding = false
    /// With --deny-private: the refused address, when one was refused.
    var deniedAddress: String?

    init(settings: FetchSettings, requestHeaders: CurlStringList, resolve: CurlStringList) throws {
        easy = try EasyHandle()
        keepsBodies = settings.bodyMode != .none || settings.bodyDirectory != nil
        archives = settings.warcPath != nil
        parsesHeaders = settings.includeHeaders
        followsRedirects = settings.followRedirects
        maxBody = settings.maxBody
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try configure(settings, requestHeaders: requestHeaders, resolve: resolve)
    }

    deinit { errorBuffer.deallocate() }

    /// Options that stay the same for every request this handle makes.
    private func configure(_ settings: FetchSettings, requestHeaders: CurlStringList, resolve: CurlStringList) throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_PRIVATE, pointer: context)
        try easy.set(CURLOPT_WRITEFUNCTION, callback: TransferCallbacks.writeBody)
        try easy.set(CURLOPT_WRITEDATA, pointer: context)
        if settings.includeHeaders || archives {
            try easy.set(CURLOPT_HEADERFUNCTION, callback: TransferCallbacks.readHeader)
            try easy.set(CURLOPT_HEADERDATA, pointer: context)
        }
        if archives {
            // The archive holds the bytes as sent: libcurl must not decode them,
            // so only the codings afetch decodes itself (zlib) are offered.
            try easy.set(CURLOPT_HTTP_CONTENT_DECODING, 0)
            try check(CCurl_easy_setopt_debug_callback(easy.raw, TransferCallbacks.readDebug))
            try easy.set(CURLOPT_DEBUGDATA, pointer: context)
            try easy.set(CURLOPT_VERBOSE, 1)
        }
        try easy.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        // Only http and https reach libcurl, for redirects too (issue: file:, ftp:, gopher: ...).
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, settings.followRedirects ? 1 : 0)
        try easy.set(CURLOPT_MAXREDIRS, settings.maxRedirects)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeoutMilliseconds)
        try easy.set(CURLOPT_TIMEOUT_MS, settings.timeoutMilliseconds)
        try easy.set(CURLOPT_LOW_SPEED_LIMIT, settings.lowSpeedLimit)
        try easy.set(CURLOPT_LOW_SPEED_TIME, settings.lowSpeedTime)
        // "" offers every encoding this libcurl decodes (gzip, deflate, br, zstd);
        // the write callback then sees decoded bytes, so --max-body bounds the
        // decompressed size and a gzip bomb stops early.
        try easy.set(CURLOPT_ACCEPT_ENCODING, archives ? "gzip, deflate" : "")
        try easy.set(CURLOPT_HTTPHEADER, list: requestHeaders.pointer)
        try easy.set(CURLOPT_RESOLVE, list: resolve.pointer)
        try easy.set(CURLOPT_HTTP_VERSION, settings.http11Only ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2TLS)
        try easy.set(CURLOPT_NOSIGNAL, 1)
        if settings.method == "HEAD" {
            try easy.set(CURLOPT_NOBODY, 1)
        } else if settings.method != "GET" {
            try easy.set(CURLOPT_CUSTOMREQUEST, settings.method)
        }
        if !["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"].contains(settings.method) {
            // libcurl silently resends a request whose reused connection closed before
            // any response; RFC 9112 section 9.3.1 forbids that for a method that is not
            // idempotent (RFC 9110 section 9.2.2), so such requests never reuse one.
            try easy.set(CURLOPT_FRESH_CONNECT, 1)
            try easy.set(CURLOPT_FORBID_REUSE, 1)
        }
        if settings.insecure {
            try easy.set(CURLOPT_SSL_VERIFYPEER, 0)
            try easy.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let proxy = settings.proxy {
            try easy.set(CURLOPT_PROXY, proxy)
        } else if !environmentNamesProxy {
            // Said outright, so that libcurl does not read five variables for every request.
            try easy.set(CURLOPT_PROXY, "")
            try easy.set(CURLOPT_NOPROXY, "")
        }
        if settings.denyPrivate {
            // Checked where libcurl opens each socket, after DNS, for every
            // connection the transfer makes (redirects and proxies included).
            try check(CCurl_easy_setopt_opensocket_callback(easy.raw, TransferCallbacks.openSocket))
            try easy.set(CURLOPT_OPENSOCKETDATA, pointer: context)
        }
    }

    /// Takes back the buffer of a body that has left with its record, emptied, unless the
    /// handle already holds a body or the buffer is one begin() would not keep either.
    func reuseBodyBuffer(_ buffer: inout [UInt8]) {
        guard body.isEmpty, body.capacity < buffer.capacity, buffer.capacity <= Self.keptBodyCapacity else { return }
        buffer.removeAll(keepingCapacity: true)
        swap(&body, &buffer)
    }

    /// The largest body buffer a handle keeps for its next transfer.
    private static let keptBodyCapacity = 1 << 20

    /// Prepares the handle for the next attempt of `job`.
    func begin(_ job: Job, at now: Double) throws {
        self.job = job
        keepsBody = keepsBodies || job.isRobotsRequest
        body.removeAll(keepingCapacity: body.capacity <= Self.keptBodyCapacity)
        // The last body left with its record: start the next one with room for a typical page.
        if keepsBody && body.capacity < 1 << 14 { body.reserveCapacity(1 << 14) }
        received = 0
        tooLarge = false
        headers.removeAll(keepingCapacity: true)
        requestHead.removeAll()
        requestURI = ""
        redirectHops.removeAll()
        readingRedirect = false
        redirectBody.removeAll()
        responseHead.removeAll()
        rawBody.removeAll()
        inflater = nil
        bodyStarted = false
        badEncoding = false
        deniedAddress = nil
        errorBuffer[0] = 0
        attemptStart = now
        try easy.set(CURLOPT_URL, job.requestedURL)
    }

    /// Takes body bytes from libcurl; refusing them (returning 0) ends the transfer.
    func receive(_ data: UnsafeMutablePointer<CChar>, count: Int) -> Int {
        let bytes = data.withMemoryRebound(to: UInt8.self, capacity: count) { UnsafeBufferPointer(start: $0, count: count) }
        guard archives else { return accept(bytes) ? count : 0 }
        if !bodyStarted {
            bodyStarted = true
            if let coding = contentCoding(), coding == "gzip" || coding == "x-gzip" || coding == "deflate" {
                inflater = Inflater()
            }
        }
        guard rawBody.count + count <= maxBody else { tooLarge = true; return 0 }
        rawBody.append(contentsOf: bytes)
        guard let inflater else { return accept(bytes) ? count : 0 }
        var accepted = true
        inflater.inflate(bytes) { piece in
            accepted = accept(piece)
            return accepted
        }
        if inflater.failed { badEncoding = true; return 0 }
        return accepted ? count : 0
    }

    /// Counts and keeps decoded body bytes, up to maxBody.
    private func accept(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard received + bytes.count <= maxBody else {
            tooLarge = true
            return false
        }
        received += bytes.count
        if keepsBody { body.append(contentsOf: bytes) }
        return true
    }

    /// The response's Content-Encoding, lower-cased, from the archived head.
    private func contentCoding() -> String? {
        // "\r\n" is one Character in Swift: split on it, never look for a lone "\r".
        for line in String(decoding: responseHead, as: UTF8.self).lowercased().split(separator: "\r\n")
        where line.hasPrefix("content-encoding:") {
            return String(line.dropFirst("content-encoding:".count)).trimmingBlanks
        }
        return nil
    }

    /// Takes what libcurl's debug callback reports: each request head as sent and,
    /// while a followed redirect is read, its body (still chunked, if it was).
    /// A new request head after a complete response closes that redirect's exchange.
    func receiveDebug(_ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>, count: Int) {
        let bytes = data.withMemoryRebound(to: UInt8.self, capacity: count) { UnsafeBufferPointer(start: $0, count: count) }
        switch type {
        case CURLINFO_HEADER_OUT:
            if !requestHead.isEmpty && !responseHead.isEmpty { closeRedirectHop() }
            requestHead = Array(bytes)
            requestURI = easy.info(string: CURLINFO_EFFECTIVE_URL) ?? job?.requestedURL ?? ""
        case CURLINFO_DATA_IN where readingRedirect && redirectBody.count + count <= maxBody:
            redirectBody.append(contentsOf: bytes)
        default:
            break
        }
    }

    /// With --warc: every exchange of the finished attempt, oldest first: the redirects
    /// followed, then the last response, if one came. A redirect that could not be followed
    /// (too many, or to another scheme) is the last response, with the body it had.
    func archivedExchanges() -> [ArchivedExchange] {
        guard !responseHead.isEmpty else { return redirectHops }
        let last = readingRedirect
            ? ArchivedExchange(targetURI: requestURI, request: requestHead, head: responseHead, wireBody: redirectBody)
            : ArchivedExchange(targetURI: requestURI, request: requestHead, head: responseHead, body: rawBody)
        return redirectHops + [last]
    }

    /// Keeps the redirect just read as an exchange of its own.
    private func closeRedirectHop() {
        redirectHops.append(ArchivedExchange(targetURI: requestURI, request: requestHead, head: responseHead, wireBody: redirectBody))
        responseHead.removeAll()
        redirectBody.removeAll()
        readingRedirect = false
    }

    /// Takes one header line; a status line starts a new response (after a redirect or 100 Continue).
    func receiveHeader(_ data: UnsafeMutablePointer<CChar>, count: Int) {
        let bytes = data.withMemoryRebound(to: UInt8.self, capacity: count) { UnsafeBufferPointer(start: $0, count: count) }
        let isStatusLine = bytes.starts(with: "HTTP/".utf8)
        if isStatusLine {
            headers.removeAll(keepingCapacity: true)
            responseHead.removeAll()
            if archives { readingRedirect = followsRedirects && Self.isRedirect(statusLine: bytes) }
        }
        if archives { responseHead.append(contentsOf: bytes) }
        guard parsesHeaders, !isStatusLine, let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        let value = String(decoding: bytes[(colon + 1)...], as: UTF8.self).trimmingBlanks
        headers.append((name, value))
    }

    /// Whether a status line ("HTTP/1.1 302 Found") carries a 3xx code.
    private static func isRedirect(statusLine: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let space = statusLine.firstIndex(of: UInt8(ascii: " ")), space + 1 < statusLine.count else { return false }
        return statusLine[space + 1] == UInt8(ascii: "3")
    }

    private func check(_ code: CURLcode) throws {
        guard code == CURLE_OK else { throw CurlError(description: String(cString: curl_easy_strerror(code))) }
    }

    /// libcurl's detailed message for the last error, if it gave one.
    var errorDetail: String? {
        errorBuffer[0] == 0 ? nil : String(cString: errorBuffer)
    }
}

/// The C callbacks libcurl calls; static members, so they capture nothing.
enum TransferCallbacks {
    static let writeBody: CCurl_data_callback = { data, size, count, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        return transfer.receive(data!, count: size * count)
    }

    static let openSocket: CCurl_opensocket_callback = { context, _, address in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        let socketAddress = UnsafeRawPointer(address!).advanced(by: MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!)
            .assumingMemoryBound(to: sockaddr.self)
        if AddressPolicy.isPrivate(socketAddress) {
            transfer.deniedAddress = AddressPolicy.describe(socketAddress)
            return CCurl_socket_bad()
        }
        return socket(address!.pointee.family, address!.pointee.socktype, address!.pointee.protocol)
    }

    static let readDebug: CCurl_debug_callback = { _, type, data, size, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        transfer.receiveDebug(type, data!, count: size)
        return 0
    }

    static let readHeader: CCurl_data_callback = { data, size, count, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        transfer.receiveHeader(data!, count: size * count)
        return size * count
    }
}

/// Whether a variable libcurl reads for http and https proxies is set to something:
/// `http_proxy` (never `HTTP_PROXY`, which a CGI request header could set), `https_proxy`,
/// `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`. Without one, libcurl would use no proxy.
let environmentNamesProxy = ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].contains { (name: String) in
    getenv(name).map { $0.pointee != 0 } ?? false
}
