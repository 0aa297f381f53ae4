#if canImport(Glibc)
import Glibc
#endif

/// Writes HTTP exchanges as WARC/1.1 files (ISO 28500:2017).
///
/// Each file starts with a `warcinfo` record; each exchange becomes a `request` record followed
/// by a `response` record, which name each other in WARC-Concurrent-To. Every record carries
/// WARC-Record-ID (a random UUID URN), WARC-Date, WARC-Block-Digest and, for responses,
/// WARC-Payload-Digest (SHA-1, base32, as warcio, wget and Heritrix write them), and refers to
/// its file's warcinfo in WARC-Warcinfo-ID.
///
/// When the path ends in `.gz`, every record is its own gzip member, so a reader can seek to a
/// record's offset and inflate from there (WARC 1.1 annex D).
///
/// Files: without `maxSize`, everything goes to `path`. With `maxSize`, files are numbered from
/// 1 with five digits before the `.warc.gz`, `.warc` or `.gz` ending (or the last extension,
/// or at the end of a name with none): `crawl.warc.gz` gives `crawl-00001.warc.gz`,
/// `crawl-00002.warc.gz`, ... A new file is started when the next exchange would take the
/// current one past `maxSize` bytes (as written, so compressed for `.gz`); an exchange is never
/// split, and one larger than `maxSize` gets a file to itself.
///
/// Existing files are never truncated. Without `maxSize` the writer appends to `path` (a new
/// warcinfo record marks the new session); with `maxSize` it starts at the first number that
/// does not exist yet, so a resumed crawl leaves the earlier files as they were, even if a crash
/// cut the last record of one short.
///
/// One writer belongs to one thread: calls are not synchronised.
public final class WARCWriter {
    /// The software named in every warcinfo record, e.g. `acrawl/0.1`.
    public let software: String
    /// The size past which a new file is started; nil for one file.
    public let maxSize: Int?
    /// The file being written.
    public private(set) var currentFile: String

    private let path: String
    private let compressor: GzipCompressor?
    private var descriptor: Int32 = -1
    private var fileNumber = 0
    private var fileSize = 0
    private var fileHasExchange = false
    private var warcinfoID = ""

    /// Opens the first file and writes its warcinfo record.
    public init(path: String, maxSize: Int?, software: String) throws {
        self.path = path
        self.maxSize = maxSize.map { max(1, $0) }
        self.software = software
        self.compressor = path.hasSuffix(".gz") ? GzipCompressor() : nil
        self.currentFile = path
        try openNextFile()
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Writes one exchange: a request record with `requestHead` and a response record with
    /// `responseHead` and `responseBody`.
    ///
    /// - Parameters:
    ///   - targetURI: the URL fetched, for WARC-Target-URI.
    ///   - requestHead: the request line and headers as sent.
    ///   - responseHead: the status line and headers as received (of the final response, when
    ///     redirects were followed inside one transfer). A chunked head is rewritten: see
    ///     `HTTPHead.archivable`.
    ///   - responseBody: the body as received, still content-encoded (gzip bytes stay gzip) but
    ///     without chunked transfer coding.
    ///   - ipAddress: the server's address, for WARC-IP-Address, when known.
    ///   - date: when the request was sent; WARC 1.1 section 5.4 wants the start of the capture.
    /// - Returns: the file holding the exchange and the byte offset of the response record in
    ///   it (the start of its gzip member for `.gz`).
    @discardableResult
    public func write(
        targetURI: String, requestHead: [UInt8], responseHead: [UInt8], responseBody: [UInt8],
        ipAddress: String?, date: WARCDate = .now()
    ) throws -> (file: String, offset: Int) {
        let requestID = Self.newRecordID()
        let responseID = Self.newRecordID()
        func encode() -> (request: [UInt8], response: [UInt8]) {
            let common = [("WARC-Date", date.text), ("WARC-Target-URI", targetURI)]
                + (ipAddress.map { [("WARC-IP-Address", $0)] } ?? []) + [("WARC-Warcinfo-ID", warcinfoID)]
            let request = record(
                type: "request", id: requestID,
                fields: common + [("WARC-Concurrent-To", responseID), ("Content-Type", "application/http;msgtype=request")],
                block: HTTPHead.terminated(requestHead), payloadStart: nil)
            let head = HTTPHead.archivable(responseHead, bodyLength: responseBody.count)
            let response = record(
                type: "response", id: responseID,
                fields: common + [("WARC-Concurrent-To", requestID), ("Content-Type", "application/http;msgtype=response")],
                block: head + responseBody, payloadStart: head.count)
            return (request, response)
        }
        var encoded = encode()
        if let maxSize, fileHasExchange, fileSize + encoded.request.count + encoded.response.count > maxSize {
            try openNextFile()
            encoded = encode()  // the records name the new file's warcinfo
        }
        try append(encoded.request)
        let offset = fileSize
        try append(encoded.response)
        fileHasExchange = true
        return (currentFile, offset)
    }

    /// Closes the current file. Further writes fail.
    public func close() throws {
        guard descriptor >= 0 else { return }
        let result = Glibc.close(descriptor)
        descriptor = -1
        if result != 0 { throw ArchiveError("close", currentFile) }
    }

    /// The name of file `number` under the rollover scheme (see the type's documentation).
    public static func numberedPath(_ path: String, number: Int) -> String {
        let digits = String(number)
        let numbered = "-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[slash...]
        for ending in [".warc.gz", ".warc", ".gz"] where name.count > ending.count && name.hasSuffix(ending) {
            return String(path.dropLast(ending.count)) + numbered + ending
        }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return String(path[..<dot]) + numbered + String(path[dot...])
        }
        return path + numbered
    }

    private func openNextFile() throws {
        if descriptor >= 0 { try close() }
        if maxSize != nil {
            repeat {
                fileNumber += 1
                currentFile = Self.numberedPath(path, number: fileNumber)
            } while FileIO.exists(currentFile)
        }
        descriptor = open(currentFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ArchiveError("open", currentFile) }
        let end = lseek(descriptor, 0, SEEK_END)
        guard end >= 0 else { throw ArchiveError("lseek", currentFile) }
        fileSize = Int(end)
        fileHasExchange = false
        warcinfoID = Self.newRecordID()
        try append(warcinfo())
    }

    private func warcinfo() -> [UInt8] {
        let fileName = currentFile.split(separator: "/").last.map(String.init) ?? currentFile
        let fields = "software: \(software)\r\n"
            + "format: WARC File Format 1.1\r\n"
            + "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
        return record(
            type: "warcinfo", id: warcinfoID,
            fields: [("WARC-Date", WARCDate.now().text), ("WARC-Filename", fileName),
                     ("Content-Type", "application/warc-fields")],
            block: Array(fields.utf8), payloadStart: nil)
    }

    /// One record as it goes into the file: WARC 1.1 section 4's layout
    /// (version line, named fields, empty line, block, two CRLFs), gzip-compressed for `.gz`.
    /// `payloadStart` is where the payload begins in the block, for WARC-Payload-Digest.
    private func record(type: String, id: String, fields: [(String, String)], block: [UInt8], payloadStart: Int?) -> [UInt8] {
        var header = "WARC/1.1\r\nWARC-Type: \(type)\r\nWARC-Record-ID: \(id)\r\n"
        for (name, value) in fields {
            header += "\(name): \(Self.fieldValue(value))\r\n"
        }
        header += "WARC-Block-Digest: sha1:\(DigestEncoding.base32(SHA1.digest(block)))\r\n"
        if let payloadStart {
            let hasher = SHA1.hasher()
            block.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[payloadStart...])) }
            header += "WARC-Payload-Digest: sha1:\(DigestEncoding.base32(hasher.finish()))\r\n"
        }
        header += "Content-Length: \(block.count)\r\n\r\n"
        var bytes = Array(header.utf8)
        bytes.reserveCapacity(bytes.count + block.count + 4)
        bytes += block
        bytes += [0x0D, 0x0A, 0x0D, 0x0A]
        return compressor?.member(of: bytes) ?? bytes
    }

    private func append(_ bytes: [UInt8]) throws {
        guard descriptor >= 0 else { throw ArchiveError("write", currentFile, code: EBADF) }
        try FileIO.writeAll(descriptor, bytes, path: currentFile)
        fileSize += bytes.count
    }

    /// A field value on one line: CR and LF (which would end the field early) become spaces.
    private static func fieldValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return value }
        return String(value.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    /// `<urn:uuid:...>` with a random (version 4) UUID, RFC 9562 section 5.4.
    static func newRecordID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = DigestEncoding.hex(bytes)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.utf8.dropFirst(range.lowerBound).prefix(range.count).map { Character(UnicodeScalar($0)) })
        }
        return "<urn:uuid:" + parts.joined(separator: "-") + ">"
    }
}
