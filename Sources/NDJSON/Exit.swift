#if canImport(Glibc)
import Glibc
#endif

/// Ends the process with `status` after flushing standard output.
public func exitProcess(_ status: Int32) -> Never {
    OutputWriter.standardOutput.flush()
    exit(status)
}
