/// What the WARC writer does to an HTTP message head before archiving it.
enum HTTPHead {
    /// The head to archive with a body that `body` bytes long and already free of chunked
    /// transfer coding (libcurl removes it as it reads).
    ///
    /// Most heads are archived byte for byte. A head that says `Transfer-Encoding: chunked`
    /// would not describe the dechunked body stored after it, and readers (warcio among them)
    /// compute WARC-Payload-Digest over the bytes after the head as they are, so we do what
    /// Common Crawl and wpull do: rename the header to `X-Crawler-Transfer-Encoding`, rename any
    /// `Content-Length` to `X-Crawler-Content-Length`, and add a `Content-Length` giving the
    /// stored body's length. The payload digest is then the digest of the entity body, as
    /// WARC 1.1 section 5.9 defines it, and every reader agrees with it.
    ///
    /// A head missing its terminating empty line gets one (CRLF), so that the block parses.
    static func archivable(_ head: [UInt8], bodyLength: Int) -> [UInt8] {
        var lines = splitLines(head)
        guard lines.contains(where: isChunkedTransferEncoding) else {
            return terminated(head)
        }
        var rewritten: [UInt8] = []
        rewritten.reserveCapacity(head.count + 64)
        if !lines.isEmpty {
            rewritten += lines.removeFirst()  // the status line
            rewritten += [0x0D, 0x0A]
        }
        for line in lines where !line.isEmpty {
            if headerName(of: line, is: "transfer-encoding") || headerName(of: line, is: "content-length") {
                rewritten += Array("X-Crawler-".utf8)
            }
            rewritten += line
            rewritten += [0x0D, 0x0A]
        }
        rewritten += Array("Content-Length: \(bodyLength)\r\n\r\n".utf8)
        return rewritten
    }

    /// Whether the head says `Transfer-Encoding: chunked`.
    static func isChunked(_ head: [UInt8]) -> Bool {
        splitLines(head).contains(where: isChunkedTransferEncoding)
    }

    /// `head` ending in an empty line (CRLF CRLF, or LF LF as lenient servers send).
    static func terminated(_ head: [UInt8]) -> [UInt8] {
        if head.isEmpty || head.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]) || head.suffix(2).elementsEqual([0x0A, 0x0A]) {
            return head
        }
        var result = head
        while let last = result.last, last == 0x0D || last == 0x0A { result.removeLast() }
        return result + [0x0D, 0x0A, 0x0D, 0x0A]
    }

    /// The lines of a head without their CR LF (or bare LF) ends; the final empty ones dropped.
    private static func splitLines(_ head: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    private static func isChunkedTransferEncoding(_ line: ArraySlice<UInt8>) -> Bool {
        guard headerName(of: line, is: "transfer-encoding"), let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            return false
        }
        return String(decoding: line[(colon + 1)...], as: UTF8.self).lowercased().contains("chunked")
    }

    private static func headerName(of line: ArraySlice<UInt8>, is name: String) -> Bool {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return false }
        var field = line[..<colon]
        while field.last == 0x20 || field.last == 0x09 { field = field.dropLast() }
        return String(decoding: field, as: UTF8.self).lowercased() == name
    }
}
