import Foundation

/// A process as /proc shows it, told apart from a later one that reuses its id by its start time.
public struct ProcessSnapshot: Sendable, Equatable, CustomStringConvertible {
    public let pid: Int32
    /// The executable's name (`comm`), such as `afetch`.
    public let name: String
    /// Start time in clock ticks after boot (field 22 of /proc/PID/stat).
    public let startTime: UInt64

    /// The process now, or nil when /proc has no such process.
    public init?(pid: Int32) {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state (3), ppid (4), ... starttime (22).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let start = UInt64(fields[19]) else { return nil }
        self.pid = pid
        name = String(stat[stat.index(after: open)..<close])
        startTime = start
    }

    public var description: String { "\(name) (\(pid))" }

    /// True while this very process exists, running or as a zombie not yet reaped.
    public var exists: Bool { ProcessSnapshot(pid: pid)?.startTime == startTime }

    /// True when the process has a handler installed for `signal` (SigCgt in /proc/PID/status):
    /// a test can tell that a tool is ready for a signal before sending it.
    public func catches(_ signal: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
              let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// The number of open file descriptors, from /proc/PID/fd.
    public var openDescriptors: Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}

/// Every process below `pid` (children, their children, ...), from /proc.
public func descendants(of pid: Int32) -> [ProcessSnapshot] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var parents: [Int32: [Int32]] = [:]
    for entry in entries {
        guard let child = Int32(entry),
              let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 1, let parent = Int32(fields[1]) { parents[parent, default: []].append(child) }
    }
    var found: [ProcessSnapshot] = []
    var queue = [pid]
    while let next = queue.popLast() {
        for child in parents[next] ?? [] {
            if let snapshot = ProcessSnapshot(pid: child) { found.append(snapshot) }
            queue.append(child)
        }
    }
    return found
}

extension StreamingTool {
    /// Sends `number` to every process below this one (the commands of a
    /// `StreamingShell` pipeline, not the shell), as Ctrl-C reaches each
    /// command of a foreground pipeline; the shell then reports how they ended.
    /// All are stopped first and continued last, so each has the signal before
    /// any acts on it, as with a terminal's one kill(2) to the process group.
    public func signalDescendants(_ number: Int32) {
        let processes = descendants(of: pid)
        for process in processes { kill(process.pid, SIGSTOP) }
        for process in processes { kill(process.pid, number) }
        for process in processes { kill(process.pid, SIGCONT) }
    }
}

/// Starts `process` with no signal blocked.
///
/// A child inherits its spawning thread's signal mask across exec, and the
/// threads tests run on (Swift Testing's, Dispatch's) block every signal: a
/// tool or shell started from them would never see SIGINT, SIGTERM, SIGPIPE
/// or SIGCHLD (`timeout` could not stop its command, `sh -c 'a & wait'` may
/// hang, a tool that forgot to unblock SIGTERM would look deaf only in tests).
/// Foundation's Process offers no posix_spawnattr_setsigmask, so the spawning
/// thread's own mask is cleared around the spawn and then restored. (SIGCHLD is
/// neither caught nor blocked by the process as a whole, so one delivered to
/// this thread meanwhile is discarded, as it would be on the main thread.)
public func startWithNoSignalBlocked(_ process: Process) throws {
    var none = sigset_t()
    sigemptyset(&none)
    var saved = sigset_t()
    pthread_sigmask(SIG_SETMASK, &none, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    try process.run()
}
