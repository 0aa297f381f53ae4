import NDJSON

#if canImport(Glibc)
import Glibc
#endif

/// The fast path of `RecordReader`: one `JSONScanner.walkMembers` over the line that
/// validates it and takes the figures as the members go by, entering only `timing`,
/// `error` and the objects on a `--by` or `--field` path.
///
/// It gives up (`unsure`) on what the full reading treats with care: a key spelled
/// with escapes in an object it reads, or a member it reads present twice (which one
/// counts then depends on the field). `RecordReader.read` then reads the line again
/// the full way, which also tells why an invalid line is invalid. So on every line
/// the walk takes, its figures are the full reading's.
struct RecordWalk {
    /// The `--by` path (index 0, if any) then the `--field` paths, as member names.
    let paths: [[[UInt8]]]
    /// Index of the first `--field` path in `paths`.
    let firstField: Int
    /// One bit per path.
    let allPaths: UInt64
    /// Per depth, the paths with more components than that depth.
    let pathsLongerThan: [UInt64]
    /// Per depth, the paths with exactly that many components.
    let pathsEndingAt: [UInt64]

    /// Per depth, the paths whose first components name the objects walked into.
    var active: [UInt64]
    /// Per depth, the paths whose component there was met (twice is a duplicate).
    var seen: [UInt64]
    /// Paths whose last component was met, with where its value lies and its kind.
    var found: UInt64 = 0
    var values: [Range<Int>]
    var kinds: [JSONKind]
    /// Built-in members met in this line, one bit each (`BuiltIn`).
    var seenBuiltIns: UInt16 = 0
    /// Which built-in object the members at depth 2 belong to.
    var inside = BuiltIn.none
    /// The value of `url` when it is a string.
    var url: Range<Int>?
    /// Set when the line must be read the full way.
    var unsure = false
    /// Which built-in member the name at each ordinal of the walk was (see `JSONMemberPlace`).
    var fields: [BuiltIn] = []

    /// Whether the walk can read lines for these paths: at most 64 of them.
    let usable: Bool

    init(groupBy: FieldPath?, fields: [FieldPath]) {
        let paths = (groupBy.map { [$0] } ?? []).map(\.components) + fields.map(\.components)
        self.paths = paths
        usable = paths.count <= 64
        firstField = groupBy == nil ? 0 : 1
        allPaths = paths.isEmpty || !usable ? 0 : UInt64.max >> (64 - paths.count)
        // Depths are 1-based; built-in objects are walked at depth 2.
        let depths = Swift.max(paths.map(\.count).max() ?? 0, 2) + 1
        pathsLongerThan = (0..<depths).map { depth in
            paths.indices.reduce(0) { mask, p in paths[p].count > depth ? mask | 1 << UInt64(p) : mask }
        }
        pathsEndingAt = (0..<depths).map { depth in
            paths.indices.reduce(0) { mask, p in paths[p].count == depth ? mask | 1 << UInt64(p) : mask }
        }
        active = Array(repeating: 0, count: depths)
        seen = Array(repeating: 0, count: depths)
        values = Array(repeating: 0..<0, count: paths.count)
        kinds = Array(repeating: .null, count: paths.count)
    }

    /// Forgets the last line.
    @inline(__always)
    mutating func reset() {
        seenBuiltIns = 0
        inside = .none
        url = nil
        unsure = false
        guard allPaths != 0 else { return }
        found = 0
        for depth in seen.indices { seen[depth] = 0 }
        active[1] = allPaths
    }

    /// The active paths at `depth` whose component there is `key`.
    @inline(__always)
    func pathsNaming(_ key: Range<Int>, depth: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var candidates = active[depth]
        var matched: UInt64 = 0
        while candidates != 0 {
            let p = candidates.trailingZeroBitCount
            candidates &= candidates - 1
            let name = paths[p][depth - 1]
            if name.count == key.count
                && name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + key.lowerBound, key.count) == 0 }) {
                matched |= 1 << UInt64(p)
            }
        }
        return matched
    }
}

/// The members astats reads, one bit each for telling duplicates.
enum BuiltIn: UInt16 {
    case none = 0
    case ok = 0x1, url = 0x2, error = 0x4, status = 0x8, length = 0x10, timing = 0x20
    case attempts = 0x40, elapsedMs = 0x80, fetchedAt = 0x100, ttfbMs = 0x200, kind = 0x400
}

/// Member names as little-endian words of their first 8 bytes, zero-padded, and of
/// the rest for longer names: a key is compared in one or two loads.
enum BuiltInNames {
    static let ok: UInt64 = 0x6B6F                        // "ok"
    static let url: UInt64 = 0x6C72_75                    // "url"
    static let error: UInt64 = 0x72_6F72_7265             // "error"
    static let status: UInt64 = 0x7375_7461_7473          // "status"
    static let length: UInt64 = 0x6874_676E_656C          // "length"
    static let timing: UInt64 = 0x676E_696D_6974          // "timing"
    static let attempts: UInt64 = 0x7374_706D_6574_7461   // "attempts"
    static let elapsedMs: UInt64 = 0x5F64_6573_7061_6C65  // "elapsed_" of "elapsed_ms"
    static let elapsedMsTail: UInt64 = 0x736D             // "ms"
    static let fetchedAt: UInt64 = 0x5F64_6568_6374_6566  // "fetched_" of "fetched_at"
    static let fetchedAtTail: UInt64 = 0x7461             // "at"
    static let ttfbMs: UInt64 = 0x73_6D5F_6266_7474       // "ttfb_ms"
    static let kind: UInt64 = 0x646E_696B                 // "kind"

    /// The word of the key's bytes from `offset`, at most 8 of them, zero-padded.
    @inline(__always)
    static func word(of key: Range<Int>, from offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let start = key.lowerBound + offset
        let length = Swift.min(key.count - offset, 8)
        if start + 8 <= bytes.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + start).loadUnaligned(as: UInt64.self))
            return length == 8 ? word : word & ((1 << UInt64(8 * length)) - 1)
        }
        var word: UInt64 = 0
        for k in 0..<length { word |= UInt64(bytes[start + k]) << UInt64(8 * k) }
        return word
    }

    /// Which built-in member of a record `key` names, or `.none`.
    @inline(__always)
    static func topLevel(_ key: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> BuiltIn {
        guard key.count >= 2 && key.count <= 10 else { return .none }
        let word = BuiltInNames.word(of: key, from: 0, in: bytes)
        switch key.count {
        case 2: return word == ok ? .ok : .none
        case 3: return word == url ? .url : .none
        case 5: return word == error ? .error : .none
        case 6: return word == status ? .status : word == length ? .length : word == timing ? .timing : .none
        case 8: return word == attempts ? .attempts : .none
        case 10:
            let tail = BuiltInNames.word(of: key, from: 8, in: bytes)
            if word == elapsedMs && tail == elapsedMsTail { return .elapsedMs }
            return word == fetchedAt && tail == fetchedAtTail ? .fetchedAt : .none
        default: return .none
        }
    }
}

extension RecordReader: JSONMemberVisitor {
    /// Walks the line once; false when it must be read the full way (invalid, or unsure).
    @inline(__always)
    mutating func readByWalking(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        figures = RecordFigures()
        for index in fieldValues.indices { fieldValues[index] = .nan }
        groupKeyKind = nil
        groupKeyInLine = nil
        walk.reset()
        let scanner = JSONScanner(line)
        guard scanner.walkMembers(&self), !walk.unsure else { return false }
        for index in fieldValues.indices {
            let p = walk.firstField + index
            if walk.found & 1 << UInt64(p) != 0 && walk.kinds[p] == .number {
                fieldValues[index] = parseNumber(line, walk.values[p])
            }
        }
        guard wantsGroup else { return true }
        if groupBy != nil {
            if walk.found & 1 != 0 { readGroupValue(scanner, walk.values[0], walk.kinds[0]) }
        } else if let url = walk.url {
            readHostInPlace(scanner, url)
        }
        return true
    }

    @inline(__always)
    mutating func shouldEnter(key: Range<Int>, keyHasEscapes: Bool, depth: Int, place: JSONMemberPlace,
                              in line: JSONScanner) -> Bool {
        if keyHasEscapes {
            walk.unsure = true
            return false
        }
        var enter = false
        if depth == 1 {
            let field = place.repeated ? walk.fields[place.ordinal] : BuiltInNames.topLevel(key, in: line.bytes)
            walk.inside = field == .timing || field == .error ? field : .none
            enter = walk.inside != .none
        }
        if walk.allPaths != 0 && depth + 1 < walk.active.count {
            let deeper = walk.pathsNaming(key, depth: depth, line.bytes) & walk.pathsLongerThan[depth]
            walk.active[depth + 1] = deeper
            enter = enter || deeper != 0
        }
        return enter
    }

    @inline(__always)
    mutating func visit(_ member: JSONMember, depth: Int, place: JSONMemberPlace, in line: JSONScanner) {
        if member.keyHasEscapes {
            walk.unsure = true
            return
        }
        if walk.allPaths != 0 && depth < walk.active.count { notePaths(member, depth: depth, line.bytes) }
        let field: BuiltIn
        if place.repeated {
            field = walk.fields[place.ordinal]
        } else {
            field = builtIn(named: member.key, depth: depth, line.bytes)
            while walk.fields.count <= place.ordinal { walk.fields.append(.none) }
            walk.fields[place.ordinal] = field
        }
        guard field != .none, firstSight(field) else { return }
        read(field, member.value, member.kind, line)
    }

    /// Which built-in member `key` names at `depth`, inside the object being walked.
    private func builtIn(named key: Range<Int>, depth: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> BuiltIn {
        if depth == 1 { return BuiltInNames.topLevel(key, in: bytes) }
        guard depth == 2 else { return .none }
        switch walk.inside {
        case .timing:
            return key.count == 7 && BuiltInNames.word(of: key, from: 0, in: bytes) == BuiltInNames.ttfbMs ? .ttfbMs : .none
        case .error:
            return key.count == 4 && BuiltInNames.word(of: key, from: 0, in: bytes) == BuiltInNames.kind ? .kind : .none
        default:
            return .none
        }
    }

    /// Marks the paths naming `member`, and records it as the value of those ending here.
    private mutating func notePaths(_ member: JSONMember, depth: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        let named = walk.pathsNaming(member.key, depth: depth, bytes)
        guard named != 0 else { return }
        if walk.seen[depth] & named != 0 { walk.unsure = true }
        walk.seen[depth] |= named
        var ending = named & walk.pathsEndingAt[depth]
        walk.found |= ending
        while ending != 0 {
            let p = ending.trailingZeroBitCount
            ending &= ending - 1
            walk.values[p] = member.value
            walk.kinds[p] = member.kind
        }
    }

    /// First sight of a built-in member, or a duplicate that makes the walk unsure.
    @inline(__always)
    mutating func firstSight(_ field: BuiltIn) -> Bool {
        if walk.seenBuiltIns & field.rawValue != 0 {
            walk.unsure = true
            return false
        }
        walk.seenBuiltIns |= field.rawValue
        return true
    }

    /// A built-in member's value, read as `readBuiltIn`, `readTiming` and `readError` read it.
    @inline(__always)
    mutating func read(_ field: BuiltIn, _ value: Range<Int>, _ kind: JSONKind, _ line: JSONScanner) {
        let bytes = line.bytes
        switch field {
        case .ok:
            if kind == .bool { figures.ok = bytes[value.lowerBound] == UInt8(ascii: "t") ? 1 : 0 }
        case .url:
            if kind == .string { walk.url = value }
        case .status:
            figures.status = kind == .number ? statusCode(parseNumber(bytes, value)) : -1
        case .length:
            figures.length = kind == .number ? parseNumber(bytes, value) : .nan
        case .attempts:
            figures.attempts = kind == .number ? parseNumber(bytes, value) : .nan
        case .elapsedMs:
            figures.elapsedMs = kind == .number ? parseNumber(bytes, value) : .nan
        case .fetchedAt:
            figures.fetchedAt = kind == .string ? timestamps.parse(bytes, value) : .nan
        case .ttfbMs:
            if kind == .number { figures.ttfbMs = parseNumber(bytes, value) }
        case .kind:
            if kind == .string { readErrorKind(line, value) }
        case .error, .timing, .none:
            // Their members were read as they were walked.
            break
        }
    }
}
