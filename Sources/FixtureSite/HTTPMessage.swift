import NDJSON

/// One parsed HTTP/1.x request (RFC 9112 section 3): request line and headers.
struct Request {
    /// The method as sent, such as `GET`.
    let method: String
    /// The request target as sent: path with query.
    let target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    let version: String
    /// Header fields in arrival order, names lower-cased.
    let headers: [(name: String, value: String)]

    /// The target's path, without query.
    var path: Substring { target.prefix { $0 != "?" } }

    /// The first value of header `name` (lower-case), if sent.
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// The query's parameters, percent-decoded (`+` stays a plus).
    var query: [String: String] {
        guard let mark = target.firstIndex(of: "?") else { return [:] }
        var parameters: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            parameters[percentDecoded(parts[0])] = parts.count > 1 ? percentDecoded(parts[1]) : ""
        }
        return parameters
    }

    /// An integer query parameter, or `fallback` when absent or not a number.
    func integer(_ name: String, default fallback: Int) -> Int {
        query[name].flatMap { Int($0) } ?? fallback
    }

    /// Whether the connection may carry another request after this one's
    /// response (RFC 9112 section 9.3: 1.1 persists unless `close`, 1.0 only with `keep-alive`).
    var keepsAlive: Bool {
        let connection = header("connection")?.lowercased() ?? ""
        if version == "HTTP/1.1" { return !connection.contains("close") }
        return connection.contains("keep-alive")
    }

    /// Headers merged by name, repeated fields joined with ", " (RFC 9110 section 5.3).
    var mergedHeaders: [(name: String, value: String)] {
        var merged: [(name: String, value: String)] = []
        for header in headers {
            if let index = merged.firstIndex(where: { $0.name == header.name }) {
                merged[index].value += ", " + header.value
            } else {
                merged.append(header)
            }
        }
        return merged
    }

    /// Parses a request head (everything before the blank line), or nil when malformed.
    init?(head: ArraySlice<UInt8>) {
        let lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        let parts = lines[0].split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return nil }
        method = String(parts[0])
        target = String(parts[1])
        version = String(parts[2])
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            headers.append((line[..<colon].lowercased(), String(value.reversed().drop { $0 == " " || $0 == "\t" }.reversed())))
        }
        self.headers = headers
    }
}

/// A complete response: the server adds Content-Length and Connection.
struct Response {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(status: Int, contentType: String = "text/plain; charset=utf-8", headers: [(name: String, value: String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = [("Content-Type", contentType)] + headers
        self.body = body
    }

    init(status: Int, contentType: String = "text/plain; charset=utf-8", headers: [(name: String, value: String)] = [], text: String) {
        self.init(status: status, contentType: contentType, headers: headers, body: Array(text.utf8))
    }

    /// Whether the status forbids a body (RFC 9110 sections 15.2, 15.3.5, 15.4.5).
    var hasNoBody: Bool { status < 200 || status == 204 || status == 304 }
}

/// The status line and header block of a response.
func responseHead(status: Int, headers: [(name: String, value: String)]) -> [UInt8] {
    var head = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
    for header in headers { head += "\(header.name): \(header.value)\r\n" }
    return Array((head + "\r\n").utf8)
}

/// The usual reason phrase of a status (RFC 9110 section 15); clients ignore it.
func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 201: "Created"
    case 204: "No Content"
    case 206: "Partial Content"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 303: "See Other"
    case 304: "Not Modified"
    case 307: "Temporary Redirect"
    case 308: "Permanent Redirect"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 408: "Request Timeout"
    case 410: "Gone"
    case 429: "Too Many Requests"
    case 431: "Request Header Fields Too Large"
    case 500: "Internal Server Error"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    default: "Status \(status)"
    }
}

/// `%XX` escapes decoded; invalid escapes and bytes kept as they are.
func percentDecoded(_ text: Substring) -> String {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8)[...]
    while let byte = iterator.popFirst() {
        if byte == UInt8(ascii: "%"), iterator.count >= 2,
           let high = ASCIIHex.value(iterator[iterator.startIndex]),
           let low = ASCIIHex.value(iterator[iterator.startIndex + 1]) {
            bytes.append(high << 4 | low)
            iterator = iterator.dropFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
