/// The rules of one robots.txt file for one user agent (RFC 9309).
///
/// Build it from a fetched file with `init(parsing:userAgent:)`, or from the outcome of the
/// fetch with `init(status:body:userAgent:)`, which applies the status rules of RFC 9309
/// section 2.3.1. Then ask `allows(path:)` for each URL of that origin.
public struct RobotsRules: Sendable, Equatable {
    /// RFC 9309 section 2.5: crawlers must parse at least 500 KiB; we parse exactly that much.
    public static let parseLimit = 500 * 1024

    /// Every path is allowed: no robots.txt, or one that is "unavailable" (RFC 9309 section 2.3.1.3).
    public static let allowAll = RobotsRules(rules: [], crawlDelay: nil, disallowsEverything: false)

    /// Every path is refused: robots.txt is "unreachable" (RFC 9309 section 2.3.1.4).
    public static let disallowAll = RobotsRules(rules: [], crawlDelay: nil, disallowsEverything: true)

    /// The Allow and Disallow rules of the groups that apply to our user agent, in file order.
    let rules: [RobotsRule]

    /// True when the whole origin is off limits, whatever the rules say.
    let disallowsEverything: Bool

    /// The `Crawl-delay` of the groups that apply to our user agent, in seconds, if any.
    /// Crawl-delay is not part of RFC 9309; we honour the common extension, taking the first
    /// valid value among the merged groups.
    public let crawlDelay: Double?

    init(rules: [RobotsRule], crawlDelay: Double?, disallowsEverything: Bool) {
        self.rules = rules
        self.crawlDelay = crawlDelay
        self.disallowsEverything = disallowsEverything
    }

    /// Parses a robots.txt body (at most its first `parseLimit` bytes) and keeps the rules that
    /// apply to `userAgent`.
    ///
    /// `userAgent` may be a full User-Agent header value (`acrawl/0.1 (+https://...)`): only its
    /// product token (`acrawl`) is matched, case-insensitively, against the file's user-agent
    /// lines (RFC 9309 section 2.2.1). Groups naming our token are merged; when none does, the
    /// `*` groups apply; when there is no `*` group either, everything is allowed.
    public init(parsing text: [UInt8], userAgent: String) {
        let parsed = RobotsParser.parse(text, productToken: RobotsParser.productToken(of: userAgent))
        self.init(rules: parsed.rules, crawlDelay: parsed.crawlDelay, disallowsEverything: false)
    }

    /// The rules that follow from fetching `/robots.txt` (RFC 9309 section 2.3.1), after
    /// redirects were followed.
    ///
    /// - `status` 2xx: the body is parsed.
    /// - 3xx (redirects not followed, or more than five hops) and 4xx, including 429: the file is
    ///   "unavailable" and everything is allowed (sections 2.3.1.2 and 2.3.1.3).
    /// - 5xx, or `status` nil when the server could not be reached (DNS, connect, timeout, TLS):
    ///   the file is "unreachable" and everything is refused (section 2.3.1.4).
    public init(status: Int?, body: [UInt8], userAgent: String) {
        self = switch RobotsVerdict(status: status) {
        case .parse: RobotsRules(parsing: body, userAgent: userAgent)
        case .allowAll: .allowAll
        case .disallowAll: .disallowAll
        }
    }

    /// Whether our user agent may fetch `path`: the URL's path plus `?query` as sent on the
    /// request line (an empty path counts as `/`).
    ///
    /// The longest matching pattern wins (most octets, RFC 9309 section 2.2.2); an Allow wins
    /// over a Disallow of the same length; no matching rule means allowed. `/robots.txt` itself
    /// is always allowed (section 2.2.2).
    public func allows(path: String) -> Bool {
        var normalized = RobotsPattern.normalizePath(Array(path.utf8))
        if normalized.isEmpty { normalized = [UInt8(ascii: "/")] }
        if normalized == Array("/robots.txt".utf8) { return true }
        if disallowsEverything { return false }
        var bestLength = -1
        var allowed = true
        for rule in rules where rule.pattern.length >= bestLength {
            guard rule.pattern.matches(normalized) else { continue }
            if rule.pattern.length > bestLength {
                bestLength = rule.pattern.length
                allowed = rule.allows
            } else if rule.allows {
                allowed = true
            }
        }
        return allowed
    }
}

/// What the status of the robots.txt fetch means (RFC 9309 section 2.3.1).
public enum RobotsVerdict: Sendable, Equatable {
    /// 2xx: parse the body.
    case parse
    /// 3xx left unresolved and 4xx: the file is unavailable, crawl everything.
    case allowAll
    /// 5xx or no response at all: the file is unreachable, crawl nothing.
    case disallowAll

    /// The verdict for a final HTTP status, or nil when no response was received.
    public init(status: Int?) {
        guard let status else { self = .disallowAll; return }
        switch status {
        case 200..<300: self = .parse
        case 300..<500: self = .allowAll
        default: self = .disallowAll
        }
    }
}

/// One Allow or Disallow line.
struct RobotsRule: Sendable, Equatable {
    /// True for Allow, false for Disallow.
    let allows: Bool
    let pattern: RobotsPattern
}
