import NDJSON

extension Diagnostics {
    /// After a caught SIGINT or SIGTERM (see `Interruption`): says so, and how
    /// much of an unfinished line `reader` dropped if it stopped. Nothing otherwise.
    public func noteInterruption(of reader: LineReader) {
        guard let signal = Interruption.signal else { return }
        let dropped = reader.droppedAtInterruption
        warn("interrupted by signal \(signal)" + (dropped > 0 ? "; an unfinished line of \(dropped) bytes was dropped" : ""))
    }
}
