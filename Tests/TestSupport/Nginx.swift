import Foundation

/// nginx on 127.0.0.1 speaking HTTPS with HTTP/2 (ALPN h2, and http/1.1 for clients that ask),
/// with a fresh self-signed certificate: the fixture server speaks HTTP/1.1 only, and libcurl
/// offers HTTP/2 only over TLS. One process (`master_process off`), stopped with the test.
public final class NginxServer {
    /// The HTTPS port.
    public let port: Int
    /// The served root (files the test writes) and nginx's own files.
    public let root: String
    private let directory: String
    private let process: StreamingTool

    /// Starts nginx with `locations` (nginx `location` blocks) in its one server block.
    public init(locations: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)").path
        root = directory + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let certificate = try runShell("""
            openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \\
              -keyout '\(directory)/key.pem' -out '\(directory)/cert.pem' 2>&1
            """)
        guard certificate.status == 0 else { throw FixtureError("openssl: \(String(decoding: certificate.stdout, as: UTF8.self))") }
        var attempt = 0
        while true {
            let port = try unusedLoopbackPort()
            try Self.configuration(directory: directory, root: root, port: port, locations: locations)
                .write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
            let process = try StreamingTool(executable: "/usr/sbin/nginx",
                                            arguments: ["-c", directory + "/nginx.conf", "-p", directory, "-e", directory + "/error.log"],
                                            environment: nil)
            // Ready once it accepts; a port taken meanwhile ends nginx at once, so try another.
            var accepting = false
            try waitUntil { accepting = (try? RawConnection(port: port)) != nil; return accepting || !process.isRunning }
            if accepting {
                self.port = port
                self.process = process
                return
            }
            attempt += 1
            let error = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
            guard attempt < 3 else { throw FixtureError("nginx did not start: \(error)") }
        }
    }

    deinit { stop() }

    /// `https://127.0.0.1:PORT` + `path`.
    public func url(_ path: String) -> String { "https://127.0.0.1:\(port)\(path)" }

    /// Writes `text` to `path` under the served root.
    public func serve(_ text: String, at path: String) throws {
        let file = root + path
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// The requests nginx has logged: when each ended (seconds), the protocol, the path and the status.
    public func requests() -> [(time: Double, protocolName: String, path: String, status: Int)] {
        let log = (try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 4, let time = Double(fields[0]), let status = Int(fields[3]) else { return nil }
            return (time, fields[1], fields[2], status)
        }
    }

    /// Stops nginx and removes its files.
    public func stop() {
        process.killGroup()
        _ = process.finish()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func configuration(directory: String, root: String, port: Int, locations: String) -> String {
        """
        daemon off;
        master_process off;
        pid \(directory)/nginx.pid;
        error_log \(directory)/error.log;
        events { worker_connections 256; }
        http {
            log_format plain '$msec $server_protocol $uri $status';
            access_log \(directory)/access.log plain;
            client_body_temp_path \(directory);
            proxy_temp_path \(directory);
            fastcgi_temp_path \(directory);
            uwsgi_temp_path \(directory);
            scgi_temp_path \(directory);
            types { text/html html; text/plain txt; }
            server {
                listen 127.0.0.1:\(port) ssl http2;
                ssl_certificate \(directory)/cert.pem;
                ssl_certificate_key \(directory)/key.pem;
                root \(root);
                \(locations)
            }
        }
        """
    }
}

/// A loopback port nothing listens on now: one the kernel just handed out to a socket bound
/// to port 0, and took back when it closed.
public func unusedLoopbackPort() throws -> Int {
    let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard probe >= 0 else { throw FixtureError("socket: errno \(errno)") }
    defer { close(probe) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(probe, $0, length) == 0 && getsockname(probe, $0, &length) == 0
        }
    }
    guard bound else { throw FixtureError("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
