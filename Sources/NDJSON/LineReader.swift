#if canImport(Glibc)
import Glibc
#endif

/// An error reading input: the file could not be opened or a read failed.
public struct InputError: Error, CustomStringConvertible {
    /// What failed, with the system's reason.
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Reads newline-delimited lines from a file descriptor in large chunks.
///
/// `next()` hands out each line as a pointer into the reader's own buffer,
/// without copying: the line is valid until the following call. A trailing
/// `\r` is removed (CRLF input), a last line without `\n` is still a line,
/// and a line longer than the chunk size grows the buffer as far as needed.
public final class LineReader {
    /// The file descriptor read from; closed on deinit only if the reader opened it.
    public let fileDescriptor: Int32
    private let ownsDescriptor: Bool
    private let chunkSize: Int
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes of `buffer` before `start` were already handed out.
    private var start = 0
    /// Bytes of `buffer` from `end` on are not filled yet.
    private var end = 0
    /// Where the search for the next `\n` resumes, so a long line is scanned once.
    private var scanned = 0
    /// True once read(2) returned 0.
    public private(set) var reachedEOF = false
    /// How many lines `next()` has returned: the current line's 1-based number.
    public private(set) var lineNumber = 0
    /// Whether the line handed out last ended with `\n` (false for a cut-off last line).
    public private(set) var lineWasTerminated = true
    /// Called before each read(2), which may block on a slow upstream: a filter
    /// hands on its buffered output there, so no record waits in a buffer while
    /// the filter waits for input (and `| head -1` gets its line at once).
    public var beforeRead: (() -> Void)?
    /// Bytes of an unfinished line dropped when a caught signal stopped reading
    /// (see `Interruption`); 0 otherwise.
    public private(set) var droppedAtInterruption = 0

    /// After a caught SIGINT or SIGTERM (see `Interruption`), the warning every tool gives:
    /// the signal, and how much of an unfinished line was dropped if reading stopped.
    public var interruptionNote: String? {
        guard let signal = Interruption.signal else { return nil }
        let dropped = droppedAtInterruption
        return "interrupted by signal \(signal)" + (dropped > 0 ? "; an unfinished line of \(dropped) bytes was dropped" : "")
    }

    /// Reads from `fileDescriptor`, which the caller keeps open.
    public init(fileDescriptor: Int32, chunkSize: Int = 1 << 18) {
        self.fileDescriptor = fileDescriptor
        self.ownsDescriptor = false
        self.chunkSize = chunkSize
        self.capacity = chunkSize * 2
        self.buffer = .allocate(capacity: capacity)
    }

    /// Opens `path` for reading; `-` means standard input.
    public convenience init(path: String, chunkSize: Int = 1 << 18) throws {
        if path == "-" {
            self.init(fileDescriptor: 0, chunkSize: chunkSize)
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError("\(path): \(String(cString: strerror(errno)))") }
        self.init(ownedDescriptor: fd, chunkSize: chunkSize)
    }

    private init(ownedDescriptor: Int32, chunkSize: Int) {
        self.fileDescriptor = ownedDescriptor
        self.ownsDescriptor = true
        self.chunkSize = chunkSize
        self.capacity = chunkSize * 2
        self.buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        if ownsDescriptor { close(fileDescriptor) }
    }

    /// The next line, reading as much input as it takes; nil at end of input.
    public func next() throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            if let line = nextBuffered() { return line }
            if reachedEOF { return nil }
            try fill()
        }
    }

    /// The next complete line already in the buffer, without reading; after end of
    /// input, the unterminated last line too. Nil when more input is needed.
    public func nextBuffered() -> UnsafeBufferPointer<UInt8>? {
        if let newline = findNewline() {
            lineWasTerminated = true
            return handOut(upTo: newline, consuming: newline + 1)
        }
        if reachedEOF && start < end {
            lineWasTerminated = false
            return handOut(upTo: end, consuming: end)
        }
        return nil
    }

    /// Whether a read(2) now would return at once: input is waiting (always so for a
    /// regular file), or its end. Threaded readers flush and drain only when it would not.
    public var hasInputWaiting: Bool {
        var request = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, 0) > 0
    }

    /// Every complete line already in the buffer as one block, up to and with the last
    /// `\n`; after end of input, the unterminated rest too. Nil when more input is needed.
    /// The block is valid until the next call; its lines are the caller's to split (see
    /// `forEachLine`), and `lineNumber` does not count them.
    public func nextBufferedBlock() -> UnsafeBufferPointer<UInt8>? {
        guard start < end else { return nil }
        // Backwards from the end: only the unfinished last line is looked at, and of a long
        // one only what came since the last look.
        let searched = max(start, scanned)
        var lastNewline = end - 1
        while lastNewline >= searched && buffer[lastNewline] != 0x0A { lastNewline -= 1 }
        let blockEnd: Int
        if lastNewline >= searched {
            blockEnd = lastNewline + 1
        } else if reachedEOF {
            blockEnd = end
        } else {
            scanned = end
            return nil
        }
        let block = UnsafeBufferPointer(start: buffer + start, count: blockEnd - start)
        start = blockEnd
        scanned = blockEnd
        return block
    }

    /// Calls `body` with each line of `block` (from `nextBufferedBlock`) as `next()` would
    /// hand it out: without its `\n` or a `\r` before it, the unterminated last one included.
    /// Returns how many lines there were.
    @discardableResult @inline(__always)
    public static func forEachLine(in block: UnsafeBufferPointer<UInt8>,
                                   _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows -> Int {
        guard let base = block.baseAddress else { return 0 }
        var lines = 0
        var lineStart = 0
        while lineStart < block.count {
            var lineEnd = block.count
            var next = block.count
            if let newline = memchr(base + lineStart, 0x0A, block.count - lineStart) {
                lineEnd = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                next = lineEnd + 1
            }
            var stop = lineEnd
            if stop > lineStart && base[stop - 1] == 0x0D { stop -= 1 }
            try body(UnsafeBufferPointer(start: base + lineStart, count: stop - lineStart))
            lines += 1
            lineStart = next
        }
        return lines
    }

    /// Performs one read(2) into the buffer. Retries on EINTR; a non-blocking
    /// descriptor with nothing to read returns without change. Once
    /// `Interruption.catchSignals()` has run, a caught signal may end input here
    /// instead (see `Interruption`): the unfinished line in the buffer is then
    /// dropped, never handed out cut.
    public func fill() throws {
        beforeRead?()
        if Interruption.isCatching, Interruption.waitForInput(fileDescriptor) == .stop {
            droppedAtInterruption = end - start
            start = end
            scanned = end
            reachedEOF = true
            return
        }
        makeRoom()
        while true {
            let count = read(fileDescriptor, buffer + end, capacity - end)
            if count > 0 { end += count; return }
            if count == 0 { reachedEOF = true; return }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return }
            throw InputError("read error: \(String(cString: strerror(errno)))")
        }
    }

    private func findNewline() -> Int? {
        let from = max(scanned, start)
        guard from < end else { return nil }
        if let hit = memchr(buffer + from, 0x0A, end - from) {
            return buffer.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        scanned = end
        return nil
    }

    private func handOut(upTo lineEnd: Int, consuming next: Int) -> UnsafeBufferPointer<UInt8> {
        var stop = lineEnd
        if stop > start && buffer[stop - 1] == 0x0D { stop -= 1 }
        let line = UnsafeBufferPointer(start: buffer + start, count: stop - start)
        start = next
        scanned = next
        lineNumber += 1
        return line
    }

    /// Moves the unread tail to the front, and doubles the buffer when a single
    /// line fills it, so at least one chunk of space is free for the next read.
    private func makeRoom() {
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(buffer, buffer + start, pending) }
            scanned -= start
            end = pending
            start = 0
        }
        if capacity > chunkSize * 4 && end < chunkSize {
            // A huge line has passed: give its memory back.
            resize(to: chunkSize * 2)
        } else if capacity - end < chunkSize {
            resize(to: capacity * 2)
        }
    }

    private func resize(to newCapacity: Int) {
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: buffer, count: end)
        buffer.deallocate()
        buffer = grown
        capacity = newCapacity
    }
}
