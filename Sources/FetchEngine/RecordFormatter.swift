import Archive
import NDJSON

/// Writes afetch's output records (DESIGN.md section 2): the input object's
/// fields first, byte for byte, then afetch's own, which replace same-named ones.
final class RecordFormatter {
    private let settings: FetchSettings
    private var decoder = BodyDecoder()
    private var timestamps = TimestampFormatter()
    private var buffer = JSONBuffer(capacity: 1 << 16)
    /// --body-dir's content-addressed store.
    private let bodyStore: BodyStore?
    /// The names afetch writes, which input fields of the same name give way to.
    private let ownedNames: Set<String>

    init(settings: FetchSettings) {
        self.settings = settings
        bodyStore = settings.bodyDirectory.map { BodyStore(directory: $0) }
        var names: Set<String> = ["url", "final_url", "status", "ok", "content_type", "length", "attempts",
                                  "elapsed_ms", "timing", "redirects", "http_version", "fetched_at", "error"]
        switch (settings.bodyMode, settings.bodyDirectory) {
        case (_, .some): names.formUnion(["body_path", "body_sha256"])
        case (.auto, nil), (.text, nil): names.insert("body")
        case (.base64, nil): names.insert("body_base64")
        case (.none, nil): break
        }
        if settings.includeHeaders { names.insert("headers") }
        if settings.warcPath != nil { names.formUnion(["warc_file", "warc_offset"]) }
        ownedNames = names
    }

    /// Formats the record of a fetch that ran (or was cancelled or refused before a
    /// request); `withFormatted` lends it.
    func format(url: String, inputObject: [UInt8]?, outcome: Outcome, attempts: Int, elapsed: Double) {
        buffer.removeAll()
        buffer.beginObject()
        copyInputFields(inputObject)
        buffer.key("url"); buffer.string(url)
        buffer.key("final_url"); buffer.string(outcome.finalURL)
        buffer.key("status"); if let status = outcome.status { buffer.number(status) } else { buffer.null() }
        buffer.key("ok"); buffer.bool(outcome.error == nil && outcome.status != nil)
        buffer.key("content_type"); buffer.string(outcome.contentType)
        buffer.key("length"); buffer.number(outcome.length)
        writeBody(outcome)
        buffer.key("attempts"); buffer.number(attempts)
        buffer.key("elapsed_ms"); buffer.milliseconds(elapsed * 1000)
        buffer.key("timing"); writeTiming(outcome.timing)
        buffer.key("redirects"); buffer.number(outcome.redirects)
        buffer.key("http_version"); buffer.string(outcome.httpVersion)
        buffer.key("fetched_at"); writeTimestamp()
        if settings.includeHeaders { buffer.key("headers"); writeHeaders(outcome.headers) }
        if let location = outcome.warcLocation {
            buffer.key("warc_file"); buffer.string(location.file)
            buffer.key("warc_offset"); buffer.number(location.offset)
        }
        buffer.key("error"); writeError(outcome.error)
        buffer.endObject()
        buffer.newline()
    }

    /// Formats the record of an input line that is not a URL or a valid object.
    func formatBadInput(_ failure: InputFailure) {
        buffer.removeAll()
        buffer.beginObject()
        if let raw = failure.rawLine {
            buffer.key("input")
            raw.withUnsafeBufferPointer { buffer.string(utf8: $0) }
        } else {
            copyInputFields(failure.inputObject)
        }
        buffer.key("ok"); buffer.bool(false)
        buffer.key("error"); writeError(failure.error)
        buffer.endObject()
        buffer.newline()
    }

    /// Lends the record formatted last, newline included, for the call: records are
    /// written from the formatter's memory, not copied out one by one.
    func withFormatted<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try buffer.withBytes(body)
    }

    private func copyInputFields(_ inputObject: [UInt8]?) {
        guard let inputObject else { return }
        inputObject.withUnsafeBufferPointer { line in
            let scanner = JSONScanner(line)
            // The line was validated when it was read, so this cannot throw.
            try? buffer.copyMembers(of: scanner) { member in
                ownedNames.contains(scanner.keyString(member))
            }
        }
    }

    private func writeBody(_ outcome: Outcome) {
        if let bodyStore {
            guard outcome.status != nil else { return }
            storeBody(outcome.body, in: bodyStore)
            return
        }
        switch settings.bodyMode {
        case .none:
            return
        case .base64:
            guard outcome.status != nil else { return }
            buffer.key("body_base64")
            let encoded = base64(outcome.body)
            encoded.withUnsafeBufferPointer { buffer.raw($0) }
        case .auto, .text:
            guard outcome.status != nil else { return }
            let textual = settings.bodyMode == .text || BodyDecoder.isTextual(outcome.contentType)
                || (outcome.contentType == nil && looksLikeText(outcome.body))
            guard textual else { return }
            buffer.key("body")
            let text = decoder.decode(outcome.body, contentType: outcome.contentType)
            text.withUnsafeBufferPointer { buffer.string(utf8: $0) }
        }
    }

    /// --body-dir: the body goes to a file named by its SHA-256, the record names the file.
    /// A body that cannot be written is a fatal I/O error: the records would point nowhere.
    private func storeBody(_ body: [UInt8], in store: BodyStore) {
        do {
            let stored = try store.store(body)
            buffer.key("body_path"); buffer.string(stored.path)
            buffer.key("body_sha256"); buffer.string(stored.sha256)
        } catch {
            writeToStandardError("afetch: --body-dir: \(error)\n")
            exitProcess(1)
        }
    }

    private func writeTiming(_ timing: Timing?) {
        guard let timing else { buffer.null(); return }
        buffer.beginObject()
        buffer.key("dns_ms"); buffer.milliseconds(timing.dns)
        buffer.key("connect_ms"); buffer.milliseconds(timing.connect)
        buffer.key("tls_ms"); buffer.milliseconds(timing.tls)
        buffer.key("ttfb_ms"); buffer.milliseconds(timing.ttfb)
        buffer.key("total_ms"); buffer.milliseconds(timing.total)
        buffer.endObject()
    }

    private func writeTimestamp() {
        timestamps.writeNow(into: &buffer)
    }

    /// Lower-cased names; a repeated header's values joined by ", " (RFC 9110 section 5.3).
    private func writeHeaders(_ headers: [(name: String, value: String)]) {
        var order: [String] = []
        var values: [String: String] = [:]
        for (name, value) in headers {
            if let existing = values[name] { values[name] = existing + ", " + value } else { order.append(name); values[name] = value }
        }
        buffer.beginObject()
        for name in order { buffer.key(name); buffer.string(values[name]!) }
        buffer.endObject()
    }

    private func writeError(_ error: FetchError?) {
        guard let error else { buffer.null(); return }
        buffer.beginObject()
        buffer.key("kind"); buffer.string(error.kind.rawValue)
        buffer.key("message"); buffer.string(error.message)
        buffer.endObject()
    }
}

/// Without a Content-Type: text when the first kilobyte has no NUL and is valid UTF-8.
private func looksLikeText(_ body: [UInt8]) -> Bool {
    let head = body.prefix(1024)
    guard !head.contains(0) else { return false }
    // A character cut by the 1 KiB window is not an error: leave its bytes out.
    let checked = body.count > 1024 ? head.dropLast(3) : head[...]
    return String(validating: checked, as: UTF8.self) != nil
}

/// Standard base64 (RFC 4648 section 4), quoted as a JSON string.
func base64(_ bytes: [UInt8]) -> [UInt8] {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = [UInt8(ascii: "\"")]
    out.reserveCapacity(bytes.count / 3 * 4 + 6)
    var i = 0
    while i + 3 <= bytes.count {
        let value = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        out += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
        i += 3
    }
    let rest = bytes.count - i
    if rest > 0 {
        let value = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
        out += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)]]
        out += rest == 2 ? [alphabet[Int(value >> 6 & 63)], UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]
    }
    out.append(UInt8(ascii: "\""))
    return out
}
