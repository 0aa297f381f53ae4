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
/// Output is read on background threads while the input is written, so a
/// tool that streams never deadlocks against a full pipe.
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
    try process.run()

    let collected = CollectedOutput()
    let group = DispatchGroup()
    for (pipe, isError) in [(stdoutPipe, false), (stderrPipe, true)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.store(data, isError: isError)
            group.leave()
        }
    }
    // A tool may exit before reading all its input (usage errors): ignore EPIPE.
    signal(SIGPIPE, SIG_IGN)
    try? stdinPipe.fileHandleForWriting.write(contentsOf: input)
    try? stdinPipe.fileHandleForWriting.close()
    group.wait()
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return ToolResult(stdout: collected.stdout, stderr: String(decoding: collected.stderr, as: UTF8.self), status: status)
}

/// Runs one of the suite's built tools, such as `afetch`.
public func runTool(_ name: String, _ arguments: [String] = [], input: String = "") throws -> ToolResult {
    try run(BuiltTools.path(name), arguments, input: Data(input.utf8))
}

/// Runs a shell pipeline with the built tools first on PATH.
public func runShell(_ script: String, input: String = "") throws -> ToolResult {
    let path = BuiltTools.directory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = path
    return try run("/bin/sh", ["-c", script], input: Data(input.utf8), environment: environment)
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var stdout = Data()
    private(set) var stderr = Data()

    func store(_ data: Data, isError: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isError { stderr = data } else { stdout = data }
    }
}
