import Foundation

/// What a finished tool run left behind.
public struct ToolResult: Sendable {
    /// Everything written to stdout.
    public let stdout: Data
    /// Everything written to stderr, as text.
    public let stderr: String
    /// The exit status, or 128 + signal number when a signal ended it.
    public let status: Int32

    /// Stdout split into lines (without their `\n`).
    public var lines: [String] {
        String(decoding: stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast(String(decoding: stdout, as: UTF8.self).hasSuffix("\n") ? 1 : 0).map(String.init)
    }

    /// Stdout parsed as NDJSON objects; a line that is not an object fails the caller's expectations.
    public var records: [[String: Any]] {
        lines.map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])) as? [String: Any]
                ?? ["__not_an_object__": line]
        }
    }
}

/// Runs a command to completion with `input` on its stdin.
///
/// Output is read on threads of its own while the input is written, so a tool
/// that streams never deadlocks against a full pipe. (Plain threads, not
/// Dispatch: Swift Testing's tests block its few pool threads while they wait.)
public func run(_ executable: String, _ arguments: [String], input: Data = Data(),
                environment: [String: String]? = nil) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
    process.standardInput = stdinPipe
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    try startWithNoSignalBlocked(process)

    let collected = CollectedOutput()
    let readers = collected.readOnThreads(stdout: stdoutPipe, stderr: stderrPipe)
    // A tool may exit before reading all its input (usage errors): ignore EPIPE.
    signal(SIGPIPE, SIG_IGN)
    try? stdinPipe.fileHandleForWriting.write(contentsOf: input)
    try? stdinPipe.fileHandleForWriting.close()
    readers.wait()
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ToolResult(stdout: collected.stdout, stderr: String(decoding: collected.stderr, as: UTF8.self), status: status)
}

/// Runs one of the suite's built tools, such as `afetch`.
public func runTool(_ name: String, _ arguments: [String] = [], input: String = "") throws -> ToolResult {
    try run(BuiltTools.path(name), arguments, input: Data(input.utf8))
}

/// Runs a shell pipeline with the built tools first on PATH, and `environment` added.
public func runShell(_ script: String, input: String = "", environment: [String: String] = [:],
                     shell: String = "/bin/sh") throws -> ToolResult {
    try run(shell, ["-c", script], input: Data(input.utf8), environment: toolEnvironment(adding: environment))
}

/// The test's environment with the built tools first on PATH.
public func toolEnvironment(adding extra: [String: String] = [:]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = BuiltTools.directory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    environment.merge(extra) { _, new in new }
    return environment
}

/// Waits until `condition` holds, checking every 20 ms. A guard against a hang,
/// not a timing assertion: it gives up (throws) only after `limit` seconds.
public func waitUntil(limit: Double = 120, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(limit)
    while try !condition() {
        guard Date() < deadline else { throw FixtureError("condition not met after \(limit) s") }
        usleep(20_000)
    }
}

/// A tool started with its stdin left open, for tests that signal it mid-run.
public final class StreamingTool {
    private let process = Process()
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let collected = CollectedOutput()
    private var readers: ThreadGroup?

    public convenience init(_ name: String, _ arguments: [String]) throws {
        try self.init(executable: BuiltTools.path(name), arguments: arguments, environment: nil)
    }

    init(executable: String, arguments: [String], environment: [String: String]?) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try startWithNoSignalBlocked(process)
        readers = collected.readOnThreads(stdout: stdoutPipe, stderr: stderrPipe)
    }

    /// The first line the process wrote to stdout, once it has (nil before).
    public func firstLine() -> String? {
        let text = String(decoding: collected.stdoutSoFar, as: UTF8.self)
        guard let newline = text.firstIndex(of: "\n") else { return nil }
        return String(text[..<newline])
    }

    /// What the process wrote to stderr so far, as text.
    public var stderrSoFar: String { String(decoding: collected.stderrSoFar, as: UTF8.self) }

    /// How many complete lines the process has written to stdout so far.
    public var linesWritten: Int {
        collected.stdoutSoFar.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// The process id, for looking at /proc.
    public var pid: Int32 { process.processIdentifier }

    /// Whether the process has not ended yet.
    public var isRunning: Bool { process.isRunning }

    public func write(_ text: String) {
        Glibc.signal(SIGPIPE, SIG_IGN)
        try? stdinPipe.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    public func closeInput() { try? stdinPipe.fileHandleForWriting.close() }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends `number` to the process and every process below it, as Ctrl-C on a terminal
    /// signals the whole foreground pipeline.
    public func signalTree(_ number: Int32) {
        var targets = [process.processIdentifier]
        var index = 0
        while index < targets.count {
            targets += childProcesses(of: targets[index])
            index += 1
        }
        for pid in targets { kill(pid, number) }
    }

    /// Sends SIGKILL to the process and every process below it, as a crash of
    /// the whole pipeline would (descendants found through /proc, children first stopped).
    public func killGroup() {
        var targets = [process.processIdentifier]
        var index = 0
        while index < targets.count {
            kill(targets[index], SIGSTOP)
            targets += childProcesses(of: targets[index])
            index += 1
        }
        for pid in targets { kill(pid, SIGKILL) }
    }

    /// Waits for the process to end and returns what it wrote.
    public func finish() -> ToolResult {
        readers?.wait()
        process.waitUntilExit()
        closeInput()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return ToolResult(stdout: collected.stdout, stderr: String(decoding: collected.stderr, as: UTF8.self), status: status)
    }
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var stdout = Data()
    private(set) var stderr = Data()

    /// Reads both pipes to their end, each on a thread of its own, a piece at a time.
    func readOnThreads(stdout: Pipe, stderr: Pipe) -> ThreadGroup {
        let group = ThreadGroup()
        for (pipe, isError) in [(stdout, false), (stderr, true)] {
            let handle = pipe.fileHandleForReading
            group.start {
                while true {
                    let piece = handle.availableData
                    if piece.isEmpty { break }
                    self.append(piece, isError: isError)
                }
            }
        }
        return group
    }

    /// What stdout has delivered so far.
    var stdoutSoFar: Data {
        lock.lock()
        defer { lock.unlock() }
        return stdout
    }

    /// What stderr has delivered so far.
    var stderrSoFar: Data {
        lock.lock()
        defer { lock.unlock() }
        return stderr
    }

    private func append(_ data: Data, isError: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isError { stderr.append(data) } else { stdout.append(data) }
    }
}

/// Threads started together and waited for together.
final class ThreadGroup: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private var count = 0

    func start(_ body: @escaping @Sendable () -> Void) {
        count += 1
        let finished = self.finished
        Thread { body(); finished.signal() }.start()
    }

    func wait() {
        for _ in 0..<count { finished.wait() }
        count = 0
    }
}

/// A shell script started with its stdin open; `killGroup()` kills it and
/// every process of its pipelines at once, as a crash would.
public func StreamingShell(_ script: String) throws -> StreamingTool {
    try StreamingTool(executable: "/bin/sh", arguments: ["-c", script], environment: toolEnvironment())
}

/// The direct children of `pid`, from /proc/*/stat.
private func childProcesses(of pid: Int32) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { entry -> Int32? in
        guard let child = Int32(entry),
              let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state, then the parent's pid.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == pid ? child : nil
    }
}
