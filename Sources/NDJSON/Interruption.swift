#if canImport(Glibc)
import Glibc
#endif

/// The first SIGINT or SIGTERM caught, 0 before one arrives.
nonisolated(unsafe) private var firstSignal: Int32 = 0
/// How many SIGINT and SIGTERM were caught.
nonisolated(unsafe) private var signalCount: Int32 = 0
/// The self-pipe the handler writes to: read end for `poll`, write end for the handler; -1 until armed.
nonisolated(unsafe) private var interruptionPipe: (read: Int32, write: Int32) = (-1, -1)

/// SIGINT and SIGTERM for a filter that reads lines (DESIGN.md section 3: stop
/// taking input, finish what was read, flush, exit).
///
/// Once `catchSignals()` has run, `LineReader` reacts to them:
/// - On the first signal, input from a pipe or socket is read on to its end:
///   in a pipeline every command gets the signal, so upstream ends the input
///   soon, and what it still writes (afetch's cancelled records, the records
///   it had not flushed) is not lost between two tools. Input from a file or a
///   terminal stops at once.
/// - A second signal stops any input at once.
/// Stopping hands out the whole lines already read and drops an unfinished
/// last one (never cut in two), then `next()` returns nil as at end of input.
/// The tool then flushes and exits with `128 + the first signal` (130, 143).
/// A third signal ends the process at once, for a tool stuck writing to a
/// stalled pipe.
///
/// The handler writes a byte to a pipe that `LineReader` polls beside its
/// input (the self-pipe trick), so a signal that lands between a check and a
/// read cannot be missed.
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
                if signalCount >= 2 { _exit(128 + firstSignal) }
                if signalCount == 0 { firstSignal = number }
                signalCount += 1
                var byte: UInt8 = 1
                _ = write(interruptionPipe.write, &byte, 1)
            }
            // Each handler blocks the other, so they never run nested.
            sigemptyset(&action.sa_mask)
            sigaddset(&action.sa_mask, SIGINT)
            sigaddset(&action.sa_mask, SIGTERM)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        unblockStopSignals()
    }

    /// Unblocks SIGINT and SIGTERM for the calling thread (the main one, before any other
    /// starts): a parent may hand down a mask that blocks them (test runners and some
    /// supervisors do), and they would never arrive.
    public static func unblockStopSignals() {
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// The signal that interrupted the run, or nil.
    public static var signal: Int32? { firstSignal == 0 ? nil : firstSignal }

    /// Whether `catchSignals()` has run.
    static var isCatching: Bool { interruptionPipe.read >= 0 }

    /// Whether reading `fd` must stop now: after a second signal, or after the
    /// first when `fd` is not a pipe or socket that upstream will end.
    static func shouldStop(reading fd: Int32) -> Bool {
        if signalCount >= 2 { return true }
        guard signalCount == 1 else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return true }
        let type = info.st_mode & S_IFMT
        return type != S_IFIFO && type != S_IFSOCK
    }

    /// What waiting for input came to. `timedOut`: the time limit passed, or a signal that
    /// does not stop reading woke the wait early; the caller works out what is left of it.
    public enum Wait { case readable, stop, timedOut }

    /// Waits until `fd` is readable (or at its end), reading it must stop, or `timeoutMs`
    /// milliseconds pass (-1: no limit). Before `catchSignals()`, only `fd` is watched.
    public static func waitForInput(_ fd: Int32, timeoutMs: Int32 = -1) -> Wait {
        // poll(2) skips a negative descriptor: the pipe before it is made.
        var descriptors = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: interruptionPipe.read, events: Int16(POLLIN), revents: 0)]
        while true {
            if shouldStop(reading: fd) { return .stop }
            let ready = poll(&descriptors, 2, timeoutMs)
            if ready == 0 { return .timedOut }
            let signalled = ready < 0 ? errno == EINTR : descriptors[1].revents != 0
            // Readable, hung up or in error on the input: let read(2) tell which.
            guard signalled else { return shouldStop(reading: fd) ? .stop : .readable }
            if ready > 0 {
                // Empty the pipe, or poll would return at once from now on.
                var bytes = [UInt8](repeating: 0, count: 16)
                _ = read(interruptionPipe.read, &bytes, bytes.count)
            }
            if timeoutMs >= 0 && !shouldStop(reading: fd) { return .timedOut }
        }
    }
}
