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

    /// Output goes to `sink` in blocks of at least 64 KB, and at `flush()`.
    private static let blockSize = 1 << 16

    init(options: ExtractionOptions, sink: @escaping (UnsafeBufferPointer<UInt8>) -> Void) {
        self.options = options
        self.sink = sink
    }

    /// Hands out what is buffered.
    mutating func flush() {
        guard !output.bytes.isEmpty else { return }
        output.bytes.withUnsafeBufferPointer { sink($0) }
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
        values.withUnsafeBufferPointer { values in
            text.withUnsafeBufferPointer { text in
                for link in links {
                    guard cleanReference(UnsafeBufferPointer(rebasing: values[link.value]), into: &reference) else { continue }
                    let kept = reference.withUnsafeBufferPointer { reference in
                        (options.keepSchemes || !hasDroppedScheme(reference)) && resolver.resolve(reference, into: &resolved)
                    }
                    guard kept else { continue }
                    if options.unique && !seen.insert(String(decoding: resolved, as: UTF8.self)).inserted { continue }
                    writeLink(link, values: values, text: text, depth: depth, page: page, scanner: scanner)
                    written += 1
                    if output.bytes.count >= Self.blockSize { flush() }
                }
            }
        }
        return written
    }

    private mutating func writeLink(_ link: RawLink, values: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>,
                                    depth: Int, page: PageFields, scanner: JSONScanner) {
        output.beginObject()
        output.key(FieldNames.url)
        resolved.withUnsafeBufferPointer { output.string(utf8: $0) }
        output.key(FieldNames.from)
        if let from = page.urlMember {
            output.raw(UnsafeBufferPointer(rebasing: scanner.bytes[from.value]))
        } else {
            output.null()
        }
        output.key(FieldNames.tag)
        output.raw(bytes(of: link.tag.quotedName))
        output.key(FieldNames.attr)
        output.raw(bytes(of: link.attribute.quotedName))
        output.key(FieldNames.text)
        output.string(utf8: UnsafeBufferPointer(rebasing: text[link.text]))
        if let rel = link.rel {
            output.key(FieldNames.rel)
            output.string(utf8: UnsafeBufferPointer(rebasing: values[rel]))
        }
        if link.nofollow {
            output.key(FieldNames.nofollow)
            output.bool(true)
        }
        output.key(FieldNames.depth)
        output.number(depth)
        for (index, member) in page.carried.enumerated() {
            guard let member else { continue }
            output.key(options.carry[index])
            output.raw(UnsafeBufferPointer(rebasing: scanner.bytes[member.value]))
        }
        output.endObject()
        output.newline()
    }
}

/// The fields of a link record; typed as StaticString so that JSONBuffer
/// copies them as they are instead of escaping a String.
private enum FieldNames {
    static let url: StaticString = "url"
    static let from: StaticString = "from"
    static let tag: StaticString = "tag"
    static let attr: StaticString = "attr"
    static let text: StaticString = "text"
    static let rel: StaticString = "rel"
    static let nofollow: StaticString = "nofollow"
    static let depth: StaticString = "depth"
}
