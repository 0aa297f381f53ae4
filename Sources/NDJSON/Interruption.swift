#if canImport(Glibc)
import Glibc
#endif

/// The first SIGINT or SIGTERM caught, 0 before one arrives.
nonisolated(unsafe) private var firstSignal: Int32 = 0
/// The self-pipe the handler writes to: read end for `poll`, write end for the handler; -1 until armed.
nonisolated(unsafe) private var interruptionPipe: (read: Int32, write: Int32) = (-1, -1)

/// SIGINT and SIGTERM for a filter that reads lines (DESIGN.md section 3: stop
/// taking input, finish what was read, flush, exit).
///
/// Once `catchSignals()` has run, the first signal makes every `LineReader`
/// stop reading: the whole lines it already holds are still handed out, an
/// unfinished last line is dropped, then `next()` returns nil as at end of
/// input. The tool then flushes and exits with `128 + signal` (130, 143), as a
/// shell reports a process killed by the signal. A second signal ends the
/// process at once with that status, for a tool stuck writing to a stalled pipe.
///
/// The handler writes a byte to a pipe that `LineReader` polls beside its
/// input (the self-pipe trick), so a signal that lands between the check and
/// the read cannot be missed.
public enum Interruption {
    /// Installs the handlers; call once, before reading.
    public static func catchSignals() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        for end in ends { _ = fcntl(end, F_SETFL, O_NONBLOCK); _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        interruptionPipe = (ends[0], ends[1])
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                if firstSignal != 0 { _exit(128 + firstSignal) }
                firstSignal = number
                var byte: UInt8 = 1
                _ = write(interruptionPipe.write, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        // A parent may hand down a mask that blocks these (test runners and
        // some supervisors do): unblock them, or they would never arrive.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// The signal that interrupted the run, or nil.
    public static var signal: Int32? { firstSignal == 0 ? nil : firstSignal }

    /// The pipe to poll beside an input, or nil when signals are not caught.
    static var watchDescriptor: Int32? { interruptionPipe.read >= 0 ? interruptionPipe.read : nil }

    /// Waits until `fd` is readable or a signal was caught; true when the signal came.
    static func waitForInput(_ fd: Int32, watching pipe: Int32) -> Bool {
        var descriptors = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: pipe, events: Int16(POLLIN), revents: 0)]
        while true {
            if firstSignal != 0 { return true }
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            // Readable, hung up or in error on the input: let read(2) tell which.
            return firstSignal != 0
        }
    }
}
