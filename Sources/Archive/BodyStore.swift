#if canImport(Glibc)
import Glibc
#endif

/// Stores response bodies in a directory by content: `DIR/<first 2 hex digits>/<sha256 hex>`.
///
/// Identical bodies are stored once. A body appears under its final name only complete: it is
/// written to a temporary file in the same directory (named `.tmp-...`, which is never a
/// SHA-256 name), synced, then renamed, which is atomic within one file system (rename(2)).
/// A crash leaves at most a stray `.tmp-` file, never a partial body under a final name, so an
/// existing final name always holds the whole body and is not rewritten.
///
/// Safe to use from several threads and processes at once: concurrent stores of one body each
/// write their own temporary file and the renames replace identical content.
public struct BodyStore: Sendable {
    /// The directory the bodies go under; created on first use.
    public let directory: String

    /// A store rooted at `directory` (relative paths are relative to the working directory, and
    /// returned paths keep that form).
    public init(directory: String) {
        self.directory = directory
    }

    /// Stores `body` unless a body with its digest is already there.
    /// - Returns: the file's path (`directory` + `/ab/abcdef...`) and the lower-case hex SHA-256.
    public func store(_ body: [UInt8]) throws -> (path: String, sha256: String) {
        let sha256 = DigestEncoding.hex(SHA256.digest(body))
        let (folder, path) = location(of: sha256)
        if FileIO.exists(path) { return (path, sha256) }
        try FileIO.makeDirectories(folder)
        let temporary = try writeTemporary(body, in: folder)
        do {
            // A concurrent store of the same body may have renamed first; replacing its file with
            // identical bytes is harmless, and rename never exposes a partial file.
            if rename(temporary, path) != 0 { throw ArchiveError("rename", temporary) }
            try FileIO.syncDirectory(folder)
        } catch {
            unlink(temporary)
            throw error
        }
        return (path, sha256)
    }

    /// The folder and final path for a hex digest.
    func location(of sha256: String) -> (folder: String, path: String) {
        let folder = directory + "/" + String(sha256.prefix(2))
        return (folder, folder + "/" + sha256)
    }

    /// Writes `body` to a new temporary file in `folder` and syncs it: the part of `store` that a
    /// crash may interrupt. Returns the temporary file's path.
    func writeTemporary(_ body: [UInt8], in folder: String) throws -> String {
        let temporary = folder + "/.tmp-\(getpid())-" + FileIO.randomHex(bytes: 8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ArchiveError("open", temporary) }
        var failure: (any Error)?
        do {
            try FileIO.writeAll(descriptor, body, path: temporary)
            if fsync(descriptor) != 0 { failure = ArchiveError("fsync", temporary) }
        } catch {
            failure = error
        }
        if close(descriptor) != 0, failure == nil { failure = ArchiveError("close", temporary) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        return temporary
    }
}
