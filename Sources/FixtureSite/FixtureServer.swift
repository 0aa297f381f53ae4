#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The fixture HTTP/1.1 server: a plain POSIX listening socket on 127.0.0.1
/// and one thread per connection, so fault routes control every byte
/// (resets, truncations, drips) without an event loop in the way.
public final class FixtureServer: Sendable {
    /// The port it listens on (the OS picks one when asked for 0).
    public let port: Int
    /// The generated site it serves.
    public let site: Site
    let state = ServerState()
    let compressedZeros = CompressedZerosCache()
    private let listener: Int32

    /// How many connections may wait to be accepted (listen(2)); the kernel caps it at somaxconn.
    static let backlog: Int32 = 1024

    /// Binds 127.0.0.1:`port` (0: the OS picks one) and starts listening.
    public init(port: Int = 0, pages: Int = 2000) throws {
        site = Site(pages: pages)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
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
        guard bound == 0 else { throw ServerError("bind 127.0.0.1:\(port)", errno) }
        guard listen(listener, Self.backlog) == 0 else { throw ServerError("listen", errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        signal(SIGPIPE, SIG_IGN)
    }

    /// Accepts connections forever, each served on its own thread.
    public func serve() -> Never {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                // EMFILE and friends pass; wait a moment rather than spin.
                if errno != EINTR { usleep(10_000) }
                continue
            }
            let thread = Thread { [self] in self.handle(Connection(socket: client)) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Accepts connections on a background thread and returns.
    public func start() {
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// Serves requests on one connection until either side ends it.
    private func handle(_ connection: Connection) {
        while true {
            switch connection.readRequest() {
            case .closed:
                connection.close()
                return
            case .malformed(let status):
                connection.write(Response(status: status, text: "bad request\n"), for: nil, keepAlive: false)
                connection.close()
                return
            case .request(let request):
                state.record(request, at: monotonicNanoseconds())
                switch route(request) {
                case .response(let response):
                    let keepAlive = request.keepsAlive
                    guard connection.write(response, for: request, keepAlive: keepAlive), keepAlive else {
                        connection.close()
                        return
                    }
                case .takeOver(let handler):
                    handler(connection)
                    connection.close()
                    return
                }
            }
        }
    }

    /// Ends the process with status 0 on SIGTERM and SIGINT, and when standard
    /// input reaches end of file (read on a watcher thread), so a test that
    /// dies without stopping its server leaves nothing running.
    /// Call it before announcing the port, so a signal sent right after the
    /// announcement finds the handlers in place.
    public static func exitOnTerminationOrEndOfInput() {
        signal(SIGTERM) { _ in _exit(0) }
        signal(SIGINT) { _ in _exit(0) }
        // A parent may have spawned us with these blocked (a signal mask is inherited across exec).
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        let watcher = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(0, &byte, 1)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { _exit(0) }
            }
        }
        watcher.start()
    }
}

/// A system call that failed while setting up the server.
public struct ServerError: Error, CustomStringConvertible {
    public let description: String

    init(_ call: String, _ code: Int32) {
        description = "\(call): \(String(cString: strerror(code)))"
    }
}
