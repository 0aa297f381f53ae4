import NDJSON

/// Diagnostics on stderr: one line each, prefixed with the tool's name,
/// silenced by `--quiet` except for fatal errors.
public struct Diagnostics: Sendable {
    /// The tool's name, such as `afetch`.
    public let tool: String
    /// When true, warnings and summaries are not printed.
    public let quiet: Bool

    public init(tool: String, quiet: Bool) {
        self.tool = tool
        self.quiet = quiet
    }

    /// A warning or note, unless quiet.
    public func warn(_ message: String) {
        guard !quiet else { return }
        writeToStandardError("\(tool): \(message)\n")
    }

    /// An error that ends the tool; printed even when quiet.
    public func fail(_ message: String) {
        writeToStandardError("\(tool): \(message)\n")
    }
}
