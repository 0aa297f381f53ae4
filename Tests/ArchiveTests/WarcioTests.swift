import Foundation
import Testing
import TestSupport
@testable import Archive

/// The independent check of the WARC writer: the Python `warcio` package (installed from PyPI by
/// scripts/test) verifies every digest with `warcio check`, and its ArchiveIterator reads every
/// record back with the payload written. A missing warcio fails the test, it does not skip it.

/// One exchange written, and what warcio must read back for it.
struct Exchange {
    let uri: String
    let head: String
    let body: [UInt8]
}

let exchanges: [Exchange] = [
    Exchange(uri: "http://127.0.0.1:8080/", head: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n",
             body: Array("<p>hello</p>\n".utf8)),
    // Content-encoded bodies stay encoded: the payload is the gzip bytes.
    Exchange(uri: "http://127.0.0.1:8080/gz", head: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n",
             body: [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00]),
    Exchange(uri: "http://127.0.0.1:8080/chunked", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
             body: Array(repeating: UInt8(ascii: "c"), count: 70_000)),
    Exchange(uri: "http://127.0.0.1:8080/empty", head: "HTTP/1.1 204 No Content\r\n\r\n", body: []),
    Exchange(uri: "http://127.0.0.1:8080/binary?q=1", head: "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n",
             body: (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 131) }),
    Exchange(uri: "http://127.0.0.1:8080/missing", head: "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n",
             body: Array("not found".utf8)),
]

/// Reads WARC files with warcio's ArchiveIterator, digests verified (raising on a mismatch);
/// prints one JSON object per record.
let readerScript = """
    import hashlib, json, sys
    from warcio.archiveiterator import ArchiveIterator
    for name in sys.argv[1:]:
        with open(name, 'rb') as stream:
            records = ArchiveIterator(stream, check_digests='raise')
            for record in records:
                payload = record.raw_stream.read()
                print(json.dumps({'file': name, 'offset': records.get_record_offset(),
                    'type': record.rec_type, 'uri': record.rec_headers.get_header('WARC-Target-URI'),
                    'id': record.rec_headers.get_header('WARC-Record-ID'),
                    'concurrent': record.rec_headers.get_header('WARC-Concurrent-To'),
                    'status': record.http_headers.get_statuscode() if record.http_headers else None,
                    'payload_sha256': hashlib.sha256(payload).hexdigest()}))
    """

func python(_ arguments: [String]) throws -> ToolResult {
    try run("/usr/bin/env", ["python3"] + arguments)
}

/// Writes every exchange to `path` and returns where each response went.
func writeExchanges(to path: String, maxSize: Int?) throws -> [(file: String, offset: Int)] {
    let writer = try WARCWriter(path: path, maxSize: maxSize, software: "acrawl/test")
    let locations = try exchanges.map { exchange in
        let request = "GET \(exchange.uri.dropFirst("http://127.0.0.1:8080".count)) HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
        return try writer.write(targetURI: exchange.uri, requestHead: Array(request.utf8), responseHead: Array(exchange.head.utf8),
                                responseBody: exchange.body, ipAddress: "127.0.0.1")
    }
    try writer.close()
    return locations
}

@Test(arguments: [("plain.warc", Int?.none), ("compressed.warc.gz", nil), ("rolled.warc.gz", 1500), ("rolled.warc", 40_000)])
func warcioReadsBackEveryRecord(name: String, maxSize: Int?) throws {
    let directory = temporaryDirectory()
    defer { removeTree(directory) }
    let locations = try writeExchanges(to: directory + "/" + name, maxSize: maxSize)
    let files = listDirectory(directory).map { directory + "/" + $0 }
    if maxSize != nil { #expect(files.count > 1) } else { #expect(files.count == 1) }

    for file in files {
        let check = try python(["-c", "import sys; from warcio.cli import main; main(sys.argv[1:])", "check", "-v", file])
        #expect(check.status == 0, "warcio check \(file):\n\(String(decoding: check.stdout, as: UTF8.self))\(check.stderr)")
        let index = try python(["-c", "import sys; from warcio.cli import main; main(sys.argv[1:])", "index", file])
        #expect(index.status == 0, "warcio index: \(index.stderr)")
        #expect(index.lines.first?.contains("\"warcinfo\"") == true)
    }

    let read = try python(["-c", readerScript] + files)
    try #require(read.status == 0, "warcio ArchiveIterator: \(read.stderr)")
    let records = read.records
    #expect(records.filter { $0["type"] as? String == "warcinfo" }.count == files.count)
    let responses = records.filter { $0["type"] as? String == "response" }
    let requests = records.filter { $0["type"] as? String == "request" }
    #expect(responses.count == exchanges.count)
    #expect(requests.count == exchanges.count)
    for (index, exchange) in exchanges.enumerated() where index < responses.count {
        let response = responses[index]
        #expect(response["uri"] as? String == exchange.uri)
        #expect(response["payload_sha256"] as? String == DigestEncoding.hex(SHA256.digest(exchange.body)))
        #expect(response["file"] as? String == locations[index].file)
        #expect(response["offset"] as? Int == locations[index].offset)
        #expect(requests[index]["concurrent"] as? String == response["id"] as? String)
        #expect(response["concurrent"] as? String == requests[index]["id"] as? String)
    }
    #expect(responses.map { $0["status"] as? String } == ["200", "200", "200", "204", "200", "404"])
}
