import Testing
@testable import Archive

/// One parsed WARC record: its named fields and its block.
struct ParsedRecord {
    let version: String
    let fields: [(String, String)]
    let block: [UInt8]
    let offset: Int

    func field(_ name: String) -> String? {
        fields.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A strict reader of uncompressed WARC files, written from WARC 1.1 section 4 for these tests.
func parseWARC(_ bytes: [UInt8]) throws -> [ParsedRecord] {
    var records: [ParsedRecord] = []
    var position = 0
    let crlf: [UInt8] = [0x0D, 0x0A]
    while position < bytes.count {
        let start = position
        var lines: [String] = []
        while true {
            let end = try #require(firstIndex(of: crlf, in: bytes, from: position), "unterminated header line")
            let line = String(decoding: bytes[position..<end], as: UTF8.self)
            position = end + 2
            if line.isEmpty { break }
            lines.append(line)
        }
        let fields = lines.dropFirst().map { line -> (String, String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces)
        }
        let length = try #require(Int(fields.first { $0.0 == "Content-Length" }?.1 ?? ""))
        let block = Array(bytes[position..<position + length])
        position += length
        #expect(Array(bytes[position..<position + 4]) == crlf + crlf)
        position += 4
        records.append(ParsedRecord(version: lines[0], fields: fields, block: block, offset: start))
    }
    return records
}

func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
    guard bytes.count >= needle.count else { return nil }
    var index = start
    while index <= bytes.count - needle.count {
        if bytes[index..<index + needle.count].elementsEqual(needle) { return index }
        index += 1
    }
    return nil
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

func warcDigest(_ bytes: some Collection<UInt8>) -> String {
    "sha1:" + DigestEncoding.base32(SHA1.digest(Array(bytes)))
}

let sampleRequest = Array("GET /page HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: acrawl/0.1\r\nAccept: */*\r\n\r\n".utf8)
let sampleResponseHead = Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n".utf8)
let sampleBody = Array("<p>hello</p>\n".utf8)

@Test func recordLayoutAndDigests() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let path = scratch + "/out.warc"
    let writer = try WARCWriter(path: path, maxSize: nil, software: "acrawl/test")
    let date = WARCDate(seconds: 1_764_093_781, microseconds: 123_456)
    let location = try writer.write(
        targetURI: "http://127.0.0.1:8080/page", requestHead: sampleRequest, responseHead: sampleResponseHead,
        responseBody: sampleBody, ipAddress: "127.0.0.1", date: date)
    try writer.close()
    let bytes = try #require(readFile(path))
    let records = try parseWARC(bytes)
    #expect(records.map { $0.field("WARC-Type") } == ["warcinfo", "request", "response"])
    #expect(records.allSatisfy { $0.version == "WARC/1.1" })
    let (info, request, response) = (records[0], records[1], records[2])
    #expect(location == (path, response.offset))

    #expect(info.field("Content-Type") == "application/warc-fields")
    #expect(info.field("WARC-Filename") == "out.warc")
    #expect(String(decoding: info.block, as: UTF8.self).contains("software: acrawl/test\r\n"))

    for record in [request, response] {
        #expect(record.field("WARC-Date") == "2025-11-25T18:03:01.123456Z")
        #expect(record.field("WARC-Target-URI") == "http://127.0.0.1:8080/page")
        #expect(record.field("WARC-IP-Address") == "127.0.0.1")
        #expect(record.field("WARC-Warcinfo-ID") == info.field("WARC-Record-ID"))
        #expect(record.field("WARC-Block-Digest") == warcDigest(record.block))
        #expect(record.field("Content-Length") == String(record.block.count))
    }
    #expect(request.field("Content-Type") == "application/http;msgtype=request")
    #expect(response.field("Content-Type") == "application/http;msgtype=response")
    #expect(request.block == sampleRequest)
    #expect(response.block == sampleResponseHead + sampleBody)
    #expect(response.field("WARC-Payload-Digest") == warcDigest(sampleBody))
    #expect(request.field("WARC-Concurrent-To") == response.field("WARC-Record-ID"))
    #expect(response.field("WARC-Concurrent-To") == request.field("WARC-Record-ID"))
    let ids = Set(records.compactMap { $0.field("WARC-Record-ID") })
    #expect(ids.count == 3)
}

@Test func recordIDsAreVersion4UUIDURNs() {
    let id = WARCWriter.newRecordID()
    let characters = Array(id)
    #expect(id.hasPrefix("<urn:uuid:") && id.hasSuffix(">"))
    #expect(characters.count == 47)
    let uuid = String(characters[10..<46])
    let groups = uuid.split(separator: "-").map(\.count)
    #expect(groups == [8, 4, 4, 4, 12])
    #expect(uuid.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase })
    #expect(characters[24] == "4")
    #expect("89ab".contains(characters[29]))
    #expect(WARCWriter.newRecordID() != id)
}

@Test func withoutIPAddressTheFieldIsAbsent() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let path = scratch + "/x.warc"
    let writer = try WARCWriter(path: path, maxSize: nil, software: "acrawl/test")
    try writer.write(targetURI: "http://h/", requestHead: sampleRequest, responseHead: sampleResponseHead,
                     responseBody: sampleBody, ipAddress: nil)
    try writer.close()
    let records = try parseWARC(try #require(readFile(path)))
    #expect(records.allSatisfy { $0.field("WARC-IP-Address") == nil })
}

@Test func chunkedHeadIsRewrittenAndPayloadDigestIsOfTheEntityBody() throws {
    let head = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n".utf8)
    let body: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03]
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let path = scratch + "/chunked.warc"
    let writer = try WARCWriter(path: path, maxSize: nil, software: "acrawl/test")
    try writer.write(targetURI: "http://h/c", requestHead: sampleRequest, responseHead: head, responseBody: body, ipAddress: nil)
    try writer.close()
    let response = try parseWARC(try #require(readFile(path)))[2]
    let expectedHead = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Crawler-Transfer-Encoding: chunked\r\n"
        + "Content-Encoding: gzip\r\nContent-Length: 7\r\n\r\n"
    #expect(response.block == Array(expectedHead.utf8) + body)
    #expect(response.field("WARC-Payload-Digest") == warcDigest(body))
}

@Test(arguments: [
    ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n",
     "HTTP/1.1 200 OK\r\nX-Crawler-Transfer-Encoding: chunked\r\nX-Crawler-Content-Length: 99\r\nContent-Length: 4\r\n\r\n"),
    ("HTTP/1.1 200 OK\r\ntransfer-encoding : Chunked\r\n\r\n",
     "HTTP/1.1 200 OK\r\nX-Crawler-transfer-encoding : Chunked\r\nContent-Length: 4\r\n\r\n"),
    ("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"),
    ("HTTP/1.0 200 OK\nServer: old\n\n", "HTTP/1.0 200 OK\nServer: old\n\n"),
    ("HTTP/1.1 204 No Content\r\nServer: x\r\n", "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n"),
])
func headRewriting(head: String, archived: String) {
    #expect(HTTPHead.archivable(Array(head.utf8), bodyLength: 4) == Array(archived.utf8))
}

@Test(arguments: [
    ("crawl.warc.gz", "crawl-00001.warc.gz"), ("dir.d/crawl.warc", "dir.d/crawl-00001.warc"),
    ("out.gz", "out-00001.gz"), ("archive.dat", "archive-00001.dat"), ("dir.d/archive", "dir.d/archive-00001"),
    (".warc", ".warc-00001"),
])
func numberedNames(path: String, numbered: String) {
    #expect(WARCWriter.numberedPath(path, number: 1) == numbered)
}

@Test func rollsOverToNumberedFilesEachWithWarcinfo() throws {
    let directory = temporaryDirectory()
    defer { removeTree(directory) }
    let writer = try WARCWriter(path: directory + "/roll.warc", maxSize: 3000, software: "acrawl/test")
    var locations: [(file: String, offset: Int)] = []
    for index in 0..<5 {
        locations.append(try writer.write(
            targetURI: "http://h/\(index)", requestHead: sampleRequest, responseHead: sampleResponseHead,
            responseBody: sampleBody, ipAddress: nil))
    }
    try writer.close()
    let files = listDirectory(directory)
    // A warcinfo record and two exchanges fit in 3000 bytes, three do not.
    #expect(files == ["roll-00001.warc", "roll-00002.warc", "roll-00003.warc"])
    #expect(Set(locations.map(\.file)) == Set(files.map { directory + "/" + $0 }))
    var targets: [String] = []
    for file in files {
        let bytes = try #require(readFile(directory + "/" + file))
        #expect(bytes.count <= 3000)
        let records = try parseWARC(bytes)
        #expect(records.first?.field("WARC-Type") == "warcinfo")
        #expect(records.first?.field("WARC-Filename") == file)
        for record in records where record.field("WARC-Type") == "response" {
            targets.append(record.field("WARC-Target-URI") ?? "")
            #expect(record.field("WARC-Warcinfo-ID") == records[0].field("WARC-Record-ID"))
            #expect(locations.contains { $0.file == directory + "/" + file && $0.offset == record.offset })
        }
    }
    #expect(targets == (0..<5).map { "http://h/\($0)" })
}

@Test func anExchangeLargerThanMaxSizeGetsAFileToItself() throws {
    let directory = temporaryDirectory()
    defer { removeTree(directory) }
    let writer = try WARCWriter(path: directory + "/big.warc", maxSize: 10, software: "acrawl/test")
    let first = try writer.write(targetURI: "http://h/1", requestHead: sampleRequest, responseHead: sampleResponseHead,
                                 responseBody: sampleBody, ipAddress: nil)
    let second = try writer.write(targetURI: "http://h/2", requestHead: sampleRequest, responseHead: sampleResponseHead,
                                  responseBody: sampleBody, ipAddress: nil)
    try writer.close()
    #expect(first.file == directory + "/big-00001.warc")
    #expect(second.file == directory + "/big-00002.warc")
}

@Test func existingFilesAreKept() throws {
    let directory = temporaryDirectory()
    defer { removeTree(directory) }
    for _ in 0..<2 {
        let writer = try WARCWriter(path: directory + "/a.warc", maxSize: nil, software: "acrawl/test")
        try writer.write(targetURI: "http://h/", requestHead: sampleRequest, responseHead: sampleResponseHead,
                         responseBody: sampleBody, ipAddress: nil)
        try writer.close()
        let rolling = try WARCWriter(path: directory + "/b.warc", maxSize: 1 << 20, software: "acrawl/test")
        try rolling.write(targetURI: "http://h/", requestHead: sampleRequest, responseHead: sampleResponseHead,
                          responseBody: sampleBody, ipAddress: nil)
        try rolling.close()
    }
    let appended = try parseWARC(try #require(readFile(directory + "/a.warc")))
    #expect(appended.map { $0.field("WARC-Type") ?? "" } == ["warcinfo", "request", "response", "warcinfo", "request", "response"])
    #expect(listDirectory(directory) == ["a.warc", "b-00001.warc", "b-00002.warc"])
}

@Test func gzipFilesHoldOneMemberPerRecord() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let path = scratch + "/out.warc.gz"
    let writer = try WARCWriter(path: path, maxSize: nil, software: "acrawl/test")
    let first = try writer.write(targetURI: "http://h/1", requestHead: sampleRequest, responseHead: sampleResponseHead,
                                 responseBody: sampleBody, ipAddress: nil)
    let second = try writer.write(targetURI: "http://h/2", requestHead: sampleRequest, responseHead: sampleResponseHead,
                                  responseBody: sampleBody, ipAddress: nil)
    try writer.close()
    let bytes = try #require(readFile(path))
    // Each offset is the start of a gzip member (RFC 1952 magic, deflate method)...
    for offset in [0, first.offset, second.offset] {
        #expect(Array(bytes[offset..<offset + 3]) == [0x1F, 0x8B, 0x08])
    }
    // ...and the members decompress to exactly the records of the plain writer's layout.
    let members = try inflateMembers(bytes)
    #expect(members.count == 5)
    let records = try members.map { try parseWARC($0) }
    #expect(records.map { $0.count } == [1, 1, 1, 1, 1])
    #expect(records.map { $0[0].field("WARC-Type") ?? "" } == ["warcinfo", "request", "response", "request", "response"])
    #expect(records[2][0].block == sampleResponseHead + sampleBody)
}
