import Foundation
import Testing
import TestSupport

/// afetch over HTTP/2: nginx on 127.0.0.1 offers h2 by ALPN (the fixture server speaks HTTP/1.1
/// only). Each test checks what the record says against what nginx logged.
@Suite(.serialized) struct HTTP2Tests {
    private func afetch(_ arguments: [String], _ urls: [String]) throws -> [[String: Any]] {
        let result = try runTool("afetch", ["-q", "--insecure", "--ordered"] + arguments, input: urls.joined(separator: "\n") + "\n")
        #expect(result.records.count == urls.count, "\(result.stderr)")
        return result.records
    }

    private func errorKind(_ record: [String: Any]) -> String? {
        (record["error"] as? [String: Any])?["kind"] as? String
    }

    @Test func negotiatesHTTP2AndMultiplexesOneConnection() throws {
        let nginx = try NginxServer()
        for n in 0..<20 { try nginx.serve("page \(n)\n", at: "/p/\(n).txt") }
        let urls = (0..<20).map { nginx.url("/p/\($0).txt") }
        let records = try afetch(["-c", "8", "--per-host", "8", "--body", "text"], urls)
        #expect(records.map { $0["http_version"] as? String } == Array(repeating: "2", count: 20))
        #expect(records.map { $0["body"] as? String } == (0..<20).map { "page \($0)\n" })
        #expect(nginx.requests().filter { $0.path.hasPrefix("/p/") }.allSatisfy { $0.protocolName == "HTTP/2.0" })
        // One TLS handshake carries every request: later records spent no time connecting.
        let connects = records.compactMap { ($0["timing"] as? [String: Any])?["tls_ms"] as? Double }
        #expect(connects.filter { $0 > 0 }.count < 20)
    }

    @Test func http11ForcesHTTP11() throws {
        let nginx = try NginxServer()
        try nginx.serve("hello\n", at: "/a.txt")
        let records = try afetch(["--http1.1"], [nginx.url("/a.txt")])
        #expect(records[0]["http_version"] as? String == "1.1")
        #expect(nginx.requests().map(\.protocolName) == ["HTTP/1.1"])
    }

    @Test func statusErrorsAndRetriesOverHTTP2() throws {
        let nginx = try NginxServer(locations: """
            location /busy { add_header Retry-After 1 always; return 503; }
            location /gone { return 404; }
            """)
        let records = try afetch(["--retries", "1"], [nginx.url("/busy"), nginx.url("/gone")])
        #expect(records.map(errorKind) == ["http", "http"])
        #expect(records.map { $0["attempts"] as? Int } == [2, 1])
        var busy: [Double] = []
        try waitUntil { busy = nginx.requests().filter { $0.path == "/busy" }.map(\.time); return busy.count == 2 }
        // Retry-After: 1 held the retry for at least a second (nginx's own clock).
        #expect(busy[1] - busy[0] >= 0.99)
        #expect(nginx.requests().allSatisfy { $0.protocolName == "HTTP/2.0" })
    }

    @Test func gzipOverHTTP2IsDecodedAndBounded() throws {
        let nginx = try NginxServer(locations: "gzip on; gzip_min_length 1; gzip_types text/plain;")
        let text = String(repeating: "compressible text ", count: 2000)
        try nginx.serve(text, at: "/big.txt")
        let records = try afetch(["--body", "text"], [nginx.url("/big.txt")])
        #expect(records[0]["body"] as? String == text)
        #expect(records[0]["length"] as? Int == text.utf8.count)
        let bounded = try afetch(["--max-body", "1000"], [nginx.url("/big.txt")])
        #expect(errorKind(bounded[0]) == "too_large")
    }

    @Test func aStreamClosedWithoutAnAnswerIsOneFailedRecord() throws {
        // nginx's 444 answers nothing: under HTTP/2 it resets the stream (RST_STREAM), which
        // is HTTP/2's connection reset: error kind reset, retried like one.
        let nginx = try NginxServer(locations: "location /drop { return 444; }")
        let records = try afetch(["--retries", "1", "--backoff", "1"], [nginx.url("/drop")])
        #expect(records[0]["ok"] as? Bool == false)
        #expect(errorKind(records[0]) == "reset", "\(records[0])")
        #expect(records[0]["attempts"] as? Int == 2)
        var drops = 0
        try waitUntil { drops = nginx.requests().filter { $0.path == "/drop" }.count; return drops == 2 }
        #expect(drops == 2)
    }
}
