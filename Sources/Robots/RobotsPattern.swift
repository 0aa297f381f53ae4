import NDJSON
import URLs

/// A path pattern of an Allow or Disallow line, normalised for matching (RFC 9309 section 2.2.2).
///
/// `*` matches any run of octets, a `$` at the end anchors the pattern at the end of the path;
/// anything else matches itself after both sides are normalised the same way: percent-encoded
/// unreserved characters are decoded, other escapes get upper-case hex, and octets that are not
/// printable ASCII (UTF-8 in a pattern, for one) are percent-encoded. A `*` or `$` in a path is
/// compared as `%2A` / `%24`, so a pattern spells a literal one that way (section 2.2.3).
struct RobotsPattern: Sendable, Equatable {
    /// The literal runs between the `*` wildcards, normalised.
    let segments: [[UInt8]]
    /// True when the pattern ended in `$`.
    let anchoredAtEnd: Bool
    /// The specificity of the pattern: octets of its normalised form, wildcards included.
    let length: Int

    /// A pattern from the value of an Allow or Disallow line; nil for an empty value.
    init?(_ raw: ArraySlice<UInt8>) {
        guard !raw.isEmpty else { return nil }
        var bytes = Array(raw)
        var anchored = false
        if bytes.last == UInt8(ascii: "$") {
            anchored = true
            bytes.removeLast()
        }
        // Google's parser, and section 2.2.2's grammar, want a leading "/"; tolerate its absence.
        if let first = bytes.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "*") {
            bytes.insert(UInt8(ascii: "/"), at: 0)
        }
        var segments: [[UInt8]] = []
        var length = anchored ? 1 : 0
        for piece in bytes.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false) {
            let normalized = Self.normalize(piece, escapingWildcards: false)
            segments.append(normalized)
            length += normalized.count
        }
        length += segments.count - 1  // the "*" themselves
        self.segments = segments
        self.anchoredAtEnd = anchored
        self.length = length
    }

    /// Whether the pattern matches `path`, which `normalizePath` produced.
    func matches(_ path: [UInt8]) -> Bool {
        let first = segments[0]
        guard Self.hasPrefix(path, first, at: 0) else { return false }
        if segments.count == 1 {
            return !anchoredAtEnd || path.count == first.count
        }
        var position = first.count
        let last = segments[segments.count - 1]
        // Leftmost placement of each middle run is optimal when the only wildcard is "*".
        for segment in segments[1..<(segments.count - 1)] {
            guard let found = Self.find(segment, in: path, from: position) else { return false }
            position = found + segment.count
        }
        if anchoredAtEnd {
            return path.count - last.count >= position && Self.hasPrefix(path, last, at: path.count - last.count)
        }
        return Self.find(last, in: path, from: position) != nil
    }

    /// A request path normalised like patterns are, with `*` and `$` escaped.
    static func normalizePath(_ path: [UInt8]) -> [UInt8] {
        normalize(path[...], escapingWildcards: true)
    }

    private static func normalize(_ bytes: ArraySlice<UInt8>, escapingWildcards: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex, let high = ASCIIHex.value(bytes[index + 1]),
               let low = ASCIIHex.value(bytes[index + 2]) {
                let decoded = high << 4 | low
                if isUnreserved(decoded) {
                    out.append(decoded)
                } else {
                    appendEscaped(decoded, to: &out)
                }
                index += 3
                continue
            }
            if byte <= 0x20 || byte >= 0x7F || (escapingWildcards && (byte == UInt8(ascii: "*") || byte == UInt8(ascii: "$"))) {
                appendEscaped(byte, to: &out)
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    private static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "%"))
        out.append(ASCIIHex.upperDigit(byte >> 4))
        out.append(ASCIIHex.upperDigit(byte & 0xF))
    }

    private static func hasPrefix(_ path: [UInt8], _ prefix: [UInt8], at start: Int) -> Bool {
        guard start >= 0, path.count - start >= prefix.count else { return false }
        for offset in 0..<prefix.count where path[start + offset] != prefix[offset] {
            return false
        }
        return true
    }

    private static func find(_ needle: [UInt8], in path: [UInt8], from start: Int) -> Int? {
        guard path.count - start >= needle.count else { return nil }
        for candidate in start...(path.count - needle.count) where hasPrefix(path, needle, at: candidate) {
            return candidate
        }
        return nil
    }
}
