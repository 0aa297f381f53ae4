#if canImport(Glibc)
import Glibc
#endif
import NDJSON

/// `--seen FILE`: dedupe keys that outlive the run, one a line.
///
/// The file is read whole at start. New keys are queued and appended with
/// O_APPEND, whole lines in one write(2), so two afilter processes appending
/// to one file never tear or interleave each other's lines. After each
/// append the lines other processes appended meanwhile are read too, so
/// concurrent runs also learn each other's keys as they go.
final class SeenFile {
    private let path: String
    private let descriptor: Int32
    /// Keys appended by us and not yet written.
    private var pending: [UInt8] = []
    /// The file offset up to which lines were read.
    private var readOffset: off_t = 0
    /// A chunk of the file being read.
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)
    /// Bytes of an unterminated last line kept until its `\n` arrives.
    private var partial: [UInt8] = []

    /// Queued bytes beyond which `flush` is due.
    static let flushThreshold = 1 << 16

    /// Opens (creating it if needed) the file at `path`.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw InputError("\(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(descriptor) }

    /// Calls `visit` with each complete line appended since the last call
    /// (the whole file the first time). With `final`, an unterminated last line
    /// counts too, and is then terminated so the next append starts a new line.
    func readNewLines(includingUnterminated final: Bool = false, _ visit: (UnsafeBufferPointer<UInt8>) -> Void) throws {
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, readOffset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError("\(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            readOffset += off_t(count)
            chunk.withUnsafeBufferPointer { buffer in
                var lineStart = 0
                for k in 0..<count where buffer[k] == 0x0A {
                    if partial.isEmpty {
                        visit(UnsafeBufferPointer(rebasing: buffer[lineStart..<k]))
                    } else {
                        partial.append(contentsOf: buffer[lineStart..<k])
                        partial.withUnsafeBufferPointer { visit($0) }
                        partial.removeAll(keepingCapacity: true)
                    }
                    lineStart = k + 1
                }
                partial.append(contentsOf: buffer[lineStart..<count])
            }
        }
        if final && !partial.isEmpty {
            partial.withUnsafeBufferPointer { visit($0) }
            partial.removeAll()
            pending.append(0x0A)
        }
    }

    /// Queues one key for appending.
    func append(_ key: UnsafeBufferPointer<UInt8>) {
        pending.append(contentsOf: key)
        pending.append(0x0A)
    }

    /// True when enough is queued that `flush` is due.
    var isFlushDue: Bool { pending.count >= SeenFile.flushThreshold }

    /// Appends the queued keys in one write(2).
    func flush() throws {
        guard !pending.isEmpty else { return }
        try pending.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written >= 0 { offset += written; continue }
                if errno == EINTR { continue }
                throw InputError("\(path): cannot append: \(String(cString: strerror(errno)))")
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}
