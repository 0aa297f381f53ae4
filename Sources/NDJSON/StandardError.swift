#if canImport(Glibc)
import Glibc
#endif

/// Writes text to stderr unbuffered, in one write(2) so lines from concurrent
/// writers do not interleave. (Glibc's `stderr` global is not concurrency-safe in Swift 6.)
public func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 { offset += written } else if written < 0 && errno == EINTR { continue } else { return }
        }
    }
}
