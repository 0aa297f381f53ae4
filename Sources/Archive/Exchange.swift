/// One HTTP exchange to archive: the request head as sent, the response head as
/// received and the body free of chunked transfer coding (content coding kept).
public struct ArchivedExchange: Sendable {
    public let targetURI: String
    public let request: [UInt8]
    public let head: [UInt8]
    public let body: [UInt8]

    public init(targetURI: String, request: [UInt8], head: [UInt8], body: [UInt8]) {
        self.targetURI = targetURI
        self.request = request
        self.head = head
        self.body = body
    }

    /// An exchange whose body is given as it came off the wire: dechunked here when
    /// the head says `Transfer-Encoding: chunked`.
    public init(targetURI: String, request: [UInt8], head: [UInt8], wireBody: [UInt8]) {
        let body = HTTPHead.isChunked(head) ? ChunkedBody.decode(wireBody) : wireBody
        self.init(targetURI: targetURI, request: request, head: head, body: body)
    }
}

/// Chunked transfer coding (RFC 9112 section 7.1), decoded leniently: the archive
/// keeps what arrived, so a cut-off or malformed stream yields the data before the fault.
enum ChunkedBody {
    static func decode(_ wire: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        var index = 0
        while let lineEnd = wire[index...].firstIndex(of: 0x0A) {
            guard let size = chunkSize(wire[index..<lineEnd]), size > 0 else { break }
            let start = lineEnd + 1
            let end = min(start + size, wire.count)
            data += wire[start..<end]
            guard end == start + size else { break }
            index = end
            // The CRLF that ends the chunk's data.
            if index < wire.count, wire[index] == 0x0D { index += 1 }
            if index < wire.count, wire[index] == 0x0A { index += 1 }
            guard index < wire.count else { break }
        }
        return data
    }

    /// The hexadecimal size at the start of a chunk line, before any extension.
    private static func chunkSize(_ line: ArraySlice<UInt8>) -> Int? {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            default:
                return digits > 0 ? size : nil
            }
            guard digits < 15 else { return nil }
            size = size * 16 + value
            digits += 1
        }
        return digits > 0 ? size : nil
    }
}
