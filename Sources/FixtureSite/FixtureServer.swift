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
    /// The listening socket and the live connections, for /_stop-accepting and /_restart.
    let lifecycle: Lifecycle

    /// How many connections may wait to be accepted (listen(2)); the kernel caps it at somaxconn.
    static let backlog: Int32 = 1024

    /// Binds 127.0.0.1:`port` (0: the OS picks one) and starts listening.
    public init(port: Int = 0, pages: Int = 2000) throws {
        site = Site(pages: pages)
        let listener = try makeListener(port: port)
        lifecycle = Lifecycle(listener: listener)
        self.port = boundPort(listener)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Accepts connections forever, each served on its own thread.
    public func serve() -> Never {
        while true {
            let listener = lifecycle.listener
            // After /_stop-accepting nothing is accepted again; the process ends as usual.
            guard listener >= 0 else { sleep(1); continue }
            let client = accept(listener, nil, nil)
            if client < 0 {
                // A stop or restart shut the socket down: take the new one at once.
                if lifecycle.acceptFailed(on: listener) { continue }
                // EMFILE and friends pass; wait a moment rather than spin.
                if errno != EINTR { usleep(10_000) }
                continue
            }
            lifecycle.register(client)
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
        serveRequests(on: connection)
        // Forgotten before its socket closes, so a stop never shuts down a reused socket number.
        lifecycle.unregister(connection.socket)
        connection.close()
    }

    private func serveRequests(on connection: Connection) {
        while true {
            lifecycle.mark(connection.socket, idle: true)
            switch connection.readRequest() {
            case .closed:
                return
            case .malformed(let status):
                connection.write(Response(status: status, text: "bad request\n"), for: nil, keepAlive: false)
                return
            case .request(let request):
                lifecycle.mark(connection.socket, idle: false)
                state.record(request, at: monotonicNanoseconds())
                switch control(request, on: connection) ?? route(request) {
                case .response(let response):
                    // A server that stopped accepting closes each connection after its response;
                    // its own control routes (/_...) keep theirs, so a test can still read the log.
                    let keepAlive = request.keepsAlive && (lifecycle.isAccepting || request.path.hasPrefix("/_"))
                    guard connection.write(response, for: request, keepAlive: keepAlive), keepAlive else { return }
                case .takeOver(let handler):
                    handler(connection)
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
