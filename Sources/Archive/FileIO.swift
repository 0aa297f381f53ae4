#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a file, with what was being done and errno's text.
public struct ArchiveError: Error, CustomStringConvertible, Sendable {
    /// The call that failed, e.g. `open`, `write`, `rename`.
    public let operation: String
    /// The file it was called on.
    public let path: String
    /// The errno it set.
    public let code: Int32

    /// `rename /bodies/ab/.tmp-1-2 -> ...: No space left on device`.
    public var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }

    init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }
}

/// The POSIX calls the archive writers need, with errno turned into `ArchiveError`.
enum FileIO {
    /// Writes all of `bytes` to `descriptor`, retrying short writes and EINTR.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ArchiveError("write", path)
            }
            offset += written
        }
    }

    /// Writes all of `bytes` to `descriptor`.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, path: path) }
    }

    /// `mkdir -p path`.
    static func makeDirectories(_ path: String) throws {
        if path.isEmpty || isDirectory(path) { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw ArchiveError("mkdir", path)
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The size of the file at `path`, or nil when there is none.
    static func size(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// fsync on a directory, so that a rename in it survives a power loss (see fsync(2): syncing
    /// a file does not sync the directory entry that names it).
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError("open", path) }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 && errno != EINVAL { throw ArchiveError("fsync", path) }
    }

    /// Random lower-case hex, for names no other writer picks.
    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return DigestEncoding.hex((0..<count).map { _ in generator.next() })
    }
}
