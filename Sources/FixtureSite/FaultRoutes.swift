#if canImport(Glibc)
import Glibc
#endif

/// The `/fault/...` routes, listed with their parameters in Routes.swift.
extension FixtureServer {
    func faultRoute(_ request: Request, _ route: Substring) -> Reply {
        let parts = route.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let name = parts[0]
        let argument = parts.count > 1 ? String(parts[1]) : ""
        switch name {
        case "status":
            guard let code = Int(argument), (100...999).contains(code) else { return badRequest("status wants a code 100-999") }
            return .response(Response(status: code, text: "status \(code)\n"))
        case "flaky":
            return flaky(request, key: argument)
        case "retry-after":
            return retryAfter(request, key: argument)
        case "delay":
            guard let milliseconds = Int(argument), milliseconds >= 0 else { return badRequest("delay wants milliseconds") }
            sleep(milliseconds: milliseconds)
            return .response(Response(status: 200, text: "delayed \(milliseconds) ms\n"))
        case "drip":
            return drip(bytes: request.integer("bytes", default: 10), every: request.integer("every", default: 100))
        case "reset":
            return .takeOver { $0.reset() }
        case "reset-mid":
            return partialBody(request.integer("bytes", default: 1000), thenReset: true)
        case "truncate":
            return partialBody(request.integer("bytes", default: 1000), thenReset: false)
        case "huge":
            return huge(bytes: request.integer("bytes", default: 10 << 20))
        case "gzip":
            let body = FaultBodies.html(count: max(0, request.integer("bytes", default: 10_000)))
            return .response(Response(status: 200, contentType: "text/html; charset=utf-8",
                                       headers: [("Content-Encoding", "gzip")], body: gzip(body)))
        case "gzip-bomb":
            let megabytes = max(0, request.integer("mb", default: 10))
            return .response(Response(status: 200, headers: [("Content-Encoding", "gzip")],
                                      body: compressedZeros.gzip(megabytes: megabytes)))
        case "redirect":
            guard let hops = Int(argument), hops >= 0 else { return badRequest("redirect wants a count") }
            if hops == 0 { return .response(Response(status: 200, text: "done\n")) }
            return redirect(to: "/fault/redirect/\(hops - 1)", status: 302)
        case "loop":
            return redirect(to: "/fault/loop", status: 302)
        case "redirect-to":
            guard let location = request.query["url"] else { return badRequest("redirect-to wants url=") }
            return redirect(to: location, status: request.integer("status", default: 302))
        case "chunked-redirect":
            return raw("HTTP/1.1 302 Found\r\nLocation: /fault/redirect/0\r\nContent-Type: text/plain\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        case "charset":
            return charsetPage(argument, header: request.integer("header", default: 1) != 0,
                               meta: request.integer("meta", default: 0) != 0)
        case "binary":
            return .response(Response(status: 200, contentType: "application/octet-stream",
                                      body: FaultBodies.binary(count: max(0, request.integer("bytes", default: 1024)))))
        case "hang":
            return .takeOver { $0.waitForPeerClose() }
        case "hang-first":
            // Hangs like /fault/hang the first `n` times for KEY (until the client or a
            // /_restart ends the connection), then answers 200: a request in flight when
            // the server restarts succeeds on its retry.
            guard state.increment("hang-first/" + argument) > request.integer("n", default: 1) else {
                return .takeOver { $0.waitForPeerClose() }
            }
            return .response(Response(status: 200, text: "ok\n"))
        case "headers":
            let count = max(0, request.integer("n", default: 10))
            let headers = (0..<count).map { (name: "X-Fill-\($0)", value: "value-\($0)") }
            return .response(Response(status: 200, headers: headers, text: "\(count) extra headers\n"))
        case "big-header":
            let length = max("X-Big: a".utf8.count, request.integer("bytes", default: 10_000))
            let value = String(repeating: "a", count: length - "X-Big: ".utf8.count)
            return .response(Response(status: 200, headers: [("X-Big", value)], text: "one header of \(length) bytes\n"))
        case "content-length":
            return contentLengthMismatch(claim: request.integer("claim", default: 100), send: request.integer("send", default: 50))
        case "chunked-bad":
            // "zz" is not a chunk-size (RFC 9112 section 7.1: 1*HEXDIG).
            return raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "zz\r\nhello\r\n0\r\n\r\n")
        case "http09":
            // HTTP/0.9 answers are the body alone (RFC 1945 section 3.1 calls it a Simple-Response).
            return raw("<html><body>an HTTP/0.9 style answer</body></html>\n")
        default:
            return .response(Response(status: 404, text: "no such fault route\n"))
        }
    }

    private func badRequest(_ message: String) -> Reply {
        .response(Response(status: 400, text: message + "\n"))
    }

    private func redirect(to location: String, status: Int) -> Reply {
        .response(Response(status: status, headers: [("Location", location)], text: "redirect to \(location)\n"))
    }

    /// Bytes written as they are, then a clean close.
    private func raw(_ text: String) -> Reply {
        .takeOver { $0.write(Array(text.utf8)) }
    }

    private func flaky(_ request: Request, key: String) -> Reply {
        let attempt = state.increment("flaky/" + key)
        let failures = request.integer("fail", default: 1)
        guard attempt > failures else {
            let status = request.integer("status", default: 503)
            return .response(Response(status: status, text: "failure \(attempt) of \(failures)\n"))
        }
        return .response(Response(status: 200, text: "ok\n"))
    }

    private func retryAfter(_ request: Request, key: String) -> Reply {
        let attempt = state.increment("retry-after/" + key)
        let failures = request.integer("fail", default: 1)
        guard attempt > failures else {
            let seconds = request.integer("after", default: 1)
            let value = request.integer("date", default: 0) != 0 ? httpDate(secondsFromNow: seconds) : String(seconds)
            let status = request.integer("status", default: 429)
            return .response(Response(status: status, headers: [("Retry-After", value)],
                                      text: "failure \(attempt) of \(failures), retry after \(value)\n"))
        }
        return .response(Response(status: 200, text: "ok\n"))
    }

    private func drip(bytes: Int, every milliseconds: Int) -> Reply {
        .takeOver { connection in
            let count = max(0, bytes)
            let head = responseHead(status: 200, headers: [
                ("Content-Type", "text/plain"), ("Content-Length", String(count)), ("Connection", "close"),
            ])
            guard connection.write(head) else { return }
            for index in 0..<count {
                if index > 0 { sleep(milliseconds: milliseconds) }
                guard connection.write([UInt8(ascii: "a") + UInt8(index % 26)]) else { return }
            }
        }
    }

    /// Content-Length `bytes`, the first half of the body, then a reset or a clean close.
    private func partialBody(_ bytes: Int, thenReset: Bool) -> Reply {
        .takeOver { connection in
            let count = max(0, bytes)
            let head = responseHead(status: 200, headers: [
                ("Content-Type", "text/plain"), ("Content-Length", String(count)), ("Connection", "close"),
            ])
            guard connection.write(head + FaultBodies.text(count: count / 2)) else { return }
            if thenReset {
                connection.waitUntilSent()
                connection.reset()
            }
        }
    }

    private func contentLengthMismatch(claim: Int, send: Int) -> Reply {
        .takeOver { connection in
            let head = responseHead(status: 200, headers: [
                ("Content-Type", "text/plain"), ("Content-Length", String(max(0, claim))), ("Connection", "close"),
            ])
            connection.write(head + FaultBodies.text(count: max(0, send)))
        }
    }

    /// A body of `bytes` bytes sent from one reused buffer, never held whole.
    private func huge(bytes: Int) -> Reply {
        .takeOver { connection in
            let count = max(0, bytes)
            let head = responseHead(status: 200, headers: [
                ("Content-Type", "text/plain"), ("Content-Length", String(count)), ("Connection", "close"),
            ])
            guard connection.write(head) else { return }
            let block = FaultBodies.text(count: 64 * 1024)
            var remaining = count
            while remaining > 0 {
                let size = min(remaining, block.count)
                let sent = block.withUnsafeBytes { connection.write(UnsafeRawBufferPointer(rebasing: $0[..<size])) }
                guard sent else { return }
                remaining -= size
            }
        }
    }
}

/// Deterministic bodies of the fault routes, public so tests can compare bytes.
public enum FaultBodies {
    /// `count` bytes of lines of text ("line 0 of the fixture body ...").
    public static func text(count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var line = 0
        while bytes.count < count {
            bytes += Array("line \(line) of the fixture body, some words to fill it\n".utf8)
            line += 1
        }
        return Array(bytes.prefix(count))
    }

    /// `count` bytes of an HTML page with links to the main site, cut at `count`.
    public static func html(count: Int) -> [UInt8] {
        var bytes = Array("<!DOCTYPE html>\n<html><head><title>gzip</title></head><body>\n".utf8)
        bytes.reserveCapacity(count)
        var line = 0
        while bytes.count < count {
            bytes += Array("<p>paragraph \(line) <a href=\"/p/\(line % 100).html\">page \(line % 100)</a></p>\n".utf8)
            line += 1
        }
        return Array(bytes.prefix(count))
    }

    /// `count` bytes that are not text: NULs and bytes never valid in UTF-8 first, then every byte value in turn.
    public static func binary(count: Int) -> [UInt8] {
        let start: [UInt8] = [0x00, 0xFF, 0xC3, 0x28, 0x80, 0x00, 0xFE, 0xED]
        var bytes = Array(start.prefix(count))
        var index = 0
        while bytes.count < count {
            bytes.append(UInt8(truncatingIfNeeded: index &* 167 &+ 13))
            index += 1
        }
        return bytes
    }
}

/// Sleeps on the calling (connection) thread.
func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
}

/// An IMF-fixdate (RFC 9110 section 5.6.7) `seconds` from now.
func httpDate(secondsFromNow seconds: Int) -> String {
    var time = Glibc.time(nil) + seconds
    var parts = tm()
    gmtime_r(&time, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    // The C locale's day and month names are the ones HTTP wants.
    let length = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
