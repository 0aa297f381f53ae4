import Foundation
import Testing
import TestSupport
@testable import FixtureSite

/// One in-process server for the tests that do not look at the log as a whole;
/// they use their own keys so they can run in parallel.
let sharedServer: FixtureServer = {
    let server = try! FixtureServer(port: 0, pages: 200)
    server.start()
    return server
}()

/// A fresh in-process server, for tests that read or reset the whole log.
func privateServer() throws -> FixtureServer {
    let server = try FixtureServer(port: 0, pages: 200)
    server.start()
    return server
}

/// GET `path` with `Connection: close`, the whole answer.
func get(_ path: String, host: String = "127.0.0.1", headers: [String] = [],
         server: FixtureServer = sharedServer) throws -> RawResult {
    try RawConnection(port: server.port).request(path, host: host, headers: headers)
}

/// GET `path`, parsed as a response.
func response(_ path: String, host: String = "127.0.0.1", headers: [String] = [],
              server: FixtureServer = sharedServer) throws -> HTTPMessage {
    try #require(get(path, host: host, headers: headers, server: server).message)
}

/// The server's own endpoints, the site over HTTP, and HTTP/1.1 behaviour.
@Suite struct ServerTests {
    @Test func logRecordsEveryRequestButItsOwnInOrder() throws {
        let server = try privateServer()
        _ = try response("/p/1.html", host: "site.test:99", headers: ["X-Test: one"], server: server)
        _ = try response("/_count?prefix=/", server: server)
        _ = try response("/fault/status/404?x=1", server: server)
        let log = try response("/_log", server: server)
        #expect(log.header("content-type") == "application/x-ndjson")
        let entries = try log.text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(entries.count == 2)
        #expect(entries[0]["host"] as? String == "site.test:99")
        #expect(entries[0]["method"] as? String == "GET")
        #expect(entries[0]["path"] as? String == "/p/1.html")
        let headers = try #require(entries[0]["headers"] as? [String: String])
        #expect(headers["x-test"] == "one")
        #expect(headers["connection"] == "close")
        #expect(entries[1]["path"] as? String == "/fault/status/404?x=1")
        let first = try #require(entries[0]["t_ms"] as? Double)
        let second = try #require(entries[1]["t_ms"] as? Double)
        #expect(first >= 0 && second >= first)
    }

    @Test func countMatchesPrefixesAndResetClears() throws {
        let server = try privateServer()
        for path in ["/p/1.html", "/p/2.html", "/img/1.png", "/fault/flaky/k?fail=1"] {
            _ = try response(path, server: server)
        }
        #expect(try response("/_count?prefix=/p/", server: server).text == "{\"count\":2}\n")
        #expect(try response("/_count?prefix=%2Fimg", server: server).text == "{\"count\":1}\n")
        #expect(try response("/_count", server: server).text == "{\"count\":4}\n")
        #expect(try response("/_reset", server: server).status == 200)
        #expect(try response("/_count", server: server).text == "{\"count\":0}\n")
        #expect(try response("/_log", server: server).body.isEmpty)
        // The flaky counter for k was reset too: it fails again.
        #expect(try response("/fault/flaky/k?fail=1", server: server).status == 503)
    }

    @Test func servesTheGeneratedSiteByHost() throws {
        let site = Site(pages: 200)
        for (host, path) in [("127.0.0.1:1234", "/"), ("site.test", "/p/3.html"), ("a.site.test:5", "/p/2.html"),
                             ("other.test", "/"), ("site.test", "/img/7.png"), ("site.test", "/p/200.html")] {
            let answer = try response(path, host: host)
            let expected = site.response(host: host, path: path)
            #expect(answer.status == expected.status)
            #expect(answer.header("content-type") == expected.contentType)
            #expect(answer.body == expected.body, "\(host)\(path)")
        }
        #expect(try response("/robots.txt").status == 404)
    }

    @Test func keepsConnectionsAliveAcrossRequests() throws {
        let connection = try RawConnection(port: sharedServer.port)
        for page in 0..<3 {
            try connection.send("GET /p/\(page).html HTTP/1.1\r\nHost: site.test\r\n\r\n")
            let answer = try connection.readResponse()
            #expect(answer.status == 200)
            #expect(answer.header("connection") == "keep-alive")
            #expect(answer.body.count == answer.contentLength)
        }
        // A body sent with a request is read and skipped, not taken for the next request.
        try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /p/1.html HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.readResponse().status == 200)
        #expect(try connection.readResponse().status == 200)
        try connection.send("HEAD /p/1.html HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try connection.readResponse(isHead: true)
        #expect(head.status == 200 && head.body.isEmpty && (head.contentLength ?? 0) > 0)
    }

    @Test func answersMalformedRequestsWith400() throws {
        let connection = try RawConnection(port: sharedServer.port)
        try connection.send("NONSENSE\r\n\r\n")
        #expect(connection.readToEnd().message?.status == 400)
    }

    @Test func echoReturnsTheRequest() throws {
        let connection = try RawConnection(port: sharedServer.port)
        try connection.send("PUT /echo?a=1 HTTP/1.1\r\nHost: h\r\nX-One: 1\r\nX-One: 2\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc")
        let answer = try #require(connection.readToEnd().message)
        #expect(answer.header("content-type") == "application/json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        #expect(json["method"] as? String == "PUT")
        #expect(json["path"] as? String == "/echo?a=1")
        let headers = try #require(json["headers"] as? [String: String])
        #expect(headers["x-one"] == "1, 2")
        #expect(headers["content-length"] == "3")
    }
}
