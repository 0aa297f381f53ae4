#if canImport(Glibc)
import Glibc
#endif
import NDJSON

/// Why a page's body could not be read.
struct BodyError: Error, CustomStringConvertible {
    let description: String
}

/// A page body as UTF-8 bytes without NUL, ready for libxml2, in memory reused
/// from page to page.
///
/// libxml2 stops an attribute value at a NUL byte, and on a byte that is not
/// UTF-8 it switches the rest of the document to Latin-1, so both are replaced
/// by U+FFFD first, as an HTML tokenizer would.
struct PageBody {
    private var storage: [UInt8] = []
    /// How many bytes of `storage` hold the body.
    private(set) var count = 0

    /// Calls `body` with the page's bytes.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[..<count])) }
    }

    /// Decodes a JSON string's content (the bytes between its quotes, already
    /// validated by JSONScanner), checking UTF-8 on the way.
    mutating func setJSONString(_ raw: UnsafeBufferPointer<UInt8>) {
        // A decoded escape is never longer than its source text.
        reserve(raw.count)
        let (decoded, isClean) = storage.withUnsafeMutableBufferPointer { decodeJSONStringContent(raw, into: $0.baseAddress!) }
        count = decoded
        if !isClean { sanitize() }
    }

    /// Decodes standard base64 (RFC 4648 section 4), ignoring ASCII whitespace.
    mutating func setBase64(_ text: UnsafeBufferPointer<UInt8>) throws {
        reserve(text.count / 4 * 3 + 3)
        let decoded = storage.withUnsafeMutableBufferPointer { decodeBase64(text, into: $0.baseAddress!) }
        guard let decoded else { throw BodyError(description: "body_base64 is not valid base64") }
        count = decoded
        sanitize()
    }

    /// Reads a whole file (afetch `--body-dir` output).
    mutating func setFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BodyError(description: "cannot open body_path \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        count = 0
        while true {
            if storage.count - count < 1 << 16 { reserve(max(storage.count * 2, 1 << 17)) }
            let got = storage.withUnsafeMutableBufferPointer { read(fd, $0.baseAddress! + count, $0.count - count) }
            if got > 0 { count += got; continue }
            if got == 0 { break }
            if errno == EINTR { continue }
            throw BodyError(description: "cannot read body_path \(path): \(String(cString: strerror(errno)))")
        }
        sanitize()
    }

    /// Makes `storage` hold at least `capacity` bytes, keeping those in use.
    private mutating func reserve(_ capacity: Int) {
        if storage.count < capacity { storage.append(contentsOf: repeatElement(0, count: capacity - storage.count)) }
    }

    /// Replaces NUL bytes and invalid UTF-8 with U+FFFD, in the rare body that has them.
    private mutating func sanitize() {
        guard withBytes({ needsRepair($0) }) else { return }
        var repaired = withBytes { repairUTF8($0) }
        var k = 0
        while let nul = repaired[k...].firstIndex(of: 0) {
            repaired.replaceSubrange(nul...nul, with: [0xEF, 0xBF, 0xBD])
            k = nul + 3
        }
        storage = repaired
        count = repaired.count
    }
}

/// True when `bytes` hold a NUL or are not valid UTF-8; eight ASCII bytes at a time.
func needsRepair(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    let count = bytes.count
    var i = 0
    while i < count {
        if i + 8 <= count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let high: UInt64 = 0x8080_8080_8080_8080
            let hasZero = (word &- 0x0101_0101_0101_0101) & ~word & high
            if word & high == 0 && hasZero == 0 { i += 8; continue }
        }
        let byte = base[i]
        if byte == 0 { return true }
        if byte < 0x80 { i += 1; continue }
        let length = validUTF8Length(bytes, at: i)
        if length == 0 { return true }
        i += length
    }
    return false
}

/// Standard base64 into `out`; nil on a byte outside the alphabet or bad padding.
private func decodeBase64(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
    var accumulator: UInt32 = 0
    var bits = 0
    var o = 0
    var padding = 0
    for byte in text {
        let value: UInt32
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): value = 62
        case UInt8(ascii: "/"): value = 63
        case UInt8(ascii: "="): padding += 1; continue
        case 0x20, 0x09, 0x0A, 0x0D: continue
        default: return nil
        }
        guard padding == 0 else { return nil }
        accumulator = accumulator << 6 | value
        bits += 6
        if bits >= 8 {
            bits -= 8
            out[o] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
            o += 1
        }
    }
    return padding <= 2 ? o : nil
}

/// True for the media types alinks parses: `text/html` and `application/xhtml+xml`,
/// parameters such as `; charset=utf-8` ignored, ASCII case ignored.
func isHTMLContentType(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
    var end = value.firstIndex(of: UInt8(ascii: ";")) ?? value.count
    var start = 0
    while start < end && isHTMLWhitespace(value[start]) { start += 1 }
    while end > start && isHTMLWhitespace(value[end - 1]) { end -= 1 }
    let essence = UnsafeBufferPointer(rebasing: value[start..<end])
    return essence.equalsIgnoringASCIICase("text/html") || essence.equalsIgnoringASCIICase("application/xhtml+xml")
}

/// WHATWG MIME Sniffing (section 7.1, "identifying an unknown MIME type"):
/// after leading whitespace, one of the HTML patterns, case-insensitive,
/// followed by a space or `>`.
func looksLikeHTML(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
    while i < bytes.count && isHTMLWhitespace(bytes[i]) { i += 1 }
    let patterns: [StaticString] = ["<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font",
                                    "<table", "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<!--"]
    for pattern in patterns {
        let length = pattern.utf8CodeUnitCount
        guard i + length < bytes.count else { continue }
        let candidate = UnsafeBufferPointer(rebasing: bytes[i..<(i + length)])
        let terminator = bytes[i + length]
        if candidate.equalsIgnoringASCIICase(pattern) && (terminator == 0x20 || terminator == UInt8(ascii: ">")) {
            return true
        }
    }
    return false
}
