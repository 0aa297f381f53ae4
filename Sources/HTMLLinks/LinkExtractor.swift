import NDJSON
import URLs

/// What alinks does with each page; the flags of the command line.
public struct ExtractionOptions: Sendable {
    /// Tags whose links are reported. The default is `a` and `area`.
    public var tags: TagSelection = .crawl
    /// Report `javascript:`, `mailto:`, `tel:` and `data:` links too.
    public var keepSchemes = false
    /// Longest anchor text, in characters. The default is 200.
    public var maxText = 200
    /// Page fields copied into each link record.
    public var carry: [String] = []
    /// Report each URL once per page.
    public var unique = false
    /// Pass each page record through, without its body, before its links.
    public var pages = false

    public init() {}

    /// The fields alinks writes itself, which `--carry` may not name.
    public static let linkFields: Set<String> = ["url", "from", "tag", "attr", "text", "rel", "nofollow", "depth"]
}

/// Totals over a run, for the summary on stderr.
public struct ExtractionCounts: Sendable, Equatable {
    /// HTML pages parsed.
    public var pages = 0
    /// Link records written.
    public var links = 0
    /// Records that gave no links: failed, not HTML, without body, or unreadable.
    public var skipped = 0
    /// Of `skipped`, lines that were not a JSON object.
    public var invalid = 0

    public init() {}

    /// One line such as `2000 pages, 81234 links, 3 records skipped (1 not JSON)`.
    public var summary: String {
        var text = "\(pages) pages, \(links) links, \(skipped) records skipped"
        if invalid > 0 { text += " (\(invalid) not JSON)" }
        return text
    }
}

/// A record alinks could not use, with the reason for stderr.
public struct RecordError: Error, CustomStringConvertible {
    public let description: String
}

/// Turns afetch output records into link records (DESIGN.md section 2).
///
/// Each record is scanned once for the fields alinks reads; the body is
/// decoded into memory reused across pages, parsed by libxml2 in SAX mode,
/// and each link written straight into a JSON buffer handed to `sink` in
/// blocks, so memory stays bounded by the largest page, not the input.
public final class LinkExtractor {
    /// The options in force.
    public let options: ExtractionOptions
    /// Totals so far.
    public private(set) var counts = ExtractionCounts()

    private let collector: LinkCollector
    private var body = PageBody()
    private var writer: LinkWriter
    /// `--carry` names as bytes, to compare with keys without decoding them.
    private let carryKeys: [[UInt8]]

    /// Output is handed to `sink` in blocks of whole records.
    public init(options: ExtractionOptions, sink: @escaping (UnsafeBufferPointer<UInt8>) -> Void) {
        self.options = options
        collector = LinkCollector(selection: options.tags, maxTextCharacters: max(options.maxText, 0))
        writer = LinkWriter(options: options, sink: sink)
        carryKeys = options.carry.map { Array($0.utf8) }
    }

    /// Processes one input line. Throws, after counting it as skipped, when the
    /// line is not a JSON object or its body cannot be read.
    public func process(line: UnsafeBufferPointer<UInt8>) throws(RecordError) {
        defer { writer.flush() }
        let scanner = JSONScanner(line)
        var page = PageFields(carryCount: carryKeys.count)
        do {
            try scanner.forEachMember { member in page.note(member, in: scanner, carry: carryKeys) }
        } catch {
            counts.skipped += 1
            counts.invalid += 1
            throw RecordError(description: "\(error)")
        }
        if options.pages { writer.writePageRecord(scanner) }
        guard page.ok, page.isHTMLType != false, page.body != nil else {
            counts.skipped += 1
            return
        }
        do {
            try loadBody(page, scanner)
        } catch {
            counts.skipped += 1
            throw RecordError(description: "\(error)")
        }
        guard page.isHTMLType == true || body.withBytes(looksLikeHTML) else {
            counts.skipped += 1
            return
        }
        counts.pages += 1
        body.withBytes { collector.collect($0) }
        let pageURL = page.urlMember.map { scanner.decodeString(contentOf: $0.value) }
        writer.setBase(pageURL: pageURL, baseHref: collector.baseHref.map { collector.values[$0] })
        counts.links += writer.writeLinks(collector.links, values: collector.values, text: collector.text,
                                          page: page, scanner: scanner)
    }

    private func loadBody(_ page: PageFields, _ scanner: JSONScanner) throws {
        guard let (kind, member) = page.body else { return }
        let value = UnsafeBufferPointer(rebasing: scanner.bytes[(member.value.lowerBound + 1)..<(member.value.upperBound - 1)])
        switch kind {
        case .text: body.setJSONString(value)
        case .base64:
            if value.contains(UInt8(ascii: "\\")) {
                // Escapes in base64 text are legal JSON, if odd: decode them first.
                var decoded = Array(scanner.decodeString(contentOf: member.value).utf8)
                try decoded.withUnsafeMutableBufferPointer { try body.setBase64(UnsafeBufferPointer($0)) }
            } else {
                try body.setBase64(value)
            }
        case .path: try body.setFile(scanner.decodeString(contentOf: member.value))
        }
    }
}

/// What one pass over an input record's members finds.
struct PageFields {
    enum BodyKind { case text, base64, path }

    var ok = true
    /// True or false from `content_type`; nil when absent or null (then the body is sniffed).
    var isHTMLType: Bool?
    var depth = 0
    var body: (BodyKind, JSONMember)?
    var finalURL: JSONMember?
    var url: JSONMember?
    var carried: [JSONMember?]

    init(carryCount: Int) { carried = Array(repeating: nil, count: carryCount) }

    /// The page's address, and each link's `from`: `final_url`, else `url`.
    var urlMember: JSONMember? { finalURL ?? url }

    mutating func note(_ member: JSONMember, in scanner: JSONScanner, carry: [[UInt8]]) {
        for (index, name) in carry.enumerated() where name.withUnsafeBufferPointer({ scanner.key(member, is: $0) }) {
            carried[index] = member
        }
        switch member.kind {
        case .string:
            if scanner.key(member, is: Keys.body) { body = (.text, member) }
            else if scanner.key(member, is: Keys.finalURL) { finalURL = member }
            else if scanner.key(member, is: Keys.url) { url = member }
            else if scanner.key(member, is: Keys.contentType) {
                var type = scanner.decodeString(contentOf: member.value)
                isHTMLType = type.withUTF8(isHTMLContentType)
            } else if body == nil || body?.0 == .path, scanner.key(member, is: Keys.bodyBase64) { body = (.base64, member) }
            else if body == nil, scanner.key(member, is: Keys.bodyPath) { body = (.path, member) }
        case .bool:
            if scanner.key(member, is: Keys.ok) { ok = scanner.bytes[member.value.lowerBound] == UInt8(ascii: "t") }
        case .number:
            // A negative or out-of-range depth counts as none, as a missing one does.
            if scanner.key(member, is: Keys.depth) { depth = scanner.decode(member).intValue.map { max($0, 0) } ?? 0 }
        default:
            break
        }
    }
}

/// Field names compared with record keys.
enum Keys {
    static var body: UnsafeBufferPointer<UInt8> { bytes(of: "body") }
    static var bodyBase64: UnsafeBufferPointer<UInt8> { bytes(of: "body_base64") }
    static var bodyPath: UnsafeBufferPointer<UInt8> { bytes(of: "body_path") }
    static var finalURL: UnsafeBufferPointer<UInt8> { bytes(of: "final_url") }
    static var url: UnsafeBufferPointer<UInt8> { bytes(of: "url") }
    static var contentType: UnsafeBufferPointer<UInt8> { bytes(of: "content_type") }
    static var ok: UnsafeBufferPointer<UInt8> { bytes(of: "ok") }
    static var depth: UnsafeBufferPointer<UInt8> { bytes(of: "depth") }
}

/// A static string's UTF-8 bytes, without copying.
@inline(__always)
func bytes(of text: StaticString) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
}

/// What alinks drives: one extractor, or several threads of them.
public protocol PageExtraction: AnyObject {
    /// Totals so far.
    var counts: ExtractionCounts { get }
    /// Processes every line of `reader`, writing records to the sink and one
    /// warning per unusable record to `warn`, labelled `name:line` (or `line N`
    /// for standard input). Throws only when reading fails.
    func run(_ reader: LineReader, name: String?, warn: @escaping (String) -> Void) throws
}

extension LinkExtractor: PageExtraction {
    public func run(_ reader: LineReader, name: String?, warn: @escaping (String) -> Void) throws {
        while let line = try reader.next() {
            do {
                try process(line: line)
            } catch {
                let place = name.map { "\($0):\(reader.lineNumber)" } ?? "line \(reader.lineNumber)"
                warn("\(place): \(error)")
            }
        }
    }
}
