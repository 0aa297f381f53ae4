import Foundation

/// A running `acrawl-fixture` on 127.0.0.1, started for one test.
///
/// The server prints its port as its first stdout line and exits when its
/// stdin closes, so a test that crashes leaves nothing running.
public final class Fixture: @unchecked Sendable {
    /// The port the OS picked.
    public let port: Int
    private let process: Process
    private let stdinPipe: Pipe
    /// After `stopAccepting()`: the kept-alive connection the server still answers on.
    private var control: RawConnection?

    /// Starts the server and waits for its port line.
    public init(arguments: [String] = []) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltTools.path("acrawl-fixture"))
        process.arguments = arguments
        stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        try startWithNoSignalBlocked(process)
        var line = Data()
        let reader = stdoutPipe.fileHandleForReading
        while let byte = try reader.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw FixtureError("acrawl-fixture printed no port (got \(String(decoding: line, as: UTF8.self)))")
        }
        self.port = port
    }

    deinit { stop() }

    /// The server's process id, for looking at /proc.
    public var pid: Int32 { process.processIdentifier }

    /// `http://127.0.0.1:PORT` followed by `path`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Stops the server (closing its stdin) and waits for it.
    public func stop() {
        guard process.isRunning else { return }
        try? stdinPipe.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    /// The server's request log: one object per request it received, in order
    /// (`t_ms`, `host`, `method`, `path` with query, `headers`).
    public func requestLog() throws -> [[String: Any]] {
        let data = try control.map { Data(try $0.keptAliveGet("/_log").body) } ?? httpGet(port: port, path: "/_log").body
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Makes the server stop accepting for good, as a graceful shutdown does
    /// (`/_stop-accepting`): new connections are refused, idle ones closed,
    /// requests in progress finish. `requestLog()` still works afterwards.
    public func stopAccepting() throws {
        let connection = try RawConnection(port: port)
        let reply = try connection.keptAliveGet("/_stop-accepting")
        guard reply.status == 200 else { throw FixtureError("/_stop-accepting answered \(reply.status)") }
        control = connection
    }

    /// Restarts the server on the same port (`/_restart`): a new listening socket,
    /// then every connection closed, in progress or idle; the log stays.
    public func restart() throws {
        let reply = try httpGet(port: port, path: "/_restart")
        guard reply.status == 200 else { throw FixtureError("/_restart answered \(reply.status)") }
    }

    /// The logged requests whose path (with query) starts with `prefix`.
    public func requests(withPrefix prefix: String) throws -> [[String: Any]] {
        try requestLog().filter { ($0["path"] as? String)?.hasPrefix(prefix) == true }
    }
}

/// A fixture that could not be started.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension RawConnection {
    /// Sends a GET that keeps the connection alive and reads its response.
    func keptAliveGet(_ path: String) throws -> HTTPMessage {
        try send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return try readResponse()
    }
}
