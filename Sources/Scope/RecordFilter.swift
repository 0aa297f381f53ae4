#if canImport(Glibc)
import Glibc
#endif
import NDJSON

/// What becomes of one input line.
public enum Verdict: Equatable, Sendable {
    /// Pass the line through unchanged.
    case keep
    /// Drop it: a predicate, the shard or dedupe said so.
    case drop
    /// Not a record afilter can judge.
    case invalid(InvalidRecord)
}

/// Why a line could not be judged.
public enum InvalidRecord: Error, Equatable, Sendable, CustomStringConvertible {
    /// The line is not one JSON object.
    case notJSON(JSONSyntaxError)
    /// A field a predicate needs is absent.
    case missingField(String)
    /// A field holds the wrong kind of value.
    case wrongType(field: String, expected: String)

    public var description: String {
        switch self {
        case .notJSON(let error): return "not a JSON object: \(error)"
        case .missingField(let field): return "no field \(field)"
        case .wrongType(let field, let expected): return "field \(field) is not \(expected)"
        }
    }
}

/// Counts of one run.
public struct FilterSummary: Sendable, Equatable {
    /// Lines read.
    public var read = 0
    /// Lines written out (invalid lines passed by `--keep-invalid` included).
    public var kept = 0
    /// Lines that were invalid.
    public var invalid = 0

    public init() {}
}

/// afilter's engine: judges lines by the options' predicates, shard and dedupe.
///
/// One pass of `JSONScanner` per line finds the members the predicates
/// need; URLs are split by `SimpleURL` when plain and by libcurl otherwise;
/// nothing is re-serialised and the hot path allocates nothing.
public final class RecordFilter {
    private let options: FilterOptions
    private let includes: [PosixRegex]
    private let excludes: [PosixRegex]
    private let hosts: [[UInt8]]
    private let domains: [[UInt8]]
    private let schemes: [[UInt8]]
    private let extensions: [[UInt8]]?
    private let excludedExtensions: [[UInt8]]?

    /// Top-level member names looked for; `found` holds the members of the
    /// current line (a pointer, so the per-member writes need no exclusivity checks).
    private let names: [[UInt8]]
    private let found: UnsafeMutablePointer<JSONMember?>
    /// `names` as buffers, for comparing keys without exclusivity checks.
    private let nameBuffers: [UnsafeBufferPointer<UInt8>]
    /// The names of `wantedSlots`, in that order, and where the scan puts their members.
    private let wantedNames: UnsafeMutableBufferPointer<UnsafeBufferPointer<UInt8>>
    private let wantedFound: UnsafeMutablePointer<JSONMember?>
    private static let urlSlot = 0, fromSlot = 1, depthSlot = 2, statusSlot = 3, okSlot = 4
    /// Slots that must be filled for the line to be judged.
    private let requiredSlots: [Int]
    /// Slots whose names the scan compares keys with: only those some option uses.
    private let wantedSlots: [Int]

    private let urlNeeded: Bool
    private let fromNeeded: Bool
    /// True when a predicate needs libcurl-grade parts even for simple URLs.
    private let partsNeeded: Bool
    /// True when only `url`'s scheme, host and port are compared (no dedupe on it).
    private let urlAuthorityOnly: Bool
    private let urlNeeds: URLNeeds
    /// `url` and `from` of the current line, split by libcurl when needed.
    private var url = URLParts()
    private var from = URLParts()
    /// Decoded text of escaped `url` and `from` strings.
    private let urlScratch = ScratchBytes()
    private let fromScratch = ScratchBytes()
    /// Scratch space: a NUL-terminated copy for regexec, a dedupe key.
    private var cString: [CChar] = []
    private var keyBytes: [UInt8] = []

    private let seen: FingerprintSet?
    private let seenFile: SeenFile?

    /// Compiles the options; opens and reads the `--seen` file.
    /// Throws `FilterOptionError` for bad patterns, `InputError` for the file.
    public init(_ options: FilterOptions) throws {
        self.options = options
        includes = try options.includes.map(PosixRegex.init)
        excludes = try options.excludes.map(PosixRegex.init)
        hosts = options.hosts.map { Array($0.lowercased().utf8) }
        domains = options.domains.map { Array($0.lowercased().utf8) }
        schemes = options.schemes.map { Array($0.lowercased().utf8) }
        extensions = options.extensions.map { $0.map(extensionBytes) }
        excludedExtensions = options.excludedExtensions.map { $0.map(extensionBytes) }

        let sameSomething = options.sameHost || options.sameDomain || options.sameOrigin
        fromNeeded = sameSomething
        urlNeeded = sameSomething || !options.hosts.isEmpty || !options.domains.isEmpty || !options.schemes.isEmpty
            || !options.includes.isEmpty || !options.excludes.isEmpty || options.extensions != nil
            || options.excludedExtensions != nil || options.shard != nil || (options.dedupes && options.key == nil)
        partsNeeded = options.sameDomain || !options.hosts.isEmpty || !options.domains.isEmpty
            || !options.schemes.isEmpty || options.extensions != nil || options.excludedExtensions != nil
        urlAuthorityOnly = !(options.dedupes && options.key == nil)
        var needs: URLNeeds = []
        if options.extensions != nil || options.excludedExtensions != nil { needs.insert(.path) }
        if options.dedupes && options.key == nil { needs.insert(.normalized) }
        urlNeeds = needs

        var names = ["url", "from", "depth", "status", "ok"].map { Array($0.utf8) }
        var required: [Int] = []
        if urlNeeded { required.append(RecordFilter.urlSlot) }
        if fromNeeded { required.append(RecordFilter.fromSlot) }
        if options.maxDepth != nil { required.append(RecordFilter.depthSlot) }
        if options.statuses != nil { required.append(RecordFilter.statusSlot) }
        if options.ok != nil { required.append(RecordFilter.okSlot) }
        // Single-name fields of --has, --where and --key are found in the same
        // pass; dotted paths are looked up afterwards.
        var wanted = required
        let fieldPaths = options.requiredFields + options.equalities.map(\.field) + (options.key.map { [$0] } ?? [])
        for path in fieldPaths where path.components.count == 1 {
            let name = Array(path.components[0].utf8)
            if !names.contains(name) { names.append(name) }
            let slot = names.firstIndex(of: name)!
            if !wanted.contains(slot) { wanted.append(slot) }
        }
        self.names = names
        nameBuffers = names.map { name in
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: name.count)
            _ = buffer.initialize(from: name)
            return UnsafeBufferPointer(buffer)
        }
        found = .allocate(capacity: names.count)
        found.initialize(repeating: nil, count: names.count)
        requiredSlots = required
        wantedSlots = wanted
        wantedNames = .allocate(capacity: wanted.count)
        let buffers = nameBuffers
        _ = wantedNames.initialize(from: wanted.map { buffers[$0] })
        wantedFound = .allocate(capacity: wanted.count)
        wantedFound.initialize(repeating: nil, count: wanted.count)

        if options.dedupes {
            let set = FingerprintSet()
            seen = set
            if let path = options.seenPath {
                let file = try SeenFile(path: path)
                seenFile = file
                var scratch = URLParts()
                let normalize = options.key == nil
                try file.readNewLines(includingUnterminated: true) { line in
                    set.insert(RecordFilter.fingerprint(ofSeenLine: line, normalizing: normalize, scratch: &scratch))
                }
            } else {
                seenFile = nil
            }
        } else {
            seen = nil
            seenFile = nil
        }
    }

    deinit {
        found.deinitialize(count: names.count)
        found.deallocate()
        for name in nameBuffers { name.deallocate() }
        wantedNames.deallocate()
        wantedFound.deinitialize(count: wantedSlots.count)
        wantedFound.deallocate()
    }

    /// Judges one line (without its `\n`).
    public func decide(_ line: UnsafeBufferPointer<UInt8>) -> Verdict {
        let scanner = JSONScanner(line)
        do {
            try scanner.findMembers(named: UnsafeBufferPointer(wantedNames), into: wantedFound)
            for (k, slot) in wantedSlots.enumerated() { found[slot] = wantedFound[k] }
        } catch let error as JSONSyntaxError {
            return .invalid(.notJSON(error))
        } catch {
            return .invalid(.notJSON(JSONSyntaxError(offset: 0, reason: "\(error)")))
        }
        for slot in requiredSlots where found[slot] == nil {
            return .invalid(.missingField(String(decoding: names[slot], as: UTF8.self)))
        }
        var urlView = URLView.none
        var fromView = URLView.none
        if urlNeeded {
            switch view(RecordFilter.urlSlot, scanner, urlScratch, authorityOnly: urlAuthorityOnly) {
            case .success(let view): urlView = view
            case .failure(let problem): return .invalid(problem)
            }
        }
        if fromNeeded {
            switch view(RecordFilter.fromSlot, scanner, fromScratch, authorityOnly: true) {
            case .success(let view): fromView = view
            case .failure(let problem): return .invalid(problem)
            }
        }
        // libcurl-grade parts, for the predicates and URLs the fast path does not cover.
        let urlNeedsParts = urlNeeded && (partsNeeded || urlView.simple == nil || fromNeeded && fromView.simple == nil)
        if urlNeedsParts { url.load(urlView.text, needs: urlNeeds) }
        if fromNeeded && (partsNeeded || urlView.simple == nil || fromView.simple == nil) {
            from.load(fromView.text, needs: [])
        }
        let passes: Bool
        switch fieldPredicatesHold(scanner) {
        case .success(let result): passes = result
        case .failure(let problem): return .invalid(problem)
        }
        let holds = passes && (!urlNeeded || urlPredicatesHold(urlView, fromView, partsLoaded: urlNeedsParts))
        guard holds != options.invert else { return .drop }
        if let shard = options.shard, shardOf(urlView, partsLoaded: urlNeedsParts, count: shard.count) != shard.index {
            return .drop
        }
        if let seen {
            let isNew: Bool
            if options.key == nil, !urlNeedsParts, let end = urlView.simple?.normalizedEnd {
                // The URL is its own normalised form: hash it where it lies.
                isNew = remember(UnsafeBufferPointer(rebasing: urlView.text[..<end]), in: seen)
            } else {
                if let problem = dedupeKey(scanner, urlView, partsLoaded: urlNeedsParts) { return .invalid(problem) }
                isNew = keyBytes.withUnsafeBufferPointer { remember($0, in: seen) }
            }
            if !isNew { return .drop }
        }
        return .keep
    }

    /// Adds `key` to the seen set (and queues it for the `--seen` file); false when it was there.
    @inline(__always)
    private func remember(_ key: UnsafeBufferPointer<UInt8>, in seen: FingerprintSet) -> Bool {
        guard seen.insert(Fingerprint(of: key)) else { return false }
        if let seenFile, !key.contains(0x0A), !key.contains(0x0D) { seenFile.append(key) }
        return true
    }

    /// Judges one line given as text (for tests and small callers).
    public func decide(_ line: String) -> Verdict {
        var line = line
        return line.withUTF8 { decide($0) }
    }

    /// Reads every line of `reader`, writes the kept ones to `output`, and
    /// reports each invalid one with its line number.
    public func run(_ reader: LineReader, to output: OutputWriter,
                    reportInvalid: (_ lineNumber: Int, _ problem: InvalidRecord) -> Void) throws -> FilterSummary {
        var summary = FilterSummary()
        while true {
            guard let line = reader.nextBuffered() else {
                if reader.reachedEOF { break }
                // Reading may block on a slow upstream: first hand on what passed
                // (and its --seen keys), so no record waits in a buffer meanwhile.
                try syncSeenFile(output)
                try reader.fill()
                continue
            }
            summary.read += 1
            switch decide(line) {
            case .keep:
                output.writeLine(line)
                summary.kept += 1
                if let seenFile, seenFile.isFlushDue || output.lineBuffered { try syncSeenFile(output) }
            case .drop:
                break
            case .invalid(let problem):
                summary.invalid += 1
                reportInvalid(reader.lineNumber, problem)
                if options.keepInvalid {
                    output.writeLine(line)
                    summary.kept += 1
                }
            }
        }
        try syncSeenFile(output)
        return summary
    }

    /// Writes out the records passed so far, then appends their keys to the
    /// `--seen` file (in that order: an interrupted run may pass a record again
    /// next time, but never loses one), then learns keys other processes appended.
    private func syncSeenFile(_ output: OutputWriter) throws {
        output.flush()
        guard let seenFile, let seen else { return }
        try seenFile.flush()
        var scratch = URLParts()
        let normalize = options.key == nil
        try seenFile.readNewLines { line in
            seen.insert(RecordFilter.fingerprint(ofSeenLine: line, normalizing: normalize, scratch: &scratch))
        }
    }

    // MARK: - Fields

    /// The URL string in `slot` and its fast-path split; the problem when it is not a string.
    /// (A string libcurl rejects is a URL without host, which scope predicates drop.)
    private func view(_ slot: Int, _ scanner: JSONScanner, _ scratch: ScratchBytes,
                      authorityOnly: Bool) -> Result<URLView, InvalidRecord> {
        let member = found[slot]!
        guard member.kind == .string else {
            return .failure(.wrongType(field: String(decoding: names[slot], as: UTF8.self), expected: "a string"))
        }
        let raw = UnsafeBufferPointer(rebasing: scanner.bytes[(member.value.lowerBound + 1)..<(member.value.upperBound - 1)])
        // A simple URL holds no `\`, so no escape: its bytes in the line are its text.
        if let simple = SimpleURL.parse(raw, authorityOnly: authorityOnly) {
            return .success(URLView(text: raw, simple: simple))
        }
        let text = stringContent(member, scanner, scratch)
        let simple = text.baseAddress == raw.baseAddress ? nil : SimpleURL.parse(text, authorityOnly: authorityOnly)
        return .success(URLView(text: text, simple: simple))
    }

    /// A string member's decoded UTF-8: the bytes in the line themselves when
    /// there is no escape to decode, else decoded into `scratch`.
    private func stringContent(_ member: JSONMember, _ scanner: JSONScanner, _ scratch: ScratchBytes) -> UnsafeBufferPointer<UInt8> {
        let raw = UnsafeBufferPointer(rebasing: scanner.bytes[(member.value.lowerBound + 1)..<(member.value.upperBound - 1)])
        if raw.isEmpty || memchr(raw.baseAddress!, 0x5C, raw.count) == nil { return raw }
        return scratch.store(scanner.decodeString(contentOf: member.value))
    }

    /// The member at `path`: from the scan for single names, looked up for dotted paths.
    private func member(at path: FieldPath, _ scanner: JSONScanner) -> (value: Range<Int>, kind: JSONKind)? {
        if path.components.count == 1 {
            let name = Array(path.components[0].utf8)
            guard let slot = names.firstIndex(of: name), let member = found[slot] else { return nil }
            return (member.value, member.kind)
        }
        // Dotted paths are rare: walk nested objects by re-scanning them.
        var bytes = scanner.bytes
        var base = 0
        for (index, name) in path.components.enumerated() {
            var hit: JSONMember?
            var key = name
            let nested = JSONScanner(bytes)
            try? key.withUTF8 { key in
                try nested.forEachMember { if nested.key($0, is: key) { hit = $0 } }
            }
            guard let hit else { return nil }
            if index == path.components.count - 1 {
                return ((hit.value.lowerBound + base)..<(hit.value.upperBound + base), hit.kind)
            }
            guard hit.kind == .object else { return nil }
            base += hit.value.lowerBound
            bytes = UnsafeBufferPointer(rebasing: bytes[hit.value])
        }
        return nil
    }

    // MARK: - Predicates

    /// The predicates on fields other than URLs; short-circuits on the first that fails.
    private func fieldPredicatesHold(_ scanner: JSONScanner) -> Result<Bool, InvalidRecord> {
        let bytes = scanner.bytes
        if let ok = options.ok {
            let member = found[RecordFilter.okSlot]!
            guard member.kind == .bool else { return .failure(.wrongType(field: "ok", expected: "true or false")) }
            if (bytes[member.value.lowerBound] == UInt8(ascii: "t")) != ok { return .success(false) }
        }
        if let maxDepth = options.maxDepth {
            guard let depth = scanner.decode(found[RecordFilter.depthSlot]!).intValue else {
                return .failure(.wrongType(field: "depth", expected: "an integer"))
            }
            if depth > maxDepth { return .success(false) }
        }
        if let statuses = options.statuses {
            let member = found[RecordFilter.statusSlot]!
            if member.kind == .null { return .success(false) }
            guard let status = scanner.decode(member).intValue else {
                return .failure(.wrongType(field: "status", expected: "an integer or null"))
            }
            if !statuses.contains(status) { return .success(false) }
        }
        for path in options.requiredFields where member(at: path, scanner) == nil { return .success(false) }
        for equality in options.equalities {
            guard let (range, kind) = member(at: equality.field, scanner) else {
                return .failure(.missingField(equality.field.description))
            }
            let text = kind == .string ? scanner.decodeString(contentOf: range)
                : String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            if text != equality.value { return .success(false) }
        }
        return .success(true)
    }

    /// The predicates on `url` and `from`. Host comparisons use the fast
    /// path's ranges when both URLs took it, libcurl's parts otherwise.
    private func urlPredicatesHold(_ urlView: URLView, _ fromView: URLView, partsLoaded: Bool) -> Bool {
        if options.sameHost || options.sameOrigin {
            let same: Bool
            if !partsLoaded, let u = urlView.simple, let f = fromView.simple {
                same = u.port == f.port && equalIgnoringASCIICase(urlView.text, u.host, fromView.text, f.host)
                    && (!options.sameOrigin || u.isHTTPS == f.isHTTPS)
            } else {
                same = url.hasSameAuthority(as: from) && (!options.sameOrigin || url.scheme == from.scheme)
            }
            if !same { return false }
        }
        if options.sameDomain && (url.host.isEmpty
            || PublicSuffix.registrableDomain(of: url.host) != PublicSuffix.registrableDomain(of: from.host)) {
            return false
        }
        if !hosts.isEmpty && !hosts.contains(url.host) { return false }
        if !domains.isEmpty && !domains.contains(where: { isDomain(url.host, within: $0) }) { return false }
        if !schemes.isEmpty && !schemes.contains(url.scheme) { return false }
        if let extensions, !extensions.contains(pathExtension(url.path)) { return false }
        if let excludedExtensions, excludedExtensions.contains(pathExtension(url.path)) { return false }
        if !includes.isEmpty || !excludes.isEmpty {
            // regexec(3) would see a url holding a NUL (`\u0000`) only up to it, so
            // `--exclude secret` would let `http://h/\u0000secret` through: such a
            // url, which is no URL at all, matches every --exclude and no --include.
            if urlView.text.contains(0) { return false }
            cString.removeAll(keepingCapacity: true)
            cString.append(contentsOf: UnsafeRawBufferPointer(urlView.text).bindMemory(to: CChar.self))
            cString.append(0)
            let matched = cString.withUnsafeBufferPointer { text in
                (includes.isEmpty || includes.contains { $0.matches(text.baseAddress!) })
                    && !excludes.contains { $0.matches(text.baseAddress!) }
            }
            if !matched { return false }
        }
        return true
    }

    /// The `--shard` of the url's host: FNV-1a 64 of its lower-case bytes.
    private func shardOf(_ urlView: URLView, partsLoaded: Bool, count: UInt64) -> UInt64 {
        if !partsLoaded, let simple = urlView.simple {
            return fnv1a64(simple.host.lazy.map { asciiLowercased(urlView.text[$0]) }) % count + 1
        }
        return Shard.of(host: url.host, count: count)
    }

    // MARK: - Dedupe

    /// Puts the dedupe key of the line in `keyBytes`: the normalised URL, or
    /// the `--key` field's text. The problem when the `--key` field is absent.
    private func dedupeKey(_ scanner: JSONScanner, _ urlView: URLView, partsLoaded: Bool) -> InvalidRecord? {
        keyBytes.removeAll(keepingCapacity: true)
        guard let key = options.key else {
            if !partsLoaded, let simple = urlView.simple, simple.appendNormalized(of: urlView.text, to: &keyBytes) {
                return nil
            }
            if !partsLoaded { url.load(urlView.text, needs: urlNeeds) }
            keyBytes.append(contentsOf: url.normalized)
            return nil
        }
        guard let (range, kind) = member(at: key, scanner) else { return .missingField(key.description) }
        if kind == .string {
            keyBytes.append(contentsOf: scanner.decodeString(contentOf: range).utf8)
        } else {
            keyBytes.append(contentsOf: UnsafeBufferPointer(rebasing: scanner.bytes[range]))
        }
        return nil
    }

    /// The fingerprint of a line of the `--seen` file: of its normalised URL,
    /// or of the line itself with `--key` or when it is not a URL.
    static func fingerprint(ofSeenLine line: UnsafeBufferPointer<UInt8>, normalizing: Bool,
                            scratch: inout URLParts) -> Fingerprint {
        if normalizing && scratch.load(line, needs: .normalized) {
            return Fingerprint(of: scratch.normalized)
        }
        return Fingerprint(of: line)
    }
}

/// True when `host` is `domain` or a name below it.
func isDomain(_ host: [UInt8], within domain: [UInt8]) -> Bool {
    guard host.count >= domain.count, host.suffix(domain.count).elementsEqual(domain) else { return false }
    return host.count == domain.count || host[host.count - domain.count - 1] == UInt8(ascii: ".")
}

/// The lower-case extension of a path's last segment, without its dot; empty when it has none.
func pathExtension(_ path: [UInt8]) -> [UInt8] {
    let segmentStart = (path.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
    guard let dot = path[segmentStart...].lastIndex(of: UInt8(ascii: ".")), dot > segmentStart else { return [] }
    return path[(dot + 1)...].map(asciiLowercased)
}

/// An `--ext` item as compared: lower-case, a leading dot dropped.
private func extensionBytes(_ item: String) -> [UInt8] {
    Array((item.hasPrefix(".") ? String(item.dropFirst()) : item).lowercased().utf8)
}

/// A URL string of the current line and, when it is plain, its fast-path split.
struct URLView {
    /// The URL's text (in the line, or decoded into scratch space).
    let text: UnsafeBufferPointer<UInt8>
    /// Its split when `SimpleURL` accepts it.
    let simple: SimpleURL?

    /// No URL: for lines whose predicates need none.
    static var none: URLView { URLView(text: UnsafeBufferPointer(start: nil, count: 0), simple: nil) }
}

/// True when `a[aRange]` and `b[bRange]` are equal, ASCII letters compared without case.
@inline(__always)
func equalIgnoringASCIICase(_ a: UnsafeBufferPointer<UInt8>, _ aRange: Range<Int>,
                            _ b: UnsafeBufferPointer<UInt8>, _ bRange: Range<Int>) -> Bool {
    guard aRange.count == bRange.count else { return false }
    // Hosts are mostly written alike: try the exact comparison first.
    if memcmp(a.baseAddress! + aRange.lowerBound, b.baseAddress! + bRange.lowerBound, aRange.count) == 0 { return true }
    var i = aRange.lowerBound
    var j = bRange.lowerBound
    while i < aRange.upperBound {
        if asciiLowercased(a[i]) != asciiLowercased(b[j]) { return false }
        i += 1
        j += 1
    }
    return true
}

/// Bytes that outlive one call: the decoded text of an escaped string, valid until the next `store`.
final class ScratchBytes {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity = 256

    init() { base = .allocate(capacity: capacity) }

    deinit { base.deallocate() }

    /// Copies `text`'s UTF-8 in and returns a view of it.
    func store(_ text: String) -> UnsafeBufferPointer<UInt8> {
        var text = text
        return text.withUTF8 { bytes in
            if bytes.count > capacity {
                base.deallocate()
                capacity = bytes.count
                base = .allocate(capacity: capacity)
            }
            if let source = bytes.baseAddress { base.update(from: source, count: bytes.count) }
            return UnsafeBufferPointer(start: base, count: bytes.count)
        }
    }
}
