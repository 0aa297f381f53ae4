import Foundation
import Testing
import TestSupport
@testable import FixtureSite

/// Each fault route, shown to produce its fault on the wire.
@Suite struct FaultRouteTests {
    @Test(arguments: [200, 204, 301, 404, 418, 429, 500, 503, 599])
    func statusAnswersTheCode(code: Int) throws {
        let answer = try response("/fault/status/\(code)")
        #expect(answer.status == code)
        #expect(answer.body == (code == 204 ? [] : Array("status \(code)\n".utf8)))
    }

    @Test func flakyFailsThenSucceeds() throws {
        let key = "flaky-\(UUID().uuidString)"
        let statuses = try (0..<4).map { _ in try response("/fault/flaky/\(key)?fail=2&status=500").status }
        #expect(statuses == [500, 500, 200, 200])
        let defaults = try (0..<2).map { _ in try response("/fault/flaky/\(key)-default").status }
        #expect(defaults == [503, 200])
    }

    @Test func retryAfterSendsSecondsThenSucceeds() throws {
        let key = "retry-\(UUID().uuidString)"
        let first = try response("/fault/retry-after/\(key)?fail=2&after=7")
        #expect(first.status == 429)
        #expect(first.header("retry-after") == "7")
        #expect(try response("/fault/retry-after/\(key)?fail=2&after=7").status == 429)
        let third = try response("/fault/retry-after/\(key)?fail=2&after=7")
        #expect(third.status == 200 && third.header("retry-after") == nil)
    }

    @Test func retryAfterSendsAnHTTPDate() throws {
        let before = Date()
        let answer = try response("/fault/retry-after/date-\(UUID().uuidString)?after=120&date=1&status=503")
        #expect(answer.status == 503)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = try #require(formatter.date(from: answer.header("retry-after") ?? ""))
        // The date is whole seconds: allow the one that was cut off.
        #expect(date.timeIntervalSince(before) >= 119)
    }

    @Test func delayWaitsBeforeAnswering() throws {
        let start = monotonicSeconds()
        let answer = try response("/fault/delay/300")
        #expect(answer.status == 200)
        #expect(monotonicSeconds() - start >= 0.3)
    }

    @Test func redirectsCountDown() throws {
        let three = try response("/fault/redirect/3")
        #expect(three.status == 302 && three.header("location") == "/fault/redirect/2")
        let zero = try response("/fault/redirect/0")
        #expect(zero.status == 200 && zero.text == "done\n")
        let loop = try response("/fault/loop")
        #expect(loop.status == 302 && loop.header("location") == "/fault/loop")
    }

    @Test(arguments: [("ftp%3A%2F%2Fexample.com%2Fa%3Fb%3D1", nil, 302, "ftp://example.com/a?b=1"),
                      ("javascript:alert(1)", "301", 301, "javascript:alert(1)"),
                      ("http%3A%2F%2Fa.site.test%3A1%2F", "307", 307, "http://a.site.test:1/")])
    func redirectToAnyLocation(url: String, status: String?, expected: Int, location: String) throws {
        let answer = try response("/fault/redirect-to?url=\(url)" + (status.map { "&status=\($0)" } ?? ""))
        #expect(answer.status == expected)
        #expect(answer.header("location") == location)
    }

    @Test func resetEndsTheConnectionWithRST() throws {
        let result = try get("/fault/reset")
        #expect(result.error == ECONNRESET)
        #expect(result.bytes.isEmpty)
    }

    @Test func hangNeverAnswers() throws {
        let connection = try RawConnection(port: sharedServer.port)
        try connection.send("GET /fault/hang HTTP/1.1\r\nHost: x\r\n\r\n")
        // Proving an absence needs a wait: nothing may arrive within half a second.
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(connection.socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = connection.readToEnd()
        #expect(result.bytes.isEmpty)
        #expect(result.error == EAGAIN)
    }
}
