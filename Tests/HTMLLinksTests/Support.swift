import Foundation
@testable import HTMLLinks

/// One link record, reduced to what most tables compare.
struct Found: Equatable, CustomStringConvertible {
    let tag: String
    let attr: String
    let url: String

    init(_ tag: String, _ attr: String, _ url: String) {
        self.tag = tag
        self.attr = attr
        self.url = url
    }

    var description: String { "\(tag)[\(attr)] \(url)" }
}

/// Runs the extractor over input lines; returns the output lines.
func extract(lines: [String], options: ExtractionOptions = ExtractionOptions()) -> (lines: [String], errors: [String], counts: ExtractionCounts) {
    var output: [UInt8] = []
    var errors: [String] = []
    let extractor = LinkExtractor(options: options) { output.append(contentsOf: $0) }
    for line in lines {
        var line = line
        line.withUTF8 { bytes in
            do { try extractor.process(line: bytes) } catch { errors.append("\(error)") }
        }
    }
    let text = String(decoding: output, as: UTF8.self)
    return (text.split(separator: "\n").map(String.init), errors, extractor.counts)
}

/// An afetch record for `html` fetched from `url`, plus `extra` fields.
func pageRecord(_ html: String, url: String = "https://example.com/dir/page.html", extra: [String: Any] = [:]) -> String {
    var record: [String: Any] = ["url": url, "final_url": url, "status": 200, "ok": true, "content_type": "text/html"]
    record["body"] = html
    for (key, value) in extra { record[key] = value }
    return json(record)
}

func json(_ object: [String: Any]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}

/// Output lines parsed as objects.
func records(_ lines: [String]) -> [[String: Any]] {
    lines.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
}

/// The links alinks reports for one page, every tag taken unless `options` says otherwise.
func links(in html: String, url: String = "https://example.com/dir/page.html", options: ExtractionOptions? = nil) -> [Found] {
    var all = ExtractionOptions()
    all.tags = .all
    let lines = extract(lines: [pageRecord(html, url: url)], options: options ?? all).lines
    return records(lines).map { Found($0["tag"] as? String ?? "?", $0["attr"] as? String ?? "?", $0["url"] as? String ?? "?") }
}
