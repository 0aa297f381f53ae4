import ArgumentParser
import FixtureSite
import NDJSON
import ToolSupport

@main
struct FixtureMain: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "acrawl-fixture",
        abstract: "Serve the generated test site and fault routes on 127.0.0.1.",
        discussion: """
            Prints the port alone as its first stdout line, then serves until SIGTERM, SIGINT or \
            end of file on stdin. Every request is logged except paths starting with /_.

            Server routes: GET /_log (the log as NDJSON: t_ms, host, method, path, headers), \
            GET /_count?prefix=P ({"count": N}), GET /_reset (clears log and counters), \
            GET /_stop-accepting (stop accepting for good, close idle connections), \
            GET /_restart (listen anew on the same port, then close every other connection), \
            /echo (the request as JSON), /robots.txt (by host: rules on rules.robots.test, \
            status NNN on sNNN.robots.test, 404 elsewhere).

            Site: / and /p/N.html (N below --pages) and /img/N.png for host site.test and any \
            other name; small sites on a.site.test and b.site.test; other.test answers 404.

            Fault routes (parameters with their defaults): /fault/status/CODE; \
            /fault/flaky/KEY?fail=1&status=503; /fault/retry-after/KEY?fail=1&after=1&status=429&date=0; \
            /fault/delay/MS; /fault/drip?bytes=10&every=100; /fault/reset; /fault/reset-mid?bytes=1000; \
            /fault/truncate?bytes=1000; /fault/huge?bytes=10485760; /fault/gzip?bytes=10000; \
            /fault/gzip-bomb?mb=10; /fault/redirect/N; /fault/loop; /fault/redirect-to?url=U&status=302; \
            /fault/charset/NAME?header=1&meta=0 (NAME any iconv charset, or wrong, or none); \
            /fault/binary?bytes=1024; /fault/hang; /fault/hang-first/KEY?n=1; /fault/headers?n=10; /fault/big-header?bytes=10000; \
            /fault/content-length?claim=100&send=50; /fault/chunked-bad; /fault/http09.
            """,
        version: acrawlVersion)

    @Option(help: ArgumentHelp("The port to listen on; 0 lets the OS pick one. With --dump, the port absolute links carry (0: none). The default is 0.", valueName: "n"))
    var port = 0

    @Option(help: ArgumentHelp("How many /p/N.html pages the main site has. The default is 2000.", valueName: "n"))
    var pages = 2000

    @Option(help: ArgumentHelp(
        "Write the main site as files into this directory (index.html, p/N.html, img/N.png) and exit, instead of serving.",
        valueName: "dir"))
    var dump: String?

    @Option(help: ArgumentHelp("With --dump, the host name absolute links carry. The default is site.test.", valueName: "name"))
    var host = "site.test"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard pages >= 0 else { throw ValidationError("--pages must not be negative.") }
    }

    func run() throws {
        if let dump {
            try Site(pages: pages).dump(to: dump, host: port == 0 ? host : "\(host):\(port)")
            return
        }
        let server = try FixtureServer(port: port, pages: pages)
        FixtureServer.exitOnTerminationOrEndOfInput()
        OutputWriter.standardOutput.write(Array("\(server.port)\n".utf8))
        OutputWriter.standardOutput.flush()
        server.serve()
    }
}
