import NDJSON

extension Diagnostics {
    /// After a caught SIGINT or SIGTERM (see `Interruption`): says so, and how
    /// much of an unfinished line `reader` dropped if it stopped. Nothing otherwise.
    public func noteInterruption(of reader: LineReader) {
        if let note = reader.interruptionNote { warn(note) }
    }
}
