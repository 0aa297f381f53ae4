#if canImport(Glibc)
import Glibc
import NDJSON
#endif

/// The write end of the self-pipe the signal handler writes to (async-signal-safe).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// SIGINT and SIGTERM turned into bytes on a pipe, so the event loop sees them
/// in the same poll as its sockets (the self-pipe trick).
struct SignalWatcher {
    /// The read end, to poll.
    let fileDescriptor: Int32

    init() {
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        for end in ends { _ = fcntl(end, F_SETFL, O_NONBLOCK); _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        fileDescriptor = ends[0]
        signalPipeWriteEnd = ends[1]
        Interruption.unblockStopSignals()
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    /// The signals received since the last call, in order.
    func received() -> [Int32] {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = read(fileDescriptor, &bytes, bytes.count)
        return count > 0 ? bytes[0..<count].map { Int32($0) } : []
    }
}
