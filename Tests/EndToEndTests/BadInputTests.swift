import Foundation
import Testing
import TestSupport

/// Bad input for every tool (issue 9): each bad line gets the result its man
/// page documents, and the good line after it is still processed. Runs the
/// built tools end to end; afetch reaches only the fixture on 127.0.0.1, ports
/// with nothing listening and `.invalid` names.
@Suite struct BadInputTests {
    /// One row of a tool's table: a bad input, the arguments, and what must come of it.
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        /// Whole lines, each ended by the runner with `\n` unless it already ends in `\r\n`.
        let lines: [[UInt8]]
        var arguments: [String] = []
        /// Checks the run; `records` excludes the good line's output.
        let check: @Sendable (_ result: ToolResult, _ records: [[String: Any]]) -> Void
        var testDescription: String { name }
    }

    // MARK: - Inputs shared by the tables

    static let nested = 100_000
    static let deepArray = "[" + String(repeating: "[", count: nested) + String(repeating: "]", count: nested) + "]"
    static let unbalanced = String(repeating: "[", count: nested)
    static let fiftyMB = String(repeating: "x", count: 50 << 20)
    static let longLabel = String(repeating: "a", count: 300)
    static let notObjects = ["[1]", "\"text\"", "42", "null", "true"].map { Array($0.utf8) }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Runs `tool` on `row`'s lines followed by `good`, and returns the result
    /// with the good line's records split off.
    static func run(_ tool: String, _ row: Row, base: [String], good: String) throws -> ToolResult {
        var input: [UInt8] = []
        for line in row.lines {
            input += line
            if line.suffix(2) != [0x0D, 0x0A] { input.append(0x0A) }
        }
        input += bytes(good + "\n")
        return try TestSupport.run(BuiltTools.path(tool), base + row.arguments, input: Data(input))
    }

    // MARK: - Every tool: empty input, a last line without newline

    enum Tool: String, CaseIterable, Sendable { case afetch, alinks, afilter, astats }

    /// A good line for `tool` and a check that it was processed (from the tool's records).
    static func goodLine(for tool: Tool, fixture: Fixture) -> (String, @Sendable ([[String: Any]]) -> Bool) {
        switch tool {
        case .afetch:
            let url = fixture.url("/echo?good")
            return (url, { $0.last?["url"] as? String == url && $0.last?["ok"] as? Bool == true })
        case .alinks:
            return (page("<a href=good>g</a>"), { $0.last?["url"] as? String == "http://h.example/d/good" })
        case .afilter:
            return (#"{"url":"http://h.example/good"}"#, { $0.last?["url"] as? String == "http://h.example/good" })
        case .astats:
            return (#"{"url":"http://good.example/","status":200,"ok":true,"elapsed_ms":5}"#,
                    { ($0.last?["hosts"] as? [[String: Any]])?.contains { $0["host"] as? String == "good.example" } == true })
        }
    }

    @Test(arguments: Tool.allCases)
    func emptyInputGivesTheEmptyResult(tool: Tool) throws {
        let result = try runTool(tool.rawValue, tool == .afetch ? ["-q"] : [])
        #expect(result.status == 0)
        if tool == .astats {
            #expect(result.records.count == 1)
            #expect(result.records.first?["records"] as? Int == 0)
        } else {
            #expect(result.stdout.isEmpty)
        }
    }

    @Test(arguments: Tool.allCases)
    func aLastLineWithoutNewlineIsALine(tool: Tool) throws {
        let fixture = try Fixture()
        let (line, processed) = Self.goodLine(for: tool, fixture: fixture)
        let result = try runTool(tool.rawValue, [], input: line)
        #expect(result.status == 0)
        #expect(processed(result.records), "\(result.stdout.count) bytes out; \(result.stderr)")
    }

    // MARK: - afilter

    static let afilterRows: [Row] = [
        Row(name: "CRLF", lines: [bytes(#"{"url":"http://h.example/crlf"}"# + "\r\n")]) { result, records in
            #expect(result.lines.first == #"{"url":"http://h.example/crlf"}"#)
        },
        Row(name: "NUL bytes", lines: [bytes("{\"url\":\"http://h.example/\0\"}"), bytes(#"{"url":"http://h.example/"}"# + "\0"),
                                       bytes(#"{"url":"http://h.example\u0000.evil.invalid/"}"#),
                                       bytes(#"{"url":"http://h.example/\u0000secret"}"#)],
            arguments: ["--exclude", "secret"]) { result, records in
            #expect(records.isEmpty, "raw NUL: invalid JSON; \\u0000: no URL, so no host and every --exclude matches")
            #expect(result.stderr.contains("control character in string"))
            #expect(result.stderr.contains("2 of 5 lines invalid"))
        },
        Row(name: "invalid UTF-8", lines: [[0xFF], bytes(#"{"url":"http://h.example/"#) + [0xFF, 0xFE] + bytes(#""}"#),
                                           bytes(#"{"url":"http://h"#) + [0xFF] + bytes(#".example/"}"#)]) { result, _ in
            // Syntax is checked, not encoding: a kept line passes byte for byte, bad bytes included.
            #expect(result.stdout.starts(with: bytes(#"{"url":"http://h.example/"#) + [0xFF, 0xFE] + bytes("\"}\n")))
            #expect(result.lines.count == 2, "a bad byte in the host: not h.example")
            #expect(result.stderr.contains("1 of 4 lines invalid"), "the lone 0xFF line is not JSON")
        },
        Row(name: "50 MB line", lines: [bytes(#"{"url":"http://h.example/big","pad":""# + fiftyMB + #""}"#)]) { _, records in
            #expect((records.first?["pad"] as? String)?.utf8.count == 50 << 20)
        },
        Row(name: "100,000 levels of nesting", lines: [bytes(#"{"url":"http://h.example/deep","x":"# + deepArray + "}"),
                                                       bytes(#"{"url":"http://h.example/open","x":"# + unbalanced + "}")]) { result, _ in
            #expect(result.lines.first?.hasPrefix(#"{"url":"http://h.example/deep""#) == true)
            #expect(result.lines.count == 2)
            #expect(result.stderr.contains("1 of 3 lines invalid"))
        },
        Row(name: "duplicate keys: the last wins", lines: [bytes(#"{"url":"http://other.example/","url":"http://h.example/dup"}"#),
                                                          bytes(#"{"url":"http://h.example/dup","url":"http://other.example/"}"#)]) { result, _ in
            #expect(result.lines.dropLast() == [#"{"url":"http://other.example/","url":"http://h.example/dup"}"#])
        },
        Row(name: "JSON that is not an object", lines: notObjects) { result, records in
            #expect(records.isEmpty)
            #expect(result.stderr.contains("5 of 6 lines invalid"))
        },
        Row(name: "numbers out of range", lines: [bytes(#"{"url":"http://h.example/","depth":1e400}"#),
                                                  bytes(#"{"url":"http://h.example/","depth":99999999999999999999}"#),
                                                  bytes(#"{"url":"http://h.example/tiny","depth":1e-400}"#)],
            arguments: ["--max-depth", "3"]) { result, _ in
            #expect(result.lines.dropLast() == [#"{"url":"http://h.example/tiny","depth":1e-400}"#], "1e-400 is 0")
            #expect(result.stderr.contains("field depth is not an integer"))
        },
        Row(name: "URLs with spaces", lines: [bytes(#"{"url":"http://h.example/a b"}"#), bytes(#"{"url":"http://h .example/"}"#)]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://h.example/a b"], "a space in the host leaves no host")
        },
        Row(name: "control characters", lines: [bytes(#"{"url":"http://h\u0001.example/"}"#), bytes(#"{"url":"http://h.example/\u001f"}"#)]) { _, records in
            #expect(records.isEmpty, "libcurl parses neither: no host")
        },
        Row(name: "IPv6 literals", lines: [bytes(#"{"url":"http://[::1]:8080/v6"}"#), bytes(#"{"url":"http://[::1/"}"#)],
            arguments: ["--host", "[::1]"]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://[::1]:8080/v6"])
        },
        Row(name: "userinfo", lines: [bytes(#"{"url":"http://user:pw@h.example/ui"}"#), bytes(#"{"url":"http://h.example:80@evil.invalid/"}"#)]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://user:pw@h.example/ui"])
        },
        Row(name: "over-long hosts", lines: [bytes(#"{"url":"http://\#(longLabel).example/"}"#), bytes(#"{"url":"http://\#(longLabel).\#(longLabel)/"}"#)],
            arguments: ["--host", "\(longLabel).example"]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://\(longLabel).example/"])
        },
    ]

    @Test(arguments: afilterRows)
    func afilter(row: Row) throws {
        let good = #"{"url":"http://h.example/good","depth":0}"#
        let result = try Self.run("afilter", row, base: ["--host", "h.example"], good: good)
        #expect(result.status == 0)
        #expect(result.lines.last == good, "the line after is processed")
        row.check(result, Array(result.records.dropLast()))
    }

    // MARK: - alinks

    /// A fetched page record whose body is `html` (already JSON-escaped).
    static func page(_ html: String, extra: String = "") -> String {
        #"{"url":"http://h.example/d/","ok":true,"content_type":"text/html"\#(extra),"body":"\#(html)"}"#
    }

    static let alinksRows: [Row] = [
        Row(name: "CRLF", lines: [bytes(page("<a href=crlf>c</a>") + "\r\n")]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://h.example/d/crlf"])
        },
        Row(name: "NUL bytes", lines: [bytes(page("<a href=raw>\0</a>")), bytes(page(#"<a href=\"x\u0000y\">n</a>"#)),
                                       bytes(#"{"url":"http://h.example\u0000.evil.invalid/","ok":true,"content_type":"text/html","body":"<a href=rel>r</a>"}"#)]) { result, records in
            // Raw: not JSON. Escaped in the body: U+FFFD. In the page URL: no base, so the relative link cannot resolve.
            #expect(records.map { $0["url"] as? String } == ["http://h.example/d/x%ef%bf%bdy"])
            #expect(result.stderr.contains("line 1: invalid JSON"))
        },
        Row(name: "invalid UTF-8", lines: [bytes(#"{"url":"http://h.example/d/","ok":true,"content_type":"text/html","body":"<a href=x"#) + [0xFF] + bytes(#"y>t</a>"}"#)]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://h.example/d/x%ef%bf%bdy"], "the body is read as UTF-8, bad bytes as U+FFFD")
        },
        Row(name: "50 MB line", lines: [bytes(page("<a href=big>b</a>", extra: #","pad":""# + fiftyMB + #"""#))]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://h.example/d/big"])
        },
        Row(name: "100,000 levels of nesting", lines: [bytes(page("<a href=deep>d</a>", extra: #","x":"# + deepArray)),
                                                       bytes(page("<a href=open>o</a>", extra: #","x":"# + unbalanced)),
                                                       bytes(page(String(repeating: "<div>", count: nested) + "<a href=divs>d</a>"))]) { result, records in
            #expect(records.map { $0["url"] as? String } == ["http://h.example/d/deep", "http://h.example/d/divs"])
            #expect(result.stderr.contains("line 2: invalid JSON"))
        },
        Row(name: "duplicate keys: the last wins", lines: [bytes(#"{"url":"http://a.example/","url":"http://b.example/","ok":true,"content_type":"text/html","body":"<a href=x>1</a>","body":"<a href=y>2</a>"}"#)]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://b.example/y"])
        },
        Row(name: "JSON that is not an object", lines: notObjects) { result, records in
            #expect(records.isEmpty)
            #expect(result.stderr.contains("5 records skipped (5 not JSON)"))
        },
        Row(name: "numbers out of range", lines: [bytes(page("<a href=a>a</a>", extra: #","depth":1e400"#)),
                                                  bytes(page("<a href=b>b</a>", extra: #","depth":99999999999999999999"#)),
                                                  bytes(page("<a href=c>c</a>", extra: #","depth":-3"#))]) { _, records in
            #expect(records.map { $0["depth"] as? Int } == [1, 1, 1], "a depth that is not an integer from 0 to 9e18 counts as none")
        },
        Row(name: "URLs with spaces", lines: [bytes(page(#"<a href=\"a b\">s</a><a href=\"http://a b/\">h</a>"#))]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://h.example/d/a%20b"], "a space in a host: no URL")
        },
        Row(name: "control characters", lines: [bytes(page(#"<a href=\" \u0001c\t1 \">c</a><a href=\"http://h\u0001.example/\">h</a>"#))]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://h.example/d/c1"], "trimmed, tab removed; inside a host: no URL")
        },
        Row(name: "IPv6 literals", lines: [bytes(page(#"<a href=\"http://[::1]:8080/v6\">6</a><a href=\"http://[::1/bad\">b</a>"#))]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://[::1]:8080/v6"])
        },
        Row(name: "userinfo", lines: [bytes(page(#"<a href=\"http://u:p@h.example/ui\">u</a><a href=\"http://h.example:80@evil.invalid/\">e</a>"#))]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://u:p@h.example/ui", "http://h.example:80@evil.invalid/"])
        },
        Row(name: "over-long hosts", lines: [bytes(page(#"<a href=\"http://\#(longLabel).example/\">l</a>"#))]) { _, records in
            #expect(records.map { $0["url"] as? String } == ["http://\(longLabel).example/"])
        },
    ]

    @Test(arguments: alinksRows)
    func alinks(row: Row) throws {
        let result = try Self.run("alinks", row, base: [], good: Self.page("<a href=good>g</a>"))
        #expect(result.status == 0)
        let records = result.records
        #expect(records.last?["url"] as? String == "http://h.example/d/good", "the line after is processed")
        row.check(result, Array(records.dropLast()))
    }

    // MARK: - astats

    static let astatsRows: [Row] = [
        Row(name: "CRLF", lines: [bytes(#"{"url":"http://crlf.example/","status":200}"# + "\r\n")]) { _, records in
            #expect(records.first?["invalid"] as? Int == 0)
            #expect(hosts(records).contains("crlf.example"))
        },
        Row(name: "NUL bytes", lines: [bytes("{\"url\":\"http://n.example/\0\"}"), bytes("\0")]) { result, records in
            #expect(records.first?["invalid"] as? Int == 2)
            #expect(result.stderr.contains("found byte 0x0"))
        },
        Row(name: "invalid UTF-8", lines: [[0xFF], bytes(#"{"url":"http://h"#) + [0xFF] + bytes(#".example/","status":200}"#)]) { _, records in
            #expect(records.first?["invalid"] as? Int == 1)
            #expect(hosts(records).contains("h\u{FFFD}.example"), "a bad byte in a group name becomes U+FFFD")
        },
        Row(name: "50 MB line", lines: [bytes(#"{"url":"http://big.example/","pad":""# + fiftyMB + #"","status":200}"#)]) { _, records in
            #expect(hosts(records).contains("big.example"))
        },
        Row(name: "100,000 levels of nesting", lines: [bytes(#"{"url":"http://deep.example/","x":"# + deepArray + "}"),
                                                       bytes(#"{"url":"http://open.example/","x":"# + unbalanced + "}")]) { _, records in
            #expect(records.first?["invalid"] as? Int == 1)
            #expect(hosts(records).contains("deep.example"))
        },
        Row(name: "duplicate keys: the last wins", lines: [bytes(#"{"url":"http://a.example/","url":"http://b.example/","status":500,"status":404}"#)]) { _, records in
            #expect(hosts(records).contains("b.example") && !hosts(records).contains("a.example"))
            #expect((records.first?["status"] as? [String: Int])?["404"] == 1)
        },
        Row(name: "JSON that is not an object", lines: notObjects) { _, records in
            #expect(records.first?["invalid"] as? Int == 5)
            #expect(records.first?["records"] as? Int == 1)
        },
        Row(name: "numbers out of range", lines: [bytes(#"{"url":"http://n.example/","status":1e400,"elapsed_ms":1e400,"length":1e400,"attempts":1e400}"#),
                                                  bytes(#"{"url":"http://n.example/","status":99999999999999999999,"elapsed_ms":-1e400}"#)]) { _, records in
            // Beyond a double's range: absent. One such value must not spoil the figures of the rest.
            let latency = records.first?["latency_ms"] as? [String: Any]
            #expect(latency?["count"] as? Int == 1)
            #expect(latency?["max"] as? Double == 5 && latency?["mean"] as? Double == 5)
            #expect(records.first?["bytes"] as? Int == 0)
            #expect((records.first?["status"] as? [String: Int]) == ["200": 1])
        },
        Row(name: "URLs with spaces", lines: [bytes(#"{"url":"http://a b.example/"}"#)]) { _, records in
            #expect(hosts(records).contains("a b.example"), "grouped by the host as written")
        },
        Row(name: "control characters", lines: [bytes(#"{"url":"http://c\u0001.example/"}"#)]) { _, records in
            #expect(hosts(records).contains("c\u{1}.example"))
        },
        Row(name: "IPv6 literals", lines: [bytes(#"{"url":"http://[::1]:8080/"}"#), bytes(#"{"url":"http://[::1/"}"#)]) { _, records in
            #expect(hosts(records).contains("[::1]"))
        },
        Row(name: "userinfo", lines: [bytes(#"{"url":"http://u:p@ui.example/"}"#)]) { _, records in
            #expect(hosts(records).contains("ui.example"))
        },
        Row(name: "over-long hosts", lines: [bytes(#"{"url":"http://\#(longLabel).example/"}"#)]) { _, records in
            #expect(hosts(records).contains("\(longLabel).example"))
        },
    ]

    static func hosts(_ records: [[String: Any]]) -> [String] {
        (records.first?["hosts"] as? [[String: Any]])?.compactMap { $0["host"] as? String } ?? []
    }

    @Test(arguments: astatsRows)
    func astats(row: Row) throws {
        let good = #"{"url":"http://good.example/","status":200,"ok":true,"elapsed_ms":5}"#
        let result = try Self.run("astats", row, base: ["--top", "100"], good: good)
        #expect(result.status == 0)
        let records = result.records
        #expect(records.count == 1)
        #expect(Self.hosts(records).contains("good.example"), "the line after is processed")
        row.check(result, records)
    }

    // MARK: - afetch

    /// afetch's rows need the fixture's port: built per run. `PORT` in a line stands for it.
    static let afetchRows: [Row] = [
        Row(name: "CRLF", lines: [bytes("http://127.0.0.1:PORT/echo?crlf\r\n")]) { _, records in
            #expect(records.first?["url"] as? String == "http://127.0.0.1:PORT/echo?crlf")
            #expect(records.first?["ok"] as? Bool == true)
        },
        Row(name: "NUL bytes", lines: [bytes("http://127.0.0.1:PORT/\0"), bytes(#"{"url":"http://127.0.0.1:PORT/\u0000"}"#)]) { _, records in
            #expect(kinds(records) == ["bad_input", "invalid_url"])
            #expect(records.first?["input"] as? String == "http://127.0.0.1:PORT/\0")
        },
        Row(name: "invalid UTF-8", lines: [bytes("http://127.0.0.1:PORT/echo?") + [0xFF],
                                           bytes(#"{"url":"http://127.0.0.1:PORT/echo?u"#) + [0xFF] + bytes(#""}"#)]) { _, records in
            #expect(kinds(records) == ["bad_input", nil], "in a JSON string a bad byte becomes U+FFFD, then %EF%BF%BD")
            #expect(records.allSatisfy { $0["__not_an_object__"] == nil }, "every record is a JSON object in UTF-8")
        },
        Row(name: "50 MB line", lines: [bytes(#"{"url":"http://127.0.0.1:PORT/echo?big","pad":""# + fiftyMB + #""}"#)]) { _, records in
            #expect(kinds(records) == [nil])
            #expect((records.first?["pad"] as? String)?.utf8.count == 50 << 20)
        },
        Row(name: "100,000 levels of nesting", lines: [bytes(#"{"url":"http://127.0.0.1:PORT/echo?deep","x":"# + deepArray + "}"),
                                                       bytes(#"{"url":"http://127.0.0.1:PORT/echo?open","x":"# + unbalanced + "}")]) { result, records in
            #expect(kinds(records) == [nil, "bad_input"])
            #expect(result.lines.first?.contains(#""x":"# + deepArray) == true)
        },
        Row(name: "duplicate keys: the last wins", lines: [bytes(#"{"url":"http://127.0.0.1:PORT/echo?1","url":"http://127.0.0.1:PORT/echo?2","id":1,"id":2}"#)]) { result, records in
            #expect(records.first?["url"] as? String == "http://127.0.0.1:PORT/echo?2")
            #expect(result.lines.first?.hasPrefix(#"{"id":1,"id":2,"url":"#) == true, "other fields pass as they came")
        },
        Row(name: "JSON that is not an object", lines: notObjects + [bytes(#"{"url":1e400}"#)]) { _, records in
            #expect(kinds(records) == ["bad_input", "bad_input", "invalid_url", "invalid_url", "invalid_url", "bad_input"])
        },
        Row(name: "numbers out of range", lines: [bytes(#"{"url":"http://127.0.0.1:PORT/echo?n","n":99999999999999999999999,"m":-1e-400}"#)]) { result, _ in
            #expect(result.lines.first?.hasPrefix(#"{"n":99999999999999999999999,"m":-1e-400,"url":"#) == true, "passed through as written")
        },
        Row(name: "URLs with spaces", lines: [bytes("http://127.0.0.1:PORT/echo?a b"), bytes("http://a b.invalid/")]) { _, records in
            #expect(kinds(records) == ["invalid_url", "invalid_url"])
        },
        Row(name: "control characters", lines: [bytes("http://127.0.0.1:PORT/echo?\u{1}"), bytes(#"{"url":"http://127.0.0.1:PORT/echo?\u007f"}"#)]) { _, records in
            #expect(kinds(records) == ["invalid_url", "invalid_url"])
        },
        Row(name: "IPv6 literals", lines: [bytes("http://[::1]:PORT/echo"), bytes("http://[::1/echo")]) { _, records in
            #expect(kinds(records) == ["connect", "invalid_url"], "the fixture listens on 127.0.0.1 only")
        },
        Row(name: "userinfo", lines: [bytes("http://u:p@127.0.0.1:PORT/echo?ui"), bytes("http://127.0.0.1:PORT@host.invalid/")]) { _, records in
            #expect(kinds(records) == [nil, "dns"], "the host after the last @ is the host")
            #expect(records.first?["url"] as? String == "http://u:p@127.0.0.1:PORT/echo?ui")
        },
        Row(name: "over-long hosts", lines: [bytes("http://\(longLabel).invalid/"), bytes("http://\(longLabel).\(longLabel).invalid/")]) { _, records in
            #expect(kinds(records) == ["dns", "dns"], "a label over 63 bytes is refused by the resolver, with no query sent")
        },
    ]

    static func kinds(_ records: [[String: Any]]) -> [String?] {
        records.map { ($0["error"] as? [String: Any])?["kind"] as? String }
    }

    @Test(arguments: afetchRows)
    func afetch(row: Row) throws {
        let fixture = try Fixture()
        let port = "\(fixture.port)"
        // PORT in the rows' lines and expectations stands for the fixture's port.
        let lines = row.lines.map { Self.replacing(Self.bytes("PORT"), with: Self.bytes(port), in: $0) }
        let portRow = Row(name: row.name, lines: lines, arguments: row.arguments, check: row.check)
        let result = try Self.run("afetch", portRow, base: ["-q", "--ordered", "--retries", "0", "--body", "none", "-c", "4"],
                                  good: fixture.url("/echo?good"))
        #expect(result.status == 0)
        let records = result.records.map { record in
            record.mapValues { value in (value as? String)?.replacingOccurrences(of: port, with: "PORT") ?? value }
        }
        #expect(records.last?["url"] as? String == "http://127.0.0.1:PORT/echo?good" && records.last?["ok"] as? Bool == true,
                "the line after is processed")
        row.check(result, Array(records.dropLast()))
    }

    /// `line` with every `marker` replaced, byte by byte (lines need not be UTF-8).
    static func replacing(_ marker: [UInt8], with replacement: [UInt8], in line: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < line.count {
            if line[i...].starts(with: marker) {
                out += replacement
                i += marker.count
            } else {
                out.append(line[i])
                i += 1
            }
        }
        return out
    }
}
