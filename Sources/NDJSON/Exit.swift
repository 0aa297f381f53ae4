#if canImport(Glibc)
import Glibc
#endif

/// Ends the process with `status` after flushing standard output. On a thread that
/// startThread started, it ends the process at once (no flush, no exit handlers): the main
/// thread may be writing standard output at that moment, so the records it still holds are
/// lost rather than raced for.
public func exitProcess(_ status: Int32) -> Never {
    if isStartedThread { _exit(status) }
    OutputWriter.standardOutput.flush()
    exit(status)
}
