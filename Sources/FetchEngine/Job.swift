import NDJSON
import URLs

/// One input record on its way to becoming one output record.
final class Job {
    /// Position among the input records (blank and comment lines do not count), for --ordered.
    let sequence: Int
    /// The URL as the input gave it, trimmed: the record's `url`.
    let requestedURL: String
    /// `scheme://host:port` the per-host limits and cooldowns apply to.
    let hostKey: String
    /// The input object's bytes, when the input was an object, for pass-through of its fields.
    let inputObject: [UInt8]?
    /// Attempts started so far.
    var attempts = 0
    /// When the first attempt started (monotonic seconds), for `elapsed_ms`.
    var firstStart = 0.0
    /// A retry waits until this time (monotonic seconds).
    var notBefore = 0.0
    /// True for the engine's own robots.txt request, which writes no record.
    let isRobotsRequest: Bool

    init(sequence: Int, requestedURL: String, hostKey: String, inputObject: [UInt8]?, isRobotsRequest: Bool = false) {
        self.isRobotsRequest = isRobotsRequest
        self.sequence = sequence
        self.requestedURL = requestedURL
        self.hostKey = hostKey
        self.inputObject = inputObject
    }
}

/// What one input line turns into.
enum InputOutcome {
    /// A blank line or a `#` comment: no record.
    case skip
    /// A URL to fetch.
    case fetch(Job)
    /// A record that needs no request: bad input, an invalid URL or an unsupported scheme.
    case immediate(InputFailure)
}

/// An input record that failed before any request.
struct InputFailure {
    let sequence: Int
    let error: FetchError
    /// The URL as given, when there was one.
    let requestedURL: String?
    /// The input object, when the line was a valid object.
    let inputObject: [UInt8]?
    /// The raw line, when it was neither a URL nor a valid object.
    let rawLine: [UInt8]?
}

/// Turns input lines into jobs (DESIGN.md section 2, afetch input).
struct InputParser {
    private var nextSequence = 0
    /// With --resume: the records an earlier run already answered, skipped here.
    var answered: ResumeIndex?

    /// How many records the lines so far will produce.
    var recordCount: Int { nextSequence }

    mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> InputOutcome {
        let trimmed = line.trimmingBlanks
        guard let first = trimmed.first, first != UInt8(ascii: "#") else { return .skip }
        if answered?.consume(inputLine: line) == true { return .skip }
        let sequence = nextSequence
        nextSequence += 1
        if first == UInt8(ascii: "{") { return parseObject(trimmed, original: line, sequence: sequence) }
        let controls = controlCharacters(in: trimmed)
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") || controls == .includingNUL {
            return .immediate(InputFailure(sequence: sequence, error: FetchError(.badInput, "not a URL or a JSON object"),
                                           requestedURL: nil, inputObject: nil, rawLine: Array(line)))
        }
        guard let text = String(validating: trimmed, as: UTF8.self) else {
            return .immediate(InputFailure(sequence: sequence, error: FetchError(.badInput, "line is not valid UTF-8"),
                                           requestedURL: nil, inputObject: nil, rawLine: Array(line)))
        }
        return parseURL(text, hasControlCharacters: controls != .none, sequence: sequence, inputObject: nil)
    }

    private func parseObject(_ line: UnsafeBufferPointer<UInt8>, original: UnsafeBufferPointer<UInt8>,
                             sequence: Int) -> InputOutcome {
        let scanner = JSONScanner(line)
        let url: JSONValue?
        do {
            url = try scanner.value(of: "url")
        } catch {
            return .immediate(InputFailure(sequence: sequence, error: FetchError(.badInput, "\(error)"),
                                           requestedURL: nil, inputObject: nil, rawLine: Array(original)))
        }
        guard let text = url?.stringValue else {
            let reason = url == nil ? "object has no \"url\" field" : "\"url\" is not a string"
            return .immediate(InputFailure(sequence: sequence, error: FetchError(.badInput, reason),
                                           requestedURL: nil, inputObject: Array(line), rawLine: nil))
        }
        var trimmed = text.trimmingBlanks
        let controls = trimmed.withUTF8 { controlCharacters(in: $0) }
        return parseURL(trimmed, hasControlCharacters: controls != .none, sequence: sequence, inputObject: Array(line))
    }

    private func parseURL(_ text: String, hasControlCharacters: Bool, sequence: Int, inputObject: [UInt8]?) -> InputOutcome {
        func failure(_ kind: ErrorKind, _ message: String) -> InputOutcome {
            .immediate(InputFailure(sequence: sequence, error: FetchError(kind, message), requestedURL: text,
                                    inputObject: inputObject, rawLine: nil))
        }
        if hasControlCharacters {
            return failure(.invalidURL, "URL contains control characters")
        }
        // Only the scheme and authority are read here, for scheduling; libcurl
        // parses the whole URL when the transfer starts (an error there is
        // `invalid_url` too), so each URL is parsed by libcurl once, not twice.
        if let key = plainOriginKey(text) {
            return .fetch(Job(sequence: sequence, requestedURL: text, hostKey: key, inputObject: inputObject))
        }
        guard let origin = URLOrigin(text) else {
            return failure(.invalidURL, "not an absolute URL with a scheme and a host")
        }
        guard origin.scheme == "http" || origin.scheme == "https" else {
            return failure(.unsupportedScheme, "scheme \"\(origin.scheme)\" is not http or https")
        }
        return .fetch(Job(sequence: sequence, requestedURL: text, hostKey: origin.key, inputObject: inputObject))
    }
}

/// Which control characters (C0 and DEL) a line holds.
enum ControlCharacters { case none, someButNoNUL, includingNUL }

/// One pass over the bytes, eight at a time while they are plain (as JSONBuffer's escaping):
/// iterating a String's UTF8View byte by byte cost afetch about 1,000 instructions a URL.
func controlCharacters(in bytes: UnsafeBufferPointer<UInt8>) -> ControlCharacters {
    var found = ControlCharacters.none
    var index = 0
    if let base = bytes.baseAddress {
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            // No byte below 0x20 and none equal to 0x7F: skip all eight.
            if controlByteFlags(word) | byteFlags(word, equalTo: 0x7F) != 0 { break }
            index += 8
        }
    }
    while index < bytes.count {
        let byte = bytes[index]
        if byte == 0 { return .includingNUL }
        if byte < 0x20 || byte == 0x7F { found = .someButNoNUL }
        index += 1
    }
    return found
}

/// URLOrigin's key (`scheme://host:port`) for the URLs crawls are made of, read from the
/// bytes without building a URLOrigin: `http://` or `https://` in lower case, then a host of
/// lower-case letters, digits, dots and hyphens, then an optional port of 1 to 5 digits,
/// then the end or `/`, `?`, `#`. Nil for anything else (URLOrigin reads those).
func plainOriginKey(_ text: String) -> String? {
    var text = text
    return text.withUTF8 { bytes -> String? in
        let secure: Bool
        if bytes.starts(with: "http://".utf8) { secure = false }
        else if bytes.starts(with: "https://".utf8) { secure = true }
        else { return nil }
        let hostStart = secure ? 8 : 7
        var index = hostStart
        while index < bytes.count, isPlainHostByte(bytes[index]) { index += 1 }
        guard index > hostStart else { return nil }
        let hostEnd = index
        var port = secure ? 443 : 80
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            let digitsStart = index
            var value = 0
            while index < bytes.count, index - digitsStart < 5, isASCIIDigit(bytes[index]) {
                value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            guard index > digitsStart else { return nil }
            port = value
        }
        guard index == bytes.count || bytes[index] == UInt8(ascii: "/") || bytes[index] == UInt8(ascii: "?")
                || bytes[index] == UInt8(ascii: "#") else { return nil }
        // Written in place: concatenating Strings cost more than the whole scan.
        return String(unsafeUninitializedCapacity: hostEnd + 6) { key in
            _ = key.initialize(from: bytes[..<hostEnd])
            key[hostEnd] = UInt8(ascii: ":")
            var digits = 1
            var rest = port / 10
            while rest > 0 { digits += 1; rest /= 10 }
            var value = port
            for position in stride(from: hostEnd + digits, to: hostEnd, by: -1) {
                key[position] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            return hostEnd + 1 + digits
        }
    }
}

/// A byte of a host name already in normal form: lower-case letters, digits, '.' and '-'.
private func isPlainHostByte(_ byte: UInt8) -> Bool {
    byte &- UInt8(ascii: "a") < 26 || isASCIIDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
}

extension String {
    /// The string without leading and trailing spaces, tabs, CRs and LFs. Read as bytes:
    /// "\r\n" is one Character in Swift, which a set of Characters would never match.
    var trimmingBlanks: String {
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }),
              let last = utf8.lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(decoding: utf8[first...last], as: UTF8.self)
    }
}
