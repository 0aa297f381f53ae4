#if canImport(Glibc)
import Glibc
#endif

/// A POSIX extended regular expression (`regcomp` with `REG_EXTENDED`),
/// compiled once. Matching is on bytes: the tools never call setlocale, so
/// glibc runs in the C locale and `.` matches one byte.
public final class PosixRegex {
    /// The pattern as given.
    public let pattern: String
    private let compiled: UnsafeMutablePointer<regex_t>

    /// Compiles `pattern`; throws with regerror's message when it is invalid.
    public init(_ pattern: String) throws {
        // Nothing is stored before compiling succeeds, so a throw does not run deinit.
        let compiled = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let status = regcomp(compiled, pattern, REG_EXTENDED | REG_NOSUB)
        guard status == 0 else {
            var message = [UInt8](repeating: 0, count: 256)
            message.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { _ = regerror(status, compiled, $0.baseAddress, $0.count) }
            }
            compiled.deallocate()
            let reason = String(decoding: message.prefix { $0 != 0 }, as: UTF8.self)
            throw FilterOptionError("invalid regular expression '\(pattern)': \(reason)")
        }
        self.pattern = pattern
        self.compiled = compiled
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// True when the regex matches somewhere in `text`, a NUL-terminated string.
    public func matches(_ text: UnsafePointer<CChar>) -> Bool {
        regexec(compiled, text, 0, nil, 0) == 0
    }
}
