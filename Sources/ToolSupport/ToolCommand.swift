import ArgumentParser
import NDJSON

/// A suite tool's command: ArgumentParser's parsing and help, with the suite's
/// exit statuses (DESIGN.md section 3): usage errors exit 2 (ArgumentParser's
/// own default is 64), other errors 1, and stdout is flushed on every path.
public protocol ToolCommand: ParsableCommand {}

extension ToolCommand {
    public static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exitAfterError(error)
        }
        do {
            var command = command
            try command.run()
        } catch {
            exitAfterError(error)
        }
        exitProcess(0)
    }

    private static func exitAfterError(_ error: Error) -> Never {
        OutputWriter.standardOutput.flush()
        let code = exitCode(for: error)
        if code == .success {
            // --help, --version and the like: ArgumentParser prints them itself.
            exit(withError: error)
        }
        let message = fullMessage(for: error)
        if !message.isEmpty { writeToStandardError(message + "\n") }
        if code == .validationFailure { exitProcess(2) }
        exitProcess(code.rawValue)
    }
}
