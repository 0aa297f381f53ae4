#if canImport(Glibc)
import Glibc
#endif

extension Site {
    /// Writes the main site as files under `directory` (`index.html`,
    /// `p/N.html`, and the `img/N.png` its pages link to), so a static server
    /// such as nginx serves the same pages. Absolute links carry `host` (a
    /// Host header value: `site.test` or `site.test:8080`).
    public func dump(to directory: String, host: String = "site.test") throws {
        for folder in [directory, directory + "/p", directory + "/img"] {
            guard mkdir(folder, 0o755) == 0 || errno == EEXIST else { throw ServerError("mkdir \(folder)", errno) }
        }
        try write(response(host: host, path: "/").body, to: directory + "/index.html")
        for page in 0..<pages {
            try write(response(host: host, path: "/p/\(page).html").body, to: directory + "/p/\(page).html")
            if page % 7 == 0 { try write(Site.png, to: directory + "/img/\(page).png") }
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw ServerError("open \(path)", errno) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw ServerError("write \(path)", errno) }
            offset += written
        }
    }
}
