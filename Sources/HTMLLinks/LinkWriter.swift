import NDJSON
import URLs

/// Writes a page's link records: cleans and resolves each reference, applies
/// the scheme and `--unique` filters, and formats the record.
///
/// A struct with every buffer it reuses, so that the loop over a page's links
/// runs on one exclusive access instead of a dynamic check per class property.
struct LinkWriter {
    let options: ExtractionOptions
    private let sink: (UnsafeBufferPointer<UInt8>) -> Void
    private var resolver = LinkResolver()
    private var output = JSONBuffer(capacity: 1 << 17)
    private var reference: [UInt8] = []
    private var resolved: [UInt8] = []
    private var seen: Set<String> = []
    /// Per page, by tag and attribute: `,"from":FROM,"tag":TAG,"attr":ATTR,"text":`,
    /// the fixed run between a link's url and text, built on first use.
    private var middles: [[UInt8]?] = Array(repeating: nil, count: LinkWriter.middleCount)
    /// Per page: `,"depth":N`, the carried fields, `}` and the newline, which end every record.
    private var tail: [UInt8] = []
    /// `--carry` names as written before their values: `,"NAME":`, escaped.
    private let carriedKeys: [[UInt8]]

    /// Output goes to `sink` in blocks of at least 64 KB, and at `flush()`.
    private static let blockSize = 1 << 16

    init(options: ExtractionOptions, sink: @escaping (UnsafeBufferPointer<UInt8>) -> Void) {
        self.options = options
        self.sink = sink
        carriedKeys = options.carry.map { name in
            var key = JSONBuffer(capacity: name.utf8.count + 8)
            key.beginObject()
            key.key(name)
            return [UInt8(ascii: ",")] + key.bytes.dropFirst()
        }
    }

    private static let middleCount = LinkTag.allCases.count * 8

    /// Hands out what is buffered.
    mutating func flush() {
        guard output.count > 0 else { return }
        output.withBytes { sink($0) }
        output.removeAll()
    }

    /// The page record as read, without `body` or `body_base64` (`--pages`).
    mutating func writePageRecord(_ scanner: JSONScanner) {
        output.beginObject()
        try? output.copyMembers(of: scanner) { member in
            scanner.key(member, is: Keys.body) || scanner.key(member, is: Keys.bodyBase64)
        }
        output.endObject()
        output.newline()
    }

    /// Sets the base URL: the first `<base href>` resolved against the page's
    /// URL (HTML's "document base URL"), else the page's URL.
    mutating func setBase(pageURL: String?, baseHref: ArraySlice<UInt8>?) {
        guard let baseHref, baseHref.withUnsafeBufferPointer({ cleanReference($0, into: &reference) }) else {
            if let pageURL { resolver.setBase(pageURL: pageURL) } else { resolver.setBase(nil) }
            return
        }
        let text = String(decoding: reference, as: UTF8.self)
        let page = pageURL.flatMap { try? WebURL($0) }
        resolver.setBase((try? page.map { try $0.resolving(text) } ?? WebURL(text)) ?? page)
    }

    /// Writes a record per kept link; returns how many.
    mutating func writeLinks(_ links: [RawLink], values: [UInt8], text: [UInt8], page: PageFields,
                             scanner: JSONScanner) -> Int {
        let depth = page.depth + 1
        var written = 0
        if options.unique { seen.removeAll(keepingCapacity: true) }
        for index in middles.indices { middles[index] = nil }
        setTail(depth: depth, page: page, scanner: scanner)
        values.withUnsafeBufferPointer { values in
            text.withUnsafeBufferPointer { text in
                for link in links {
                    guard cleanReference(UnsafeBufferPointer(rebasing: values[link.value]), into: &reference) else { continue }
                    let kept = reference.withUnsafeBufferPointer { reference in
                        (options.keepSchemes || !hasDroppedScheme(reference)) && resolver.resolve(reference, into: &resolved)
                    }
                    guard kept else { continue }
                    if options.unique && !seen.insert(String(decoding: resolved, as: UTF8.self)).inserted { continue }
                    writeLink(link, values: values, text: text, page: page, scanner: scanner)
                    written += 1
                    if output.count >= Self.blockSize { flush() }
                }
            }
        }
        return written
    }

    /// One record: url and text escaped, the rest from the page's fixed runs.
    private mutating func writeLink(_ link: RawLink, values: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>,
                                    page: PageFields, scanner: JSONScanner) {
        output.fragment(bytes(of: "{\"url\":"))
        resolved.withUnsafeBufferPointer { output.string(utf8: $0) }
        let middle = Int(link.tag.rawValue) * 8 + Int(link.attribute.rawValue)
        if middles[middle] == nil { middles[middle] = middleRun(link, page: page, scanner: scanner) }
        middles[middle]!.withUnsafeBufferPointer { output.fragment($0) }
        output.string(utf8: UnsafeBufferPointer(rebasing: text[link.text]))
        if let rel = link.rel {
            output.fragment(bytes(of: ",\"rel\":"))
            output.string(utf8: UnsafeBufferPointer(rebasing: values[rel]))
        }
        if link.nofollow { output.fragment(bytes(of: ",\"nofollow\":true")) }
        tail.withUnsafeBufferPointer { output.fragment($0) }
    }

    /// `,"from":FROM,"tag":TAG,"attr":ATTR,"text":` for `link`'s tag and attribute on this page.
    private func middleRun(_ link: RawLink, page: PageFields, scanner: JSONScanner) -> [UInt8] {
        var run = JSONBuffer(capacity: 256)
        run.beginObject()
        run.key(FieldNames.from)
        if let from = page.urlMember {
            run.raw(UnsafeBufferPointer(rebasing: scanner.bytes[from.value]))
        } else {
            run.null()
        }
        run.key(FieldNames.tag)
        run.raw(bytes(of: link.tag.quotedName))
        run.key(FieldNames.attr)
        run.raw(bytes(of: link.attribute.quotedName))
        run.key(FieldNames.text)
        return [UInt8(ascii: ",")] + run.bytes.dropFirst()
    }

    /// Sets `tail` for this page's records: depth, carried fields, end of record.
    private mutating func setTail(depth: Int, page: PageFields, scanner: JSONScanner) {
        var run = JSONBuffer(capacity: 256)
        run.beginObject()
        run.key(FieldNames.depth)
        run.number(depth)
        for (index, member) in page.carried.enumerated() {
            guard let member else { continue }
            carriedKeys[index].withUnsafeBufferPointer { run.fragment($0) }
            run.raw(UnsafeBufferPointer(rebasing: scanner.bytes[member.value]))
        }
        run.endObject()
        run.newline()
        tail = [UInt8(ascii: ",")] + run.bytes.dropFirst()
    }
}

/// The fields of a link record; typed as StaticString so that JSONBuffer
/// copies them as they are instead of escaping a String.
private enum FieldNames {
    static let from: StaticString = "from"
    static let tag: StaticString = "tag"
    static let attr: StaticString = "attr"
    static let text: StaticString = "text"
    static let depth: StaticString = "depth"
}
