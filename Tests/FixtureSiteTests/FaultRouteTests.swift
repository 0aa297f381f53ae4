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

/// The fault routes that shape the body or the framing.
@Suite struct BodyFaultTests {
    @Test func dripSpreadsBytesOverTime() throws {
        let connection = try RawConnection(port: sharedServer.port)
        connection.enableKernelTimestamps()
        try connection.send("GET /fault/drip?bytes=5&every=100 HTTP/1.1\r\nHost: x\r\n\r\n")
        let result = connection.readToEndWithKernelTimestamps()
        let message = try #require(result.message)
        #expect(message.contentLength == 5)
        #expect(message.text == "abcde")
        #expect(result.error == nil)
        // When the first body byte arrived: the first piece that goes past the head.
        let headLength = result.bytes.count - message.body.count
        var received = 0
        var firstBodyTime: Double?
        for arrival in result.arrivals {
            received += arrival.count
            if firstBodyTime == nil, received > headLength { firstBodyTime = arrival.time }
        }
        let first = try #require(firstBodyTime)
        let last = try #require(result.arrivals.last?.time)
        #expect(last - first >= 0.4, "the last byte came \(last - first) s after the first")
    }

    @Test func resetMidSendsHalfTheBodyThenRST() throws {
        let result = try get("/fault/reset-mid?bytes=200000")
        let message = try #require(result.message)
        #expect(message.contentLength == 200_000)
        #expect(message.body.count == 100_000)
        #expect(result.error == ECONNRESET)
    }

    @Test func truncateSendsHalfTheBodyThenClosesCleanly() throws {
        let result = try get("/fault/truncate?bytes=1000")
        let message = try #require(result.message)
        #expect(message.contentLength == 1000)
        #expect(message.body == FaultBodies.text(count: 500))
        #expect(result.error == nil)
    }

    @Test(arguments: [("claim=100&send=30", 100, 30), ("claim=10&send=40", 10, 40), ("", 100, 50)])
    func contentLengthDisagreesWithTheBody(query: String, claim: Int, sent: Int) throws {
        let result = try get("/fault/content-length?\(query)")
        let message = try #require(result.message)
        #expect(message.contentLength == claim)
        #expect(message.body.count == sent)
        #expect(result.error == nil)
    }

    @Test func hugeStreamsTheWholeBody() throws {
        let size = 256 << 20
        let connection = try RawConnection(port: sharedServer.port)
        try connection.send("GET /fault/huge?bytes=\(size) HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try connection.readResponse(isHead: true)
        #expect(head.contentLength == size)
        let rest = connection.countToEnd()
        #expect(head.body.count + rest.count == size)
        #expect(rest.error == nil)
    }

    @Test func hugeBodyIsText() throws {
        let message = try response("/fault/huge?bytes=100000")
        #expect(message.header("content-type") == "text/plain")
        #expect(message.body == Array(FaultBodies.text(count: 64 * 1024) + FaultBodies.text(count: 100_000 - 64 * 1024)))
    }

    @Test(arguments: [0, 1, 300, 100_000])
    func gzipBodyInflatesToTheHTML(bytes: Int) throws {
        let message = try response("/fault/gzip?bytes=\(bytes)", headers: ["Accept-Encoding: gzip"])
        #expect(message.header("content-encoding") == "gzip")
        #expect(message.header("content-type") == "text/html; charset=utf-8")
        #expect(message.body.count == message.contentLength)
        let inflated = try #require(gunzip(message.body))
        #expect(inflated == FaultBodies.html(count: bytes))
        #expect(inflated.count == bytes)
    }

    @Test func gzipBombInflatesAThousandfold() throws {
        let message = try response("/fault/gzip-bomb?mb=20")
        #expect(message.header("content-encoding") == "gzip")
        #expect(message.body.count < (20 << 20) / 500)
        let inflated = try #require(gunzip(message.body))
        #expect(inflated.count == 20 << 20)
        #expect(inflated.allSatisfy { $0 == 0 })
        // Cached: the same bytes again.
        #expect(try response("/fault/gzip-bomb?mb=20").body == message.body)
    }

    @Test(arguments: ["utf-8", "iso-8859-1", "windows-1252", "shift_jis", "euc-jp", "UTF-16"])
    func charsetPagesEncodeTheSampleText(name: String) throws {
        for (header, meta) in [(true, false), (false, true), (true, true), (false, false)] {
            let message = try response("/fault/charset/\(name)?header=\(header ? 1 : 0)&meta=\(meta ? 1 : 0)")
            #expect(message.status == 200)
            #expect(message.header("content-type") == (header ? "text/html; charset=\(name)" : "text/html"))
            let text = try #require(decode(message.body, from: name), "\(name) does not decode")
            #expect(decodingCharacterReferences(text).contains(charsetSampleText))
            #expect(text.contains("<meta charset=\"\(name)\">") == meta)
        }
        if name != "utf-8" && name != "UTF-16" {
            // The bytes really are not UTF-8.
            #expect(String(validating: try response("/fault/charset/\(name)").body, as: UTF8.self) == nil)
        }
    }

    @Test func wrongCharsetDeclaresUTF8ButSendsLatin1() throws {
        let message = try response("/fault/charset/wrong?meta=1")
        #expect(message.header("content-type") == "text/html; charset=utf-8")
        #expect(String(validating: message.body, as: UTF8.self) == nil)
        let latin1 = try #require(decode(message.body, from: "iso-8859-1"))
        #expect(latin1.contains("<meta charset=\"utf-8\">"))
        #expect(decodingCharacterReferences(latin1).contains(charsetSampleText))
    }

    @Test func noCharsetAnywhereStillUTF8() throws {
        let message = try response("/fault/charset/none?meta=1")
        #expect(message.header("content-type") == "text/html")
        #expect(!message.text.lowercased().contains("charset"))
        #expect(String(validating: message.body, as: UTF8.self)?.contains(charsetSampleText) == true)
    }

    @Test func unknownCharsetIs400() throws {
        #expect(try response("/fault/charset/no-such-charset").status == 400)
    }

    @Test func binaryHasNULsAndInvalidUTF8() throws {
        let message = try response("/fault/binary?bytes=5000")
        #expect(message.header("content-type") == "application/octet-stream")
        #expect(message.body == FaultBodies.binary(count: 5000))
        #expect(message.body.contains(0))
        #expect(String(validating: message.body, as: UTF8.self) == nil)
        #expect(Set(message.body).count == 256)
        #expect(try response("/fault/binary?bytes=3").body == [0x00, 0xFF, 0xC3])
    }

    @Test func headersAddsManyFields() throws {
        let message = try response("/fault/headers?n=200")
        let fills = message.headers.filter { $0.name.hasPrefix("x-fill-") }
        #expect(fills.count == 200)
        #expect(fills.last?.name == "x-fill-199" && fills.last?.value == "value-199")
    }

    @Test func bigHeaderIsOneLongLine() throws {
        let result = try get("/fault/big-header?bytes=100000")
        let head = String(decoding: result.bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let line = try #require(head.first { $0.hasPrefix("X-Big: ") })
        #expect(line.utf8.count == 100_000)
        #expect(result.message?.status == 200)
    }

    @Test func chunkedBadHasAnInvalidChunkSize() throws {
        let result = try get("/fault/chunked-bad")
        let message = try #require(result.message)
        #expect(message.header("transfer-encoding") == "chunked")
        #expect(message.contentLength == nil)
        let sizeLine = message.text.prefix { $0 != "\r" }
        #expect(Int(sizeLine, radix: 16) == nil)
    }

    @Test func http09AnswersWithoutAStatusLine() throws {
        let result = try get("/fault/http09")
        #expect(!result.bytes.isEmpty)
        #expect(!String(decoding: result.bytes, as: UTF8.self).hasPrefix("HTTP/"))
        #expect(result.message == nil)
        #expect(result.error == nil)
    }

    @Test func unknownFaultIs404() throws {
        #expect(try response("/fault/no-such-fault").status == 404)
        #expect(try response("/fault/status/abc").status == 400)
    }
}

/// `&#N;` references replaced by their characters.
func decodingCharacterReferences(_ text: String) -> String {
    var result = ""
    var rest = text[...]
    while let start = rest.range(of: "&#") {
        result += rest[..<start.lowerBound]
        let digits = rest[start.upperBound...].prefix { $0.isNumber }
        let after = rest[start.upperBound...].dropFirst(digits.count)
        if after.hasPrefix(";"), let value = UInt32(digits), let scalar = Unicode.Scalar(value) {
            result.unicodeScalars.append(scalar)
            rest = after.dropFirst()
        } else {
            result += "&#"
            rest = rest[start.upperBound...]
        }
    }
    return result + rest
}

/// `bytes` converted from `charset` to a String by iconv(3), nil when they are not valid in it.
func decode(_ bytes: [UInt8], from charset: String) -> String? {
    let converter = iconv_open("UTF-8", charset)
    guard let converter, converter != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(converter) }
    var input = bytes.map { CChar(bitPattern: $0) }
    var output = [CChar](repeating: 0, count: bytes.count * 4 + 16)
    let converted: Int? = input.withUnsafeMutableBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
            var inPointer = inputBuffer.baseAddress
            var inLeft = inputBuffer.count
            var outPointer = outputBuffer.baseAddress
            var outLeft = outputBuffer.count
            guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1 else { return nil }
            return outputBuffer.count - outLeft
        }
    }
    guard let converted else { return nil }
    return String(validating: output[..<converted].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
