#if canImport(Glibc)
import Glibc
#endif

/// The one writer of a process's standard output (or of any file descriptor).
///
/// Block-buffered into pipes and files, line-buffered on a terminal so people
/// see records as they come. A closed pipe downstream (`| head -1`) ends the
/// process quietly with status 0, the way `cat` and ripgrep behave; any other
/// write error is fatal with one line on stderr and status 1.
public final class OutputWriter {
    /// The descriptor written to.
    public let fileDescriptor: Int32
    /// When true, every `endRecord()` flushes.
    public let lineBuffered: Bool
    private var buffer: [UInt8] = []
    private let capacity: Int

    /// Standard output, buffered according to whether it is a terminal.
    nonisolated(unsafe) public static let standardOutput = OutputWriter(fileDescriptor: 1)

    public init(fileDescriptor: Int32, lineBuffered: Bool? = nil, capacity: Int = 1 << 16) {
        self.fileDescriptor = fileDescriptor
        self.lineBuffered = lineBuffered ?? (isatty(fileDescriptor) == 1)
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
        // A closed pipe must surface as EPIPE from write(2), not kill the process.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Queues bytes for output.
    @inline(__always)
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        if buffer.count + bytes.count > capacity { flush() }
        if bytes.count >= capacity {
            writeAll(UnsafeRawBufferPointer(bytes))
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    /// Queues one line and its `\n`.
    @inline(__always)
    public func writeLine(_ line: UnsafeBufferPointer<UInt8>) {
        write(line)
        buffer.append(0x0A)
        endRecord()
    }

    /// Marks the end of a record: flushes when line-buffered.
    @inline(__always)
    public func endRecord() {
        if lineBuffered || buffer.count >= capacity { flush() }
    }

    /// Writes out everything queued.
    public func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written >= 0 { offset += written; continue }
            if errno == EINTR { continue }
            if errno == EPIPE { _exit(0) }
            let reason = String(cString: strerror(errno))
            writeToStandardError("error: cannot write output: \(reason)\n")
            _exit(1)
        }
    }
}
