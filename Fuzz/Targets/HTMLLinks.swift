import HTMLLinks
import NDJSON
import URLs

/// The bytes as the body of one afetch page record through alinks'
/// LinkExtractor. The first byte (kept in the page) picks the options, so the
/// fuzzer reaches each: bit 0 `--unique`, bit 1 `--pages`, bit 2 the body as
/// a JSON string (`body`, invalid UTF-8 repaired) rather than `body_base64`,
/// bit 3 the default tags rather than all. Properties checked:
/// - no crash, and the record is never refused (it is valid, its base64 too);
/// - every output line is one JSON object, and each link's `url` is a string that WebURL parses.
func fuzzHTMLLinks(_ data: UnsafeBufferPointer<UInt8>) throws {
    let flags = data.first ?? 0
    var options = ExtractionOptions()
    options.unique = flags & 1 != 0
    options.pages = flags & 2 != 0
    options.tags = flags & 8 != 0 ? .crawl : .all
    options.keepSchemes = true
    options.carry = ["id"]
    var output: [UInt8] = []
    let extractor = LinkExtractor(options: options) { output.append(contentsOf: $0) }

    var record = JSONBuffer()
    record.beginObject()
    record.key("id"); record.number(7)
    record.key("url"); record.string("http://fuzz.test/dir/page.html?q=1")
    record.key("final_url"); record.string("https://fuzz.test:8443/a/b/c.html?x#frag")
    record.key("ok"); record.bool(true)
    record.key("content_type"); record.string("text/html; charset=utf-8")
    record.key("depth"); record.number(1)
    if flags & 4 != 0 {
        record.key("body"); record.string(utf8: data)
    } else {
        record.key("body_base64"); record.string(base64(data))
    }
    record.endObject()
    do {
        try record.bytes.withUnsafeBufferPointer { try extractor.process(line: $0) }
    } catch {
        throw PropertyViolation(description: "the page record was refused: \(error)")
    }
    try checkLinkRecords(output, pages: options.pages)
}

/// Each line is a JSON object; link records (all but a `--pages` record) carry a parsable `url`.
private func checkLinkRecords(_ output: [UInt8], pages: Bool) throws {
    try check(output.isEmpty || output.last == 0x0A, "output does not end with a newline")
    var lineNumber = 0
    for line in output.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
        defer { lineNumber += 1 }
        try Array(line).withUnsafeBufferPointer { bytes in
            let scanner = JSONScanner(bytes)
            var url: JSONValue?
            do {
                try scanner.forEachMember { member in
                    if scanner.keyString(member) == "url" { url = scanner.decode(member) }
                }
            } catch {
                throw PropertyViolation(description: "output line \(lineNumber) is not a JSON object: \(error): \(show(bytes))")
            }
            if pages && lineNumber == 0 { return }
            guard case .string(let text) = url else {
                throw PropertyViolation(description: "link record without a url string: \(show(bytes))")
            }
            do {
                _ = try WebURL(text)
            } catch {
                throw PropertyViolation(description: "link url \(show(text.utf8)) does not parse: \(error)")
            }
        }
    }
}

/// Standard base64 with padding (RFC 4648 section 4).
private func base64(_ data: UnsafeBufferPointer<UInt8>) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((data.count + 2) / 3 * 4)
    var i = 0
    while i < data.count {
        let b0 = UInt32(data[i])
        let b1 = i + 1 < data.count ? UInt32(data[i + 1]) : 0
        let b2 = i + 2 < data.count ? UInt32(data[i + 2]) : 0
        let triple = b0 << 16 | b1 << 8 | b2
        out.append(alphabet[Int(triple >> 18 & 63)])
        out.append(alphabet[Int(triple >> 12 & 63)])
        out.append(i + 1 < data.count ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
        out.append(i + 2 < data.count ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
        i += 3
    }
    return String(decoding: out, as: UTF8.self)
}
