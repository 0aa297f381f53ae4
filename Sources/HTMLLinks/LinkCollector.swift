#if canImport(Glibc)
import Glibc
#endif
import CLibXML2
import NDJSON

/// One link as the markup gives it, before resolution: byte ranges into the
/// collector's arenas, so collecting a page allocates nothing per link.
struct RawLink {
    var tag: LinkTag
    var attribute: LinkAttribute
    /// The attribute value (entities already decoded by libxml2), in `values`.
    var value: Range<Int>
    /// Anchor text, whitespace collapsed, in `text`; empty for other tags.
    var text: Range<Int>
    /// The `rel` attribute as written, in `values`.
    var rel: Range<Int>?
    /// True when `rel` has the token `nofollow`.
    var nofollow: Bool
}

/// Collects a page's links with libxml2's HTML push parser in SAX mode: no
/// tree is built, callbacks see start tags, end tags and text as they stream by
/// (DESIGN.md section 8: 2-4x faster than htmlReadMemory and a tree walk).
///
/// One parser context serves every page (xmlCtxtResetPush between pages), so
/// per-page setup allocates no dictionaries or SAX tables.
final class LinkCollector {
    /// What the callbacks build, behind a pointer: the callbacks reach it
    /// without Unmanaged retains or the dynamic exclusivity checks that class
    /// properties cost on every access.
    private let state: UnsafeMutablePointer<CollectorState>
    private var parser: htmlParserCtxtPtr?

    /// The page's links, in document order of their start tags.
    var links: [RawLink] { state.pointee.links }
    /// Attribute values the links point into.
    var values: [UInt8] { state.pointee.values }
    /// Anchor texts the links point into.
    var text: [UInt8] { state.pointee.text }
    /// The first `<base href>`, in `values`.
    var baseHref: Range<Int>? { state.pointee.baseHref }

    /// Recover from any markup, report nothing, never touch the network, and
    /// ignore `<meta charset>`: afetch already decoded the body to UTF-8.
    /// (Not HTML_PARSE_NOIMPLIED: without an implied root, libxml2 2.9 stops
    /// reporting elements after the first top-level one of a fragment.)
    private static let parseOptions = Int32(
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)

    /// Reports links of the `selection` tags, anchor text cut to `maxTextCharacters` scalars.
    init(selection: TagSelection, maxTextCharacters: Int) {
        state = .allocate(capacity: 1)
        state.initialize(to: CollectorState(selection: selection, maxTextCharacters: maxTextCharacters))
        CLibXML2_useRoomyAllocator()
        CLibXML2_silenceErrors()
    }

    deinit {
        if let parser { htmlFreeParserCtxt(parser) }
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Parses one page (UTF-8, no NUL bytes) and leaves its links in `links`.
    func collect(_ html: UnsafeBufferPointer<UInt8>) {
        state.pointee.reset()
        let parser = preparedParser()
        // The whole page is in memory already, so it goes in as one final
        // chunk: with `terminate` set, libxml2 skips the look-ahead scans it
        // otherwise makes before each tag and text run, in case the rest has
        // not arrived (htmlParseTryOrFinish), about 9% of its work here.
        let bytes = UnsafeRawPointer(html.baseAddress)?.assumingMemoryBound(to: CChar.self)
        htmlParseChunk(parser, bytes, Int32(clamping: html.count), 1)
        state.pointee.closeAnchor()
    }

    /// A parser context ready for a new document: created once, then reset.
    private func preparedParser() -> htmlParserCtxtPtr {
        let context = UnsafeMutableRawPointer(state)
        if let parser {
            xmlCtxtResetPush(parser, nil, 0, nil, nil)
            // xmlCtxtReset is the XML reset: it clears the flag that selects
            // libxml2's HTML code paths, and forgets the encoding.
            parser.pointee.html = 1
            xmlSwitchEncoding(parser, XML_CHAR_ENCODING_UTF8)
            parser.pointee.userData = context
            htmlCtxtUseOptions(parser, Self.parseOptions)
            return parser
        }
        var handler = htmlSAXHandler()
        handler.startElement = SAXCallbacks.startElement
        handler.endElement = SAXCallbacks.endElement
        handler.characters = SAXCallbacks.characters
        // Whitespace-only text comes through this callback in some contexts; it
        // separates words of anchor text all the same.
        handler.ignorableWhitespace = SAXCallbacks.characters
        // Script and style content: set to a no-op so that libxml2 does not
        // deliver it through `characters` (htmlParseScript falls back to it).
        handler.cdataBlock = SAXCallbacks.ignoreText
        let created = htmlCreatePushParserCtxt(&handler, context, nil, 0, nil, XML_CHAR_ENCODING_UTF8)!
        htmlCtxtUseOptions(created, Self.parseOptions)
        parser = created
        return created
    }
}

/// The links of the page being parsed, and the SAX handlers that find them.
struct CollectorState {
    /// Which tags to report.
    let selection: TagSelection
    /// The longest anchor text kept, in Unicode scalars.
    let maxTextCharacters: Int

    var links: [RawLink] = []
    var values: [UInt8] = []
    var text: [UInt8] = []
    var baseHref: Range<Int>?

    /// The index in `links` of the `<a>` whose text is being collected.
    private var openAnchor: Int?
    private var textCharacters = 0
    private var pendingSpace = false

    init(selection: TagSelection, maxTextCharacters: Int) {
        self.selection = selection
        self.maxTextCharacters = maxTextCharacters
    }

    /// Forgets the last page, keeping the memory.
    mutating func reset() {
        links.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        baseHref = nil
        closeAnchor()
    }

    // MARK: - SAX events

    mutating func startElement(_ name: UnsafePointer<UInt8>, _ attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?) {
        guard let element = ElementName(name) else { return }
        if element == .base {
            if baseHref == nil, let href = Attributes(attributes).href { baseHref = store(href) }
            return
        }
        guard let tag = element.linkTag, selection.contains(tag) else { return }
        if tag == .a { closeAnchor() }
        let found = Attributes(attributes)
        switch tag {
        case .a, .area, .link:
            guard let href = found.href else { return }
            let rel = found.rel.map { store($0) }
            let nofollow = rel.map { hasToken(values[$0], "nofollow") } ?? false
            if tag == .a { openAnchor = links.count; textCharacters = 0; pendingSpace = false }
            links.append(RawLink(tag: tag, attribute: .href, value: store(href), text: text.count..<text.count,
                                 rel: rel, nofollow: nofollow))
        case .img, .source:
            if tag == .img, let src = found.src { append(tag, .src, store(src)) }
            if let srcset = found.srcset { appendSourceSet(tag, store(srcset)) }
        case .script, .iframe, .frame, .embed, .audio:
            if let src = found.src { append(tag, .src, store(src)) }
        case .video:
            if let src = found.src { append(tag, .src, store(src)) }
            if let poster = found.poster { append(tag, .poster, store(poster)) }
        case .form:
            if let action = found.action { append(tag, .action, store(action)) }
        case .meta:
            guard let equiv = found.httpEquiv, let content = found.content,
                  UnsafeBufferPointer(start: equiv, count: strlen(equiv)).equalsIgnoringASCIICase("refresh") else { return }
            let stored = store(content)
            if let url = values.withUnsafeBufferPointer({ refreshURL(in: UnsafeBufferPointer(rebasing: $0[stored])) }) {
                append(tag, .content, (stored.lowerBound + url.lowerBound)..<(stored.lowerBound + url.upperBound))
            }
        }
    }

    mutating func endElement(_ name: UnsafePointer<UInt8>) {
        if name[0] == UInt8(ascii: "a") && name[1] == 0 { closeAnchor() }
    }

    /// Appends text to the open anchor: runs of ASCII whitespace become one
    /// space, none at either end, at most `maxTextCharacters` scalars.
    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let anchor = openAnchor, textCharacters < maxTextCharacters else { return }
        let start = links[anchor].text.lowerBound
        var i = 0
        while i < bytes.count {
            if isHTMLWhitespace(bytes[i]) {
                if text.count > start { pendingSpace = true }
                i += 1
                continue
            }
            // A word: as many of its scalars as fit, after the pending space.
            var end = i
            var scalars = pendingSpace ? 1 : 0
            let room = maxTextCharacters - textCharacters
            while end < bytes.count && !isHTMLWhitespace(bytes[end]) {
                if bytes[end] & 0xC0 != 0x80 {
                    if scalars >= room { break }
                    scalars += 1
                }
                end += 1
            }
            if scalars == 0 || (pendingSpace && scalars == 1) {
                textCharacters = maxTextCharacters  // not even one scalar fits: the text is full
                break
            }
            if pendingSpace { text.append(0x20); pendingSpace = false }
            text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<end]))
            textCharacters += scalars
            if end < bytes.count && !isHTMLWhitespace(bytes[end]) {
                textCharacters = maxTextCharacters  // the word was cut: the text is full
                break
            }
            i = end
        }
        links[anchor].text = start..<text.count
    }

    mutating func closeAnchor() {
        openAnchor = nil
        pendingSpace = false
    }

    // MARK: - Storage

    /// Copies a NUL-terminated attribute value into `values`.
    private mutating func store(_ value: UnsafePointer<UInt8>) -> Range<Int> {
        let start = values.count
        values.append(contentsOf: UnsafeBufferPointer(start: value, count: strlen(value)))
        return start..<values.count
    }

    private mutating func append(_ tag: LinkTag, _ attribute: LinkAttribute, _ value: Range<Int>) {
        links.append(RawLink(tag: tag, attribute: attribute, value: value, text: 0..<0, rel: nil, nofollow: false))
    }

    /// One link per image candidate of a `srcset`.
    private mutating func appendSourceSet(_ tag: LinkTag, _ stored: Range<Int>) {
        let candidates = values.withUnsafeBufferPointer { sourceSetURLs(in: UnsafeBufferPointer(rebasing: $0[stored])) }
        for url in candidates {
            append(tag, .srcset, (stored.lowerBound + url.lowerBound)..<(stored.lowerBound + url.upperBound))
        }
    }
}

/// The C callbacks libxml2 calls; `static let` so they are plain C function
/// pointers with no actor isolation (DESIGN.md section 8). The context is the
/// collector's state, which lives as long as the parser that calls back.
private enum SAXCallbacks {
    static let startElement: startElementSAXFunc = { context, name, attributes in
        guard let context, let name else { return }
        context.assumingMemoryBound(to: CollectorState.self).pointee.startElement(name, attributes)
    }

    static let endElement: endElementSAXFunc = { context, name in
        guard let context, let name else { return }
        context.assumingMemoryBound(to: CollectorState.self).pointee.endElement(name)
    }

    static let characters: charactersSAXFunc = { context, bytes, length in
        guard let context, let bytes, length > 0 else { return }
        context.assumingMemoryBound(to: CollectorState.self).pointee
            .characters(UnsafeBufferPointer(start: bytes, count: Int(length)))
    }

    static let ignoreText: cdataBlockSAXFunc = { _, _, _ in }
}

/// The elements the collector looks at: those that carry links, and `base`.
private enum ElementName: Equatable {
    case link(LinkTag)
    case base

    var linkTag: LinkTag? {
        if case .link(let tag) = self { return tag }
        return nil
    }

    /// Classifies a lower-case element name (libxml2 lower-cases HTML names)
    /// by its first byte, then one comparison.
    init?(_ name: UnsafePointer<UInt8>) {
        switch name[0] {
        case UInt8(ascii: "a"):
            if name[1] == 0 { self = .link(.a) }
            else if matches(name, "area") { self = .link(.area) }
            else if matches(name, "audio") { self = .link(.audio) }
            else { return nil }
        case UInt8(ascii: "b"):
            guard matches(name, "base") else { return nil }
            self = .base
        case UInt8(ascii: "e"):
            guard matches(name, "embed") else { return nil }
            self = .link(.embed)
        case UInt8(ascii: "f"):
            if matches(name, "form") { self = .link(.form) }
            else if matches(name, "frame") { self = .link(.frame) }
            else { return nil }
        case UInt8(ascii: "i"):
            if matches(name, "img") { self = .link(.img) }
            else if matches(name, "iframe") { self = .link(.iframe) }
            else { return nil }
        case UInt8(ascii: "l"):
            guard matches(name, "link") else { return nil }
            self = .link(.link)
        case UInt8(ascii: "m"):
            guard matches(name, "meta") else { return nil }
            self = .link(.meta)
        case UInt8(ascii: "s"):
            if matches(name, "script") { self = .link(.script) }
            else if matches(name, "source") { self = .link(.source) }
            else { return nil }
        case UInt8(ascii: "v"):
            guard matches(name, "video") else { return nil }
            self = .link(.video)
        default:
            return nil
        }
    }
}

/// The attributes of one start tag that matter here; the first of a repeated
/// name wins, as in browsers (libxml2 drops later duplicates too).
private struct Attributes {
    var href, src, srcset, poster, action, rel, content, httpEquiv: UnsafePointer<UInt8>?

    init(_ list: UnsafeMutablePointer<UnsafePointer<UInt8>?>?) {
        guard let list else { return }
        var i = 0
        while let name = list[i] {
            // A value-less attribute (`<a href>`) has a NULL value: no link.
            if let value = list[i + 1] { take(name, value) }
            i += 2
        }
    }

    private mutating func take(_ name: UnsafePointer<UInt8>, _ value: UnsafePointer<UInt8>) {
        switch name[0] {
        case UInt8(ascii: "h"):
            if href == nil, matches(name, "href") { href = value }
            else if httpEquiv == nil, matches(name, "http-equiv") { httpEquiv = value }
        case UInt8(ascii: "s"):
            if src == nil, matches(name, "src") { src = value }
            else if srcset == nil, matches(name, "srcset") { srcset = value }
        case UInt8(ascii: "r"):
            if rel == nil, matches(name, "rel") { rel = value }
        case UInt8(ascii: "p"):
            if poster == nil, matches(name, "poster") { poster = value }
        case UInt8(ascii: "a"):
            if action == nil, matches(name, "action") { action = value }
        case UInt8(ascii: "c"):
            if content == nil, matches(name, "content") { content = value }
        default:
            break
        }
    }
}

/// True when the NUL-terminated `name` is exactly `expected`.
@inline(__always)
private func matches(_ name: UnsafePointer<UInt8>, _ expected: StaticString) -> Bool {
    let count = expected.utf8CodeUnitCount
    return memcmp(name, expected.utf8Start, count) == 0 && name[count] == 0
}

/// HTML's ASCII whitespace: space, tab, LF, FF, CR.
@inline(__always)
func isHTMLWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
}

/// True when the whitespace-separated `list` (a `rel` value) has `token`, ignoring ASCII case.
func hasToken(_ list: ArraySlice<UInt8>, _ token: StaticString) -> Bool {
    list.withUnsafeBufferPointer { bytes in
        var start = 0
        while start < bytes.count {
            while start < bytes.count && isHTMLWhitespace(bytes[start]) { start += 1 }
            var end = start
            while end < bytes.count && !isHTMLWhitespace(bytes[end]) { end += 1 }
            if end > start && UnsafeBufferPointer(rebasing: bytes[start..<end]).equalsIgnoringASCIICase(token) {
                return true
            }
            start = end
        }
        return false
    }
}
