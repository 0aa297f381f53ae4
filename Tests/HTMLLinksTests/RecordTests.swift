import Foundation
import Testing
@testable import HTMLLinks

/// Input records in, link records out: fields, skipping, and the options.
struct RecordTests {
    @Test func linkRecordFields() {
        let line = pageRecord(#"<a href="/x" rel="nofollow">X <i>y</i></a>"#,
                              url: "https://example.com/start", extra: ["final_url": "https://example.com/landing/", "depth": 2])
        let found = records(extract(lines: [line]).lines)
        #expect(found.count == 1)
        let link = found[0]
        #expect(link["url"] as? String == "https://example.com/x")
        #expect(link["from"] as? String == "https://example.com/landing/")
        #expect(link["tag"] as? String == "a")
        #expect(link["attr"] as? String == "href")
        #expect(link["text"] as? String == "X y")
        #expect(link["rel"] as? String == "nofollow")
        #expect(link["nofollow"] as? Bool == true)
        #expect(link["depth"] as? Int == 3)
        #expect(Set(link.keys) == ["url", "from", "tag", "attr", "text", "rel", "nofollow", "depth"])
    }

    @Test func fieldOrderAndPageWithoutDepth() {
        let lines = extract(lines: [pageRecord("<a href=/a>A</a>", url: "http://h.example/")]).lines
        #expect(lines == [#"{"url":"http://h.example/a","from":"http://h.example/","tag":"a","attr":"href","text":"A","depth":1}"#])
    }

    @Test func urlStandsInForMissingFinalURL() {
        let line = json(["url": "https://example.com/d/p", "ok": true, "content_type": "text/html", "body": "<a href=q>q</a>"])
        #expect(records(extract(lines: [line]).lines).map { $0["url"] as? String } == ["https://example.com/d/q"])
    }

    /// Records that give no links, and why.
    @Test(arguments: [
        ("failed fetch", json(["url": "https://e.example/", "ok": false, "content_type": "text/html", "body": "<a href=/x>x</a>"])),
        ("not HTML", json(["url": "https://e.example/", "ok": true, "content_type": "application/json", "body": "<a href=/x>x</a>"])),
        ("plain text", json(["url": "https://e.example/", "ok": true, "content_type": "text/plain; charset=utf-8", "body": "<a href=/x>"])),
        ("no body", json(["url": "https://e.example/", "ok": true, "content_type": "text/html"])),
        ("untyped, sniffed as not HTML", json(["url": "https://e.example/", "ok": true, "body": "hello <a href=/x>x</a>"])),
    ])
    func recordsWithoutLinks(_ name: String, _ line: String) {
        let result = extract(lines: [line])
        #expect(result.lines.isEmpty, "\(name)")
        #expect(result.errors.isEmpty)
        #expect(result.counts.skipped == 1)
    }

    @Test(arguments: [
        "text/html; charset=ISO-8859-1", "TEXT/HTML", "application/xhtml+xml", nil,
    ] as [String?])
    func htmlByTypeOrSniffing(_ type: String?) {
        var record: [String: Any] = ["url": "https://e.example/", "ok": true, "body": "\n <!DOCTYPE html><a href=/x>x</a>"]
        record["content_type"] = type ?? NSNull()
        #expect(extract(lines: [json(record)]).lines.count == 1)
    }

    @Test func brokenJSONIsReportedAndSkipped() {
        let lines = ["{\"url\": \"https://e.example/\", \"body\": ", pageRecord("<a href=/ok>ok</a>"), "[1]"]
        let result = extract(lines: lines)
        #expect(result.lines.count == 1)
        #expect(result.errors.count == 2)
        #expect(result.errors.first?.contains("invalid JSON") == true)
        #expect(result.counts == {
            var counts = ExtractionCounts()
            counts.pages = 1; counts.links = 1; counts.skipped = 2; counts.invalid = 2
            return counts
        }())
        #expect(result.counts.summary == "1 pages, 1 links, 2 records skipped (2 not JSON)")
    }

    @Test func base64Body() {
        let html = "<a href=\"/b64\">caf\u{e9}</a>"
        let line = json(["url": "https://e.example/", "ok": true, "content_type": "text/html",
                         "body_base64": Data(html.utf8).base64EncodedString()])
        let found = records(extract(lines: [line]).lines)
        #expect(found.map { $0["url"] as? String } == ["https://e.example/b64"])
        #expect(found.map { $0["text"] as? String } == ["café"])
        let bad = json(["url": "https://e.example/", "ok": true, "content_type": "text/html", "body_base64": "%%%"])
        #expect(extract(lines: [bad]).errors == ["body_base64 is not valid base64"])
    }

    @Test func bodyPathIsReadFromDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("alinks-test-\(getpid()).html").path
        // Latin-1 bytes that afetch would not have written: repaired, not fatal.
        try Data("<a href=/disk>d\u{0}isk \u{FF}</a>".utf8 + [0xFF]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let line = json(["url": "https://e.example/", "ok": true, "content_type": "text/html", "body_path": path])
        let found = records(extract(lines: [line]).lines)
        #expect(found.map { $0["url"] as? String } == ["https://e.example/disk"])
        #expect(found.map { $0["text"] as? String } == ["d\u{FFFD}isk ÿ"])
        let missing = json(["url": "https://e.example/", "ok": true, "content_type": "text/html", "body_path": path + ".none"])
        #expect(extract(lines: [missing]).errors.first?.hasPrefix("cannot open body_path") == true)
    }

    @Test func pagesPassThroughWithoutBody() {
        var options = ExtractionOptions()
        options.pages = true
        let lines = [
            pageRecord("<a href=/x>x</a>", extra: ["id": 7]),
            json(["url": "https://e.example/", "ok": false, "status": 404]),
        ]
        let found = records(extract(lines: lines, options: options).lines)
        #expect(found.count == 3)
        #expect(found[0]["body"] == nil && found[0]["id"] as? Int == 7 && found[0]["status"] as? Int == 200)
        #expect(found[1]["url"] as? String == "https://example.com/x")
        #expect(found[2]["status"] as? Int == 404)
    }

    @Test func carryCopiesPageFields() {
        var options = ExtractionOptions()
        options.carry = ["id", "meta", "absent"]
        let line = pageRecord("<a href=/x>x</a>", extra: ["id": "p-1", "meta": ["k": [1, 2]]])
        let link = records(extract(lines: [line], options: options).lines)[0]
        #expect(link["id"] as? String == "p-1")
        #expect((link["meta"] as? [String: Any])?["k"] as? [Int] == [1, 2])
        #expect(link.keys.contains("absent") == false)
    }

    @Test func uniqueDropsRepeatsWithinAPageOnly() {
        var options = ExtractionOptions()
        options.unique = true
        let html = "<a href=/x>1</a><a href=\"/x#top\">2</a><a href=https://example.com/x>3</a><a href=/y>4</a>"
        let found = records(extract(lines: [pageRecord(html), pageRecord(html)], options: options).lines)
        #expect(found.map { $0["text"] as? String } == ["1", "4", "1", "4"])
    }

    @Test func keepSchemes() {
        var options = ExtractionOptions()
        options.keepSchemes = true
        let html = ##"<a href="mailto:a@example.com">m</a><a href="javascript:go()">j</a><a href="#only">f</a>"##
        let found = records(extract(lines: [pageRecord(html)], options: options).lines)
        #expect(found.map { $0["url"] as? String } == ["mailto:a@example.com", "javascript:go()"])
    }

    @Test func badPageURLStillGivesAbsoluteLinks() {
        let line = json(["url": "not a url", "ok": true, "content_type": "text/html",
                         "body": "<a href=/rel>r</a><a href=https://abs.example/a>a</a>"])
        let found = records(extract(lines: [line]).lines)
        #expect(found.map { $0["url"] as? String } == ["https://abs.example/a"])
        #expect(found.map { $0["from"] as? String } == ["not a url"])
    }
}
