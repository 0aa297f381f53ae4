#if canImport(Glibc)
import Glibc
#endif

/// One accepted TCP connection, owned by one thread: reads request heads,
/// writes bytes, and ends gracefully or with a reset.
final class Connection {
    /// The socket.
    let socket: Int32
    /// Bytes received but not yet consumed (the start of a pipelined request).
    private var pending: [UInt8] = []
    private var isClosed = false

    /// The most header bytes accepted before answering 431.
    static let headLimit = 64 * 1024

    init(socket: Int32) {
        self.socket = socket
        // Small writes (a drip's single bytes) must leave at once (Nagle, RFC 896).
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// What reading a request head gave.
    enum Incoming {
        case request(Request)
        /// The head was not HTTP/1.x or was larger than `headLimit`; answer with this status and close.
        case malformed(status: Int)
        /// The peer closed or the socket failed before a full head arrived.
        case closed
    }

    /// Reads the next request head and discards its Content-Length body.
    func readRequest() -> Incoming {
        var searchFrom = 0
        while true {
            if let end = headEnd(from: searchFrom) {
                let head = pending[..<end.head]
                let request = Request(head: head)
                pending.removeFirst(end.next)
                guard let request else { return .malformed(status: 400) }
                if let length = request.header("content-length").flatMap({ Int($0) }), length > 0 {
                    // A client that asked may wait for this before sending the body (RFC 9110 section 10.1.1).
                    if request.header("expect")?.lowercased() == "100-continue", pending.count < length {
                        write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                    }
                    guard discard(length) else { return .closed }
                }
                return .request(request)
            }
            if pending.count > Self.headLimit { return .malformed(status: 431) }
            // A request line starts with a method token (RFC 9112 section 3): anything
            // else, such as a TLS ClientHello (0x16), gets its 400 at once, as nginx does.
            if let first = pending.first, !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first), first != 0x0D, first != 0x0A {
                return .malformed(status: 400)
            }
            searchFrom = max(0, pending.count - 3)
            guard receive() > 0 else { return .closed }
        }
    }

    /// Where the head ends (before the blank line) and the next bytes start, if a blank line arrived.
    private func headEnd(from start: Int) -> (head: Int, next: Int)? {
        var index = start
        while index < pending.count {
            if pending[index] == 0x0A {
                if index + 1 < pending.count, pending[index + 1] == 0x0A { return (index, index + 2) }
                if index + 2 < pending.count, pending[index + 1] == 0x0D, pending[index + 2] == 0x0A { return (index, index + 3) }
            }
            index += 1
        }
        return nil
    }

    /// Reads and drops `count` body bytes.
    private func discard(_ count: Int) -> Bool {
        var remaining = count
        while true {
            let taken = min(remaining, pending.count)
            pending.removeFirst(taken)
            remaining -= taken
            if remaining == 0 { return true }
            guard receive() > 0 else { return false }
        }
    }

    /// Appends what the socket has to `pending`; the byte count, 0 at end of stream, -1 on error.
    @discardableResult
    private func receive() -> Int {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0, errno == EINTR { continue }
            if count > 0 { pending.append(contentsOf: chunk[..<count]) }
            return count
        }
    }

    /// Writes all of `bytes`; false when the peer is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Writes all of `bytes`; false when the peer is gone.
    @discardableResult
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = send(socket, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Writes a complete response; HEAD requests get the head alone.
    @discardableResult
    func write(_ response: Response, for request: Request?, keepAlive: Bool) -> Bool {
        var headers = response.headers
        if !response.hasNoBody { headers.append(("Content-Length", String(response.body.count))) }
        headers.append(("Connection", keepAlive ? "keep-alive" : "close"))
        var bytes = responseHead(status: response.status, headers: headers)
        if request?.method != "HEAD", !response.hasNoBody { bytes += response.body }
        return write(bytes)
    }

    /// Blocks until everything written has been acknowledged by the peer
    /// (Linux SIOCOUTQ), so a reset that follows discards nothing already sent.
    /// Gives up after `limitMilliseconds`.
    func waitUntilSent(limitMilliseconds: Int = 5000) {
        let siocoutq: UInt = 0x5411  // TIOCOUTQ, which Linux TCP answers as SIOCOUTQ (tcp(7)).
        for _ in 0..<limitMilliseconds {
            var unsent: Int32 = 0
            guard ioctl(socket, siocoutq, &unsent) == 0, unsent > 0 else { return }
            usleep(1000)
        }
    }

    /// Blocks until the peer closes or the connection fails, discarding what it sends.
    func waitForPeerClose() {
        while receive() > 0 { pending.removeAll(keepingCapacity: true) }
    }

    /// Ends the connection with a TCP RST: SO_LINGER with a zero timeout makes
    /// close(2) abort the connection instead of sending FIN (socket(7)).
    func reset() {
        guard !isClosed else { return }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        isClosed = true
        Glibc.close(socket)
    }

    /// Ends the connection gracefully: FIN first, then unread input is drained
    /// for a moment so that closing does not turn into a reset (RFC 9112 section 9.6).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        shutdown(socket, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 4096)
        while recv(socket, &chunk, chunk.count, 0) > 0 {}
        Glibc.close(socket)
    }
}
