import Testing
@testable import Stats

/// Lines that take every way through `RecordReader`: the replay on the names of the
/// line before, the walk, and the full reading, and the turns between them.
private let lines: [String] = {
    func record(_ url: String = "https://site1.example.com/p/1.html", status: String = "200", ok: String = "true",
                timing: String = #"{"dns_ms":0.03,"connect_ms":0.4,"tls_ms":2.6,"ttfb_ms":37.457,"total_ms":57.335}"#,
                error: String = "null", at: String = "2026-11-25T18:00:00.003Z") -> String {
        #"{"url":"\#(url)","final_url":"\#(url)","status":\#(status),"ok":\#(ok),"content_type":"text/html","length":21421,"attempts":1,"elapsed_ms":57.335,"timing":\#(timing),"redirects":0,"fetched_at":"\#(at)","error":\#(error)}"#
    }
    return [
        record(), record(), record("https://site2.example.com/"), record("http://site3.example.com"),
        record("https://Site4.Example.COM/x"), record("https://user@site5.example.com:8443/x"),
        record("https://[2001:db8::1]:443/x"), record("https://site6.example.com?q"), record("ftp://x.example/f"),
        record("https://bad host/x"), record(#"https:\/\/site7.example.com\/p"#), record("not a url"),
        record(status: "null", ok: "false", error: #"{"kind":"timeout","message":"Operation timed out"}"#),
        record(status: "null", ok: "false", error: #"{"kind":"timeout","message":"Operation timed out"}"#),
        record(status: "503", ok: "false", error: #"{"kind":"http","message":"HTTP 503"}"#),
        record(error: #"{"kind":"brand_new","message":"?"}"#), record(error: #"{"kind":"dn\u0073"}"#),
        record(error: #"{"message":"no kind"}"#), record(error: #"{}"#), record(error: #"[]"#), record(error: #""x""#),
        record(timing: #"{"ttfb_ms":null}"#), record(timing: #"{"ttfb_ms":"12"}"#), record(timing: #"{}"#),
        record(timing: #"{"a":{"ttfb_ms":1},"ttfb_ms":2}"#), record(timing: #"{"a":"\"ttfb_ms\":9","ttfb_ms":3}"#),
        record(timing: #"{"ttfb_ms":1,"ttfb_ms":2}"#), record(timing: "null"), record(timing: "[1,2]"),
        record(status: "200.0"), record(status: "2e2"), record(status: "-1"), record(status: "1000"), record(status: #""200""#),
        record(ok: "null"), record(ok: #""true""#), record(at: "2026-11-25T18:00:59.999+01:30"), record(at: "2026-11-25 18:00"),
        record(), record(), record(),
        #"{"url":"https://a.example/","status":200,"status":404}"#,
        #"{"st\u0061tus":201,"url":"https://b.example/"}"#,
        #"{"status" : 202 , "url" : "https://c.example/" }"#,
        #"  {"status":203,"url":"https://d.example/"}  "#,
        #"{"a_name_longer_than_thirteen":1,"status":204,"url":"https://e.example/"}"#,
        #"{"length":1.5e3,"attempts":3,"elapsed_ms":-2,"timing":{"ttfb_ms":12345678901234567890}}"#,
        #"{"timing":{"connect_ms":1.25},"timing":{"connect_ms":2.5}}"#,
        #"{"timing":{"connect_ms":1.25,"connect_ms":2.5}}"#,
        #"{"timing":{"connect_ms":{"x":1}},"error":{"kind":null}}"#,
        #"{"error":{"kind":"dns"},"error":null}"#,
        #"{}"#, "", "   ", "not json", #"{"status":200"#, #"{"status":200}}"#, #"["status",200]"#,
        #"{"url":"https://f.example/","status":200,"x":{"y":[1,{"z":"}"}]}}"#,
        record(), record(status: "404", ok: "false", error: #"{"kind":"http","message":"HTTP 404"}"#), record(),
    ]
}()

/// What a reader took from a line, spelt out so NaNs compare equal.
private func reading(_ reader: inout RecordReader, _ line: String, full: Bool) -> String {
    var bytes = Array(line.utf8)
    return bytes.withUnsafeMutableBufferPointer { buffer in
        let line = UnsafeBufferPointer(buffer)
        do {
            if full { try reader.readByScanning(line) } else { try reader.read(line) }
        } catch {
            return "invalid: \(error)"
        }
        let f = reader.figures
        // The key counts only with a kind (the bytes of an earlier key may linger).
        let key = reader.groupKeyKind == nil ? [] : reader.groupKeyInLine.map { Array(line[$0]) } ?? reader.groupKey
        let kind = reader.groupKeyKind.map { "\($0)" } ?? "none"
        return "\(f.status) \(f.ok) \(f.length) \(f.attempts) \(f.elapsedMs) \(f.ttfbMs) \(f.fetchedAt) \(f.errorKind) "
            + "\(f.errorKind == ErrorKinds.other ? reader.otherErrorKind : "") \(reader.fieldValues) "
            + "\(kind) \(String(decoding: key, as: UTF8.self))"
    }
}

@Suite struct ReaderPathsTests {
    @Test(arguments: [
        (nil, [String](), true), (nil, [], false), ("status", [], true), ("error.kind", [], true),
        ("url", ["timing.connect_ms", "length", "timing"], true), (nil, ["timing.ttfb_ms", "a.b.c"], true),
    ] as [(String?, [String], Bool)])
    func fastPathsReadAsTheFullReading(by: String?, fields: [String], wantsGroup: Bool) {
        let groupBy = by.flatMap(FieldPath.init)
        let paths = fields.compactMap(FieldPath.init)
        var fast = RecordReader(groupBy: groupBy, fields: paths, wantsGroup: wantsGroup)
        var full = RecordReader(groupBy: groupBy, fields: paths, wantsGroup: wantsGroup)
        // Forwards, backwards and interleaved, so each line follows lines of other shapes.
        let order = lines + lines.reversed() + zip(lines, lines.reversed()).flatMap { [$0, $1] }
        for line in order {
            let got = reading(&fast, line, full: false)
            let expected = reading(&full, line, full: true)
            #expect(got == expected, "\(line)")
        }
    }

    @Test func replaysLinesShapedAsTheLast() {
        var reader = RecordReader(groupBy: nil, fields: [], wantsGroup: true)
        var bytes = Array(lines[0].utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            let line = UnsafeBufferPointer(buffer)
            let replayedFirst = reader.readByReplaying(line)
            let walked = reader.readByWalking(line)
            let replayed = reader.readByReplaying(line)
            #expect(!replayedFirst && walked && replayed)
            #expect(reader.figures.status == 200 && reader.figures.ttfbMs == 37.457)
        }
    }
}
