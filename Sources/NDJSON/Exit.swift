#if canImport(Glibc)
import Glibc
#endif

/// Ends the process with `status` after flushing standard output. On a thread that
/// startThread started, which must not touch standard output (the main thread may be
/// writing it), the thread's own way of ending the process is taken instead.
public func exitProcess(_ status: Int32) -> Never {
    if isStartedThread { endProcessFromStartedThread(status) }
    OutputWriter.standardOutput.flush()
    exit(status)
}
