/// A flag value that does not make sense; afilter reports it as a usage error (exit 2).
public struct FilterOptionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong, for people.
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Everything afilter is asked to check, already parsed and validated.
public struct FilterOptions: Sendable {
    /// `--same-host`: `url` has the host and port of `from`.
    public var sameHost = false
    /// `--same-domain`: `url` has the registrable domain of `from`.
    public var sameDomain = false
    /// `--same-origin`: `url` has the scheme, host and port of `from`.
    public var sameOrigin = false
    /// `--host`: `url`'s host is one of these (lower-case).
    public var hosts: [String] = []
    /// `--domain`: `url`'s host is one of these or below one of them (lower-case).
    public var domains: [String] = []
    /// `--scheme`: `url`'s scheme is one of these (lower-case).
    public var schemes: [String] = []
    /// `--include`: `url` matches one of these POSIX extended regular expressions.
    public var includes: [String] = []
    /// `--exclude`: `url` matches none of these.
    public var excludes: [String] = []
    /// `--ext`: the path's extension is one of these (lower-case; empty for none).
    public var extensions: [String]?
    /// `--no-ext`: the path's extension is none of these.
    public var excludedExtensions: [String]?
    /// `--max-depth`: `depth` is at most this.
    public var maxDepth: Int?
    /// `--status`: `status` is one of these codes or classes.
    public var statuses: StatusSet?
    /// `--ok` (true) or `--failed` (false): the value of `ok`.
    public var ok: Bool?
    /// `--has`: these fields are present.
    public var requiredFields: [FieldPath] = []
    /// `--where`: these fields equal these values.
    public var equalities: [FieldEquality] = []
    /// `--invert`: keep the records the predicates reject.
    public var invert = false
    /// `--unique`: drop records whose key was seen before.
    public var unique = false
    /// `--key`: dedupe on this field instead of the normalised `url`.
    public var key: FieldPath?
    /// `--seen`: the file that makes dedupe persistent.
    public var seenPath: String?
    /// `--shard`: keep only this shard of hosts.
    public var shard: Shard?
    /// `--keep-invalid`: pass lines that are not JSON or lack a needed field.
    public var keepInvalid = false

    public init() {}

    /// True when records are deduplicated (`--unique`, `--key` or `--seen`).
    public var dedupes: Bool { unique || key != nil || seenPath != nil }
}

/// A field name, or a dotted path into nested objects such as `timing.total_ms`.
public struct FieldPath: Sendable, Equatable, CustomStringConvertible {
    /// The names from the top level down.
    public let components: [String]

    public init(_ text: String) throws {
        let components = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, !components.contains(where: \.isEmpty) else {
            throw FilterOptionError("invalid field name '\(text)'")
        }
        self.components = components
    }

    public var description: String { components.joined(separator: ".") }
}

/// `--where FIELD=VALUE`.
public struct FieldEquality: Sendable, Equatable {
    /// The field compared.
    public let field: FieldPath
    /// The text it must equal: a string's decoded value, or a number's, boolean's or null's JSON text.
    public let value: String

    /// Parses `FIELD=VALUE`; the first `=` separates them.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "=") else {
            throw FilterOptionError("--where needs FIELD=VALUE, got '\(text)'")
        }
        field = try FieldPath(String(text[..<equals]))
        value = String(text[text.index(after: equals)...])
    }
}

/// `--status 2xx,301,404`: HTTP status codes and classes.
public struct StatusSet: Sendable, Equatable {
    /// Exact codes.
    public let codes: Set<Int>
    /// Classes by first digit: 2 for `2xx`.
    public let classes: Set<Int>

    /// Parses a comma-separated list of codes (100 to 599) and classes (`1xx` to `5xx`).
    public init(parsing text: String) throws {
        var codes = Set<Int>()
        var classes = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = item.lowercased()
            if item.count == 3, item.hasSuffix("xx"), let digit = Int(item.prefix(1)), (1...5).contains(digit) {
                classes.insert(digit)
            } else if let code = Int(item), (100...599).contains(code), item.count == 3 {
                codes.insert(code)
            } else {
                throw FilterOptionError("invalid status '\(item)' in --status: use codes such as 404 or classes such as 2xx")
            }
        }
        self.codes = codes
        self.classes = classes
    }

    /// True when `status` is one of the codes or in one of the classes.
    public func contains(_ status: Int) -> Bool {
        codes.contains(status) || classes.contains(status / 100)
    }
}

/// `--shard K/N`: shard K (1 to N) of N, by host.
public struct Shard: Sendable, Equatable {
    /// This shard, 1-based as in split(1)'s `-n K/N`.
    public let index: UInt64
    /// How many shards there are.
    public let count: UInt64

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = UInt64(parts[0]), let count = UInt64(parts[1]) else {
            throw FilterOptionError("--shard needs K/N such as 1/4, got '\(text)'")
        }
        guard count >= 1, (1...count).contains(index) else {
            throw FilterOptionError("--shard \(text): K must be from 1 to N")
        }
        self.index = index
        self.count = count
    }

    /// The shard of a lower-case host: FNV-1a 64 of its bytes, modulo N, plus 1.
    public static func of(host: some Sequence<UInt8>, count: UInt64) -> UInt64 {
        fnv1a64(host) % count + 1
    }
}

/// Splits a comma-separated flag value into lower-case items (`--scheme`, `--ext`).
public func parseList(_ text: String) -> [String] {
    text.split(separator: ",", omittingEmptySubsequences: false).map { $0.lowercased() }
}
