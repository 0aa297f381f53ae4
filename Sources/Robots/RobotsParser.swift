/// The line parser of robots.txt (RFC 9309 section 2.2), tolerant of what real files contain:
/// CR, LF or CRLF line ends, a UTF-8 byte order mark, comments, missing colons, blank lines,
/// unknown keys (Sitemap, Host, Noindex...) and binary garbage, which are all skipped.
enum RobotsParser {
    /// What one parse keeps for one product token.
    struct Result {
        var rules: [RobotsRule] = []
        var crawlDelay: Double?
    }

    /// The product token of a User-Agent value: its leading letters, `_` and `-`, lower-cased
    /// (RFC 9309 section 2.2.1). `acrawl/0.1 (+https://x)` gives `acrawl`.
    static func productToken(of userAgent: String) -> [UInt8] {
        productToken(Array(userAgent.utf8)[...])
    }

    static func parse(_ text: [UInt8], productToken: [UInt8]) -> Result {
        var ours = Result()
        var star = Result()
        var anyGroupIsOurs = false
        // The group being read: who it is for, and whether its user-agent lines are still coming.
        var groupIsOurs = false
        var groupIsStar = false
        var inGroup = false
        var readingAgents = false

        for line in lines(of: text) {
            guard let (key, value) = keyAndValue(of: line) else { continue }
            switch key {
            case .userAgent:
                if !readingAgents {
                    groupIsOurs = false
                    groupIsStar = false
                    readingAgents = true
                    inGroup = true
                }
                if value.first == UInt8(ascii: "*") {
                    groupIsStar = true
                } else if !productToken.isEmpty, Self.productToken(value) == productToken {
                    groupIsOurs = true
                    anyGroupIsOurs = true
                }
            case .allow, .disallow:
                readingAgents = false
                // Rules before the first user-agent line belong to no group (section 2.1).
                guard inGroup, let pattern = RobotsPattern(value) else { continue }
                let rule = RobotsRule(allows: key == .allow, pattern: pattern)
                if groupIsOurs { ours.rules.append(rule) }
                if groupIsStar { star.rules.append(rule) }
            case .crawlDelay:
                readingAgents = false
                guard inGroup, let delay = parseDelay(value) else { continue }
                if groupIsOurs, ours.crawlDelay == nil { ours.crawlDelay = delay }
                if groupIsStar, star.crawlDelay == nil { star.crawlDelay = delay }
            }
        }
        return anyGroupIsOurs ? ours : star
    }

    /// The keys we act on; spellings seen in the wild map onto them, as Google's parser does.
    enum Key {
        case userAgent, allow, disallow, crawlDelay

        init?(_ name: [UInt8]) {
            switch String(decoding: name, as: UTF8.self) {
            case "user-agent", "useragent", "user agent": self = .userAgent
            case "allow": self = .allow
            case "disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw": self = .disallow
            case "crawl-delay", "crawldelay", "crawl delay": self = .crawlDelay
            default: return nil
            }
        }
    }

    /// The lines of the first `parseLimit` bytes; a line cut by the limit is dropped, since a
    /// truncated pattern would be a different rule.
    private static func lines(of text: [UInt8]) -> [ArraySlice<UInt8>] {
        var body = text[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.count > RobotsRules.parseLimit {
            body = body.prefix(RobotsRules.parseLimit)
            if let lastEnd = body.lastIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                body = body[..<lastEnd]
            } else {
                body = body.prefix(0)
            }
        }
        return body.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D })
    }

    /// The key and value of a line, comments and surrounding blanks removed; nil when the line
    /// carries no key we act on. The colon may be missing if blanks separate key and value.
    private static func keyAndValue(of line: ArraySlice<UInt8>) -> (Key, ArraySlice<UInt8>)? {
        var content = line
        if let hash = content.firstIndex(of: UInt8(ascii: "#")) { content = content[..<hash] }
        content = trimmed(content)
        let keyEnd: ArraySlice<UInt8>.Index
        let valueStart: ArraySlice<UInt8>.Index
        if let colon = content.firstIndex(of: UInt8(ascii: ":")) {
            keyEnd = colon
            valueStart = colon + 1
        } else if let blank = content.firstIndex(where: isBlank) {
            keyEnd = blank
            valueStart = blank
        } else {
            return nil
        }
        let name = trimmed(content[..<keyEnd]).map { lowercased($0) }
        guard let key = Key(name) else { return nil }
        return (key, trimmed(content[valueStart...]))
    }

    private static func productToken(_ value: ArraySlice<UInt8>) -> [UInt8] {
        var token: [UInt8] = []
        for byte in value {
            let lower = lowercased(byte)
            guard (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-") else { break }
            token.append(lower)
        }
        return token
    }

    private static func parseDelay(_ value: ArraySlice<UInt8>) -> Double? {
        guard let delay = Double(String(decoding: value, as: UTF8.self)), delay.isFinite, delay >= 0 else {
            return nil
        }
        return delay
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var result = bytes
        while let first = result.first, isBlank(first) { result = result.dropFirst() }
        while let last = result.last, isBlank(last) { result = result.dropLast() }
        return result
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
