/// A flag value that does not parse; afetch reports it as a usage error.
public struct FlagError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `10M` → 10485760: a byte count with an optional K, M or G suffix (powers of 1024).
public func parseSize(_ text: String) throws -> Int {
    let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    var digits = text.uppercased()
    var multiplier = 1
    if let last = digits.last, let factor = multipliers[last] {
        multiplier = factor
        digits.removeLast()
    }
    guard let value = Int(digits), value >= 0 else { throw FlagError("--max-body: '\(text)' is not a size such as 512K or 10M") }
    return value * multiplier
}

/// `429,503` → [429, 503].
public func parseStatuses(_ text: String) throws -> Set<Int> {
    var statuses: Set<Int> = []
    for part in text.split(separator: ",", omittingEmptySubsequences: true) {
        guard let status = Int(part), (100...599).contains(status) else {
            throw FlagError("--retry-on: '\(part)' is not an HTTP status")
        }
        statuses.insert(status)
    }
    return statuses
}

/// A header must be `Name: value`, with no CR or LF anywhere (no request splitting).
public func validateHeader(_ header: String) throws {
    // On bytes: "\r\n" is one Character in Swift, so a Character search would miss it.
    guard !header.utf8.contains(13), !header.utf8.contains(10) else {
        throw FlagError("--header must not contain CR or LF: \(header.debugDescription)")
    }
    guard let colon = header.firstIndex(of: ":"), colon != header.startIndex,
          !header[..<colon].contains(" ") else {
        throw FlagError("--header must look like 'Name: value': \(header.debugDescription)")
    }
}
