#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The server's listening socket and its live connections, so that control
/// routes can make it stop accepting or restart on the same port mid-run,
/// as a server being shut down or redeployed does.
final class Lifecycle: Sendable {
    /// The listening socket; -1 once the server stopped accepting.
    private let listening: Mutex<Int32>
    /// Live connections by socket, and whether each is idle (between requests).
    private let connections = Mutex<[Int32: Bool]>([:])
    /// Set when the server stopped accepting: connections close after their response.
    private let stopped = Atomic<Bool>(false)

    init(listener: Int32) {
        listening = Mutex(listener)
    }

    /// The socket to accept on, -1 after a stop.
    var listener: Int32 { listening.withLock { $0 } }

    /// Whether responses may keep their connection alive.
    var isAccepting: Bool { !stopped.load(ordering: .relaxed) }

    /// Called by the accept loop when accept(2) failed on `socket`: a socket a
    /// stop or restart shut down is closed here, by the only thread that uses it.
    func acceptFailed(on socket: Int32) -> Bool {
        guard errno == EINVAL, listener != socket else { return false }
        Glibc.close(socket)
        return true
    }

    func register(_ socket: Int32) { connections.withLock { $0[socket] = true } }

    /// Marks a connection idle (waiting for a request) or busy (answering one).
    func mark(_ socket: Int32, idle: Bool) { connections.withLock { $0[socket] = idle } }

    /// Forgets a connection; called before its socket is closed, so a stop never
    /// shuts down a socket number the kernel has given to someone else.
    func unregister(_ socket: Int32) { connections.withLock { _ = $0.removeValue(forKey: socket) } }

    /// Stops accepting, as a graceful shutdown does (nginx -s quit): the listening
    /// socket closes (new connections are refused), idle keep-alive connections
    /// are closed, and requests in progress finish, their connections closing after.
    func stopAccepting(except control: Int32) {
        stopped.store(true, ordering: .relaxed)
        let old = listening.withLock { socket in
            defer { socket = -1 }
            return socket
        }
        // shutdown(2) wakes the accept loop (EINVAL), which closes the socket itself.
        shutdown(old, Int32(SHUT_RDWR))
        closeConnections(idleOnly: true, except: control)
    }

    /// Restarts on the same port, as a redeployed server does: the old listening
    /// socket goes, a new one listens, and only then every connection but
    /// `control` is closed (FIN), in progress or idle, so a client retrying
    /// after losing its connection finds the new listener already there.
    func restart(port: Int, except control: Int32) throws {
        let old = listening.withLock { $0 }
        shutdown(old, Int32(SHUT_RDWR))
        let fresh = try makeListener(port: port)
        listening.withLock { $0 = fresh }
        stopped.store(false, ordering: .relaxed)
        closeConnections(idleOnly: false, except: control)
    }

    private func closeConnections(idleOnly: Bool, except control: Int32) {
        connections.withLock { connections in
            for (socket, idle) in connections where socket != control && (idle || !idleOnly) {
                // The owning thread's recv(2) or send(2) then fails, and it closes the socket.
                shutdown(socket, Int32(SHUT_RDWR))
            }
        }
    }
}

/// A socket listening on 127.0.0.1:`port` (0: the OS picks one), with SO_REUSEADDR
/// so a restart can bind the port its old connections still use.
func makeListener(port: Int) throws -> Int32 {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard listener >= 0 else { throw ServerError("socket", errno) }
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else {
        let code = errno
        close(listener)
        throw ServerError("bind 127.0.0.1:\(port)", code)
    }
    guard listen(listener, FixtureServer.backlog) == 0 else {
        let code = errno
        close(listener)
        throw ServerError("listen", code)
    }
    return listener
}

/// The port a socket is bound to.
func boundPort(_ socket: Int32) -> Int {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

extension FixtureServer {
    /// The lifecycle routes, which need the connection they arrive on; nil for every other path.
    func control(_ request: Request, on connection: Connection) -> Reply? {
        switch request.path {
        case "/_stop-accepting":
            lifecycle.stopAccepting(except: connection.socket)
            return .response(Response(status: 200, contentType: "application/json", text: "{\"accepting\":false}\n"))
        case "/_restart":
            do {
                try lifecycle.restart(port: port, except: connection.socket)
            } catch {
                return .response(Response(status: 500, text: "restart failed: \(error)\n"))
            }
            return .response(Response(status: 200, contentType: "application/json", text: "{\"restarted\":true}\n"))
        default:
            return nil
        }
    }
}
