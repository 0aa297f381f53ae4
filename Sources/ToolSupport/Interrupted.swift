import NDJSON

extension Diagnostics {
    /// After a caught SIGINT or SIGTERM stopped `reader` (see `Interruption`):
    /// says so, and how much of an unfinished line was dropped. Nothing otherwise.
    public func noteInterruption(of reader: LineReader) {
        guard let signal = Interruption.signal else { return }
        let dropped = reader.droppedAtInterruption
        warn("stopped by signal \(signal)" + (dropped > 0 ? "; an unfinished line of \(dropped) bytes was dropped" : ""))
    }
}
