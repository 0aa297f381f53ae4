// The fixture server's routes. Every request is logged except paths starting
// with `/_`. Query parameters are percent-decoded; `KEY` names a per-key counter
// so tests running in parallel do not interfere. Unless stated, responses are
// small, have a Content-Length, and keep the connection alive when the request
// allows; routes marked (closes) end the connection after answering.
// HTTP/1.1: keep-alive unless `Connection: close` (HTTP/1.0 only with
// `keep-alive`), pipelining, HEAD without body, request bodies with
// Content-Length read and dropped (`Expect: 100-continue` answered), heads
// over 64 KiB answered 431, unparsable request lines 400.
//
// Server:
//   GET /_log                 the log as NDJSON: {"t_ms", "host", "method", "path", "headers"} per request
//   GET /_count?prefix=P      {"count": N}, logged requests whose path (with query) starts with P
//   GET /_reset               clears the log and every counter
//   GET /_stop-accepting      stops accepting for good, as a graceful shutdown (nginx -s quit): the
//                             listening socket closes, idle keep-alive connections close, requests in
//                             progress finish and close their connection; this connection stays open
//                             (and so do later /_ requests on it) so the log can still be read
//   GET /_restart             restarts on the same port, as a redeploy: the old listening socket goes,
//                             a new one listens, then every other connection is closed (FIN), idle or
//                             in progress; the log and counters stay
//   ANY /echo                 200 application/json {"method", "path", "headers"} of the request
//   GET /robots.txt           by Host name: rules.robots.test the rules in RobotsRoutes.swift
//                             (Disallow /private, Allow /private/open, Crawl-delay 1),
//                             sNNN.robots.test status NNN, anything else 404
//
// Site (see Site): `/`, `/p/N.html`, `/img/N.png` for hosts site.test (any
// other name too), a.site.test and b.site.test; every path 404 on other.test.
//
// Faults:
//   /fault/status/CODE                             that status, short text body (none for 1xx, 204, 304;
//                                                  a 1xx is interim, so clients wait for more)
//   /fault/flaky/KEY?fail=1&status=503             first `fail` requests for KEY: `status`; then 200 "ok"
//   /fault/retry-after/KEY?fail=1&after=1&status=429&date=0
//                                                  first `fail` requests: `status` with Retry-After: `after`
//                                                  (an HTTP-date `after` seconds ahead when date=1); then 200
//   /fault/delay/MS                                200 after MS milliseconds
//   /fault/drip?bytes=10&every=100                 Content-Length `bytes`, then one byte every `every` ms (closes)
//   /fault/reset                                   reads the request, then RST, no response bytes
//   /fault/reset-mid?bytes=1000                    Content-Length `bytes`, half the body, then RST
//   /fault/truncate?bytes=1000                     Content-Length `bytes`, half the body, then FIN (closes)
//   /fault/huge?bytes=10485760                     a text/plain body of `bytes` bytes, streamed (closes)
//   /fault/gzip?bytes=10000                        text/html of `bytes` bytes before compression, Content-Encoding: gzip
//   /fault/gzip-bomb?mb=10                         Content-Encoding: gzip inflating to `mb` MiB of zeros (~1000:1)
//   /fault/redirect/N                              302 to /fault/redirect/(N-1); /fault/redirect/0 is 200 "done"
//   /fault/loop                                    302 to itself
//   /fault/redirect-to?url=U&status=302            `status` with Location: U
//   /fault/chunked-redirect                        302 to /fault/redirect/0 with a chunked body "hello world" (closes)
//   /fault/charset/NAME?header=1&meta=0            "café naïve 日本" in HTML encoded in NAME (any iconv name),
//                                                  declared in Content-Type (header=1) and/or <meta charset> (meta=1);
//                                                  characters NAME lacks become &#N; references.
//                                                  NAME=wrong: declares utf-8, sends iso-8859-1; NAME=none: no charset, UTF-8
//   /fault/binary?bytes=1024                       application/octet-stream: NULs, invalid UTF-8 (FaultBodies.binary)
//   /fault/hang                                    reads the request, never answers, holds until the client closes
//   /fault/hang-first/KEY?n=1                      the first `n` requests for KEY hang as /fault/hang; then 200 "ok"
//   /fault/headers?n=10                            `n` extra headers X-Fill-K: value-K
//   /fault/big-header?bytes=10000                  one header line (X-Big: aaa...) of `bytes` bytes without CRLF
//   /fault/content-length?claim=100&send=50        Content-Length `claim`, `send` body bytes (closes)
//   /fault/chunked-bad                             Transfer-Encoding: chunked with an invalid chunk-size line (closes)
//   /fault/http09                                  a raw body, no status line or headers (closes)

/// How a route answers.
enum Reply {
    /// A complete response the server writes.
    case response(Response)
    /// The route writes (or withholds) bytes itself; the connection ends afterwards.
    case takeOver((Connection) -> Void)
}

extension FixtureServer {
    /// Picks the route for a request.
    func route(_ request: Request) -> Reply {
        let path = request.path
        switch path {
        case "/_log":
            return .response(Response(status: 200, contentType: "application/x-ndjson", body: state.logNDJSON()))
        case "/_count":
            let count = state.count(prefix: request.query["prefix"] ?? "")
            return .response(Response(status: 200, contentType: "application/json", text: "{\"count\":\(count)}\n"))
        case "/_reset":
            state.reset()
            return .response(Response(status: 200, contentType: "application/json", text: "{\"reset\":true}\n"))
        case "/echo":
            return .response(echo(request))
        case "/robots.txt":
            return .response(robotsFile(forHost: request.header("host") ?? ""))
        default:
            if path.hasPrefix("/fault/") { return faultRoute(request, path.dropFirst("/fault/".count)) }
            let host = request.header("host") ?? "127.0.0.1:\(port)"
            let answer = site.response(host: host, path: request.target)
            return .response(Response(status: answer.status, contentType: answer.contentType, body: answer.body))
        }
    }

    /// The request as JSON.
    private func echo(_ request: Request) -> Response {
        var json = JSONWriter()
        json.raw("{\"method\":")
        json.string(request.method)
        json.raw(",\"path\":")
        json.string(request.target)
        json.raw(",\"headers\":")
        json.object(request.mergedHeaders)
        json.raw("}\n")
        return Response(status: 200, contentType: "application/json", body: json.bytes)
    }
}
