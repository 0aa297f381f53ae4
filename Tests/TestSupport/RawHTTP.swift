import Foundation

/// A raw TCP client for loopback tests: sends bytes as given and records what
/// comes back, when each piece arrived, and how the connection ended
/// (ECONNRESET is visible here, where an HTTP library would hide it).
public final class RawConnection {
    /// The socket.
    public let socket: Int32
    /// Bytes received past the last response read.
    private var unread: [UInt8] = []

    /// Connects to 127.0.0.1:`port`.
    public init(port: Int) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw FixtureError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(socket)
            throw FixtureError("connect to port \(port): errno \(code)")
        }
    }

    deinit { close(socket) }

    /// Sends all of `text`.
    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends all of `bytes`.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Foundation.send(socket, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw FixtureError("send: errno \(errno)") }
            offset += sent
        }
    }

    /// Sends a request with `Connection: close` (HTTP/1.1) and reads until the server ends the connection.
    public func request(_ path: String, method: String = "GET", host: String = "127.0.0.1",
                        headers: [String] = []) throws -> RawResult {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for header in headers { head += header + "\r\n" }
        try send(head + "\r\n")
        return readToEnd()
    }

    /// Reads until end of stream or an error, timing every piece.
    public func readToEnd(limit: Int = Int.max) -> RawResult {
        var result = RawResult()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.bytes.count < limit {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0, errno == EINTR { continue }
            if count < 0 {
                result.error = errno
                break
            }
            if count == 0 { break }
            result.arrivals.append((monotonicSeconds(), count))
            result.bytes += chunk[0..<count]
        }
        return result
    }

    /// Asks the kernel to stamp every received packet with its arrival time
    /// (SO_TIMESTAMPNS, socket(7)). Call it before sending the request: packets
    /// that arrived earlier carry no stamp.
    public func enableKernelTimestamps() {
        var one: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_TIMESTAMPNS, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads until end of stream one byte at a time, each stamped with the
    /// time the kernel received it (see `enableKernelTimestamps`; NaN when not
    /// stamped): unlike a clock read after recv returns, it does not move when
    /// this thread is scheduled late. Arrival times are CLOCK_REALTIME seconds.
    public func readToEndWithKernelTimestamps() -> RawResult {
        var result = RawResult()
        var byte: UInt8 = 0
        var control = [UInt8](repeating: 0, count: 128)
        while true {
            let (count, stamp): (Int, Double?) = withUnsafeMutablePointer(to: &byte) { bytePointer in
                control.withUnsafeMutableBytes { controlBuffer in
                    var vector = iovec(iov_base: bytePointer, iov_len: 1)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBuffer.baseAddress
                        message.msg_controllen = controlBuffer.count
                        let count = recvmsg(socket, &message, 0)
                        return (count, count > 0 ? Self.timestamp(in: controlBuffer, length: message.msg_controllen) : nil)
                    }
                }
            }
            if count < 0, errno == EINTR { continue }
            if count < 0 { result.error = errno }
            guard count > 0 else { return result }
            result.bytes.append(byte)
            result.arrivals.append((stamp ?? .nan, 1))
        }
    }

    /// The SCM_TIMESTAMPNS time in a control buffer: a cmsghdr (16 bytes on
    /// 64-bit Linux) followed by a timespec.
    private static func timestamp(in control: UnsafeMutableRawBufferPointer, length: Int) -> Double? {
        let headerSize = MemoryLayout<cmsghdr>.size
        var offset = 0
        while offset + headerSize <= length {
            let header = control.load(fromByteOffset: offset, as: cmsghdr.self)
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == SO_TIMESTAMPNS {
                let time = control.loadUnaligned(fromByteOffset: offset + headerSize, as: timespec.self)
                return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
            }
            offset += (Int(header.cmsg_len) + 7) & ~7
            if header.cmsg_len == 0 { break }
        }
        return nil
    }

    /// Reads until end of stream or an error, counting bytes without keeping
    /// them (for bodies too large to hold); also returns the errno that ended it.
    public func countToEnd() -> (count: Int, error: Int32?) {
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0, errno == EINTR { continue }
            if count < 0 { return (total, errno) }
            if count == 0 { return (total, nil) }
            total += count
        }
    }

    /// Reads one response on a kept-alive connection: head, then a
    /// Content-Length body (no body for HEAD or when none is announced).
    public func readResponse(isHead: Bool = false) throws -> HTTPMessage {
        // Pipelined responses can arrive in one read: what follows this
        // response stays in `unread` for the next call.
        var buffer = unread
        unread = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let message = HTTPMessage(buffer), isHead { return message }
            if let message = HTTPMessage(buffer), message.body.count >= message.contentLength ?? 0 {
                let consumed = buffer.count - message.body.count + (message.contentLength ?? message.body.count)
                unread = Array(buffer[consumed...])
                return HTTPMessage(Array(buffer[..<consumed])) ?? message
            }
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { throw FixtureError("connection ended after \(buffer.count) bytes (errno \(errno))") }
            buffer += chunk[0..<count]
        }
    }
}

/// What a raw read collected.
public struct RawResult {
    /// Every byte received.
    public var bytes: [UInt8] = []
    /// When each piece arrived (monotonic seconds, or kernel CLOCK_REALTIME
    /// seconds from `readToEndWithKernelTimestamps`) and its size.
    public var arrivals: [(time: Double, count: Int)] = []
    /// The errno that ended the read (ECONNRESET for a reset), nil for a clean end of stream.
    public var error: Int32?

    /// The bytes as an HTTP response, if they start with one.
    public var message: HTTPMessage? { HTTPMessage(bytes) }
}

/// An HTTP/1.x response split into status, headers and body (the bytes after the head, as received).
public struct HTTPMessage {
    public let status: Int
    /// Header fields, names lower-cased, in order.
    public let headers: [(name: String, value: String)]
    /// The bytes after the blank line.
    public let body: [UInt8]

    /// Parses a response head; nil until the blank line has arrived.
    public init?(_ bytes: [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4,
              let end = (0...(bytes.count - 4)).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        body = Array(bytes[(end + 4)...])
    }

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name.lowercased() }?.value
    }

    /// The announced Content-Length.
    public var contentLength: Int? { header("content-length").flatMap { Int($0) } }

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// CLOCK_MONOTONIC in seconds.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
