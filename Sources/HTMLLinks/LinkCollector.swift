#if canImport(Glibc)
import Glibc
#endif
import CLibXML2

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
/// per-page setup costs no allocation of dictionaries or SAX tables.
final class LinkCollector {
    /// Which tags to report.
    let selection: TagSelection
    /// The longest anchor text kept, in Unicode scalars.
    let maxTextCharacters: Int

    /// The page's links, in document order of their start tags.
    private(set) var links: [RawLink] = []
    /// Attribute values the links point into.
    private(set) var values: [UInt8] = []
    /// Anchor texts the links point into.
    private(set) var text: [UInt8] = []
    /// The first `<base href>`, in `values`.
    private(set) var baseHref: Range<Int>?

    /// The index in `links` of the `<a>` whose text is being collected.
    private var openAnchor: Int?
    private var textCharacters = 0
    private var pendingSpace = false
    private var parser: htmlParserCtxtPtr?

    /// libxml2 reads the input in chunks of this size; its own buffer stays small
    /// however large the page (it discards consumed input as it goes).
    private static let chunkSize = 1 << 16
    /// Recover from any markup, report nothing, never touch the network, and
    /// ignore `<meta charset>`: afetch already decoded the body to UTF-8.
    private static let parseOptions = Int32(
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)

    init(selection: TagSelection, maxTextCharacters: Int) {
        self.selection = selection
        self.maxTextCharacters = maxTextCharacters
        CLibXML2_silenceErrors()
    }

    deinit {
        if let parser { htmlFreeParserCtxt(parser) }
    }

    /// Parses one page (UTF-8, no NUL bytes) and leaves its links in `links`.
    func collect(_ html: UnsafeBufferPointer<UInt8>) {
        links.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        baseHref = nil
        openAnchor = nil
        let parser = preparedParser()
        var offset = 0
        while offset < html.count {
            let length = min(Self.chunkSize, html.count - offset)
            let chunk = UnsafeRawPointer(html.baseAddress! + offset).assumingMemoryBound(to: CChar.self)
            htmlParseChunk(parser, chunk, Int32(length), 0)
            offset += length
        }
        htmlParseChunk(parser, nil, 0, 1)
        closeAnchor()
    }

    /// A parser context ready for a new document: created once, then reset.
    private func preparedParser() -> htmlParserCtxtPtr {
        let context = Unmanaged.passUnretained(self).toOpaque()
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

    // MARK: - SAX events

    fileprivate func startElement(_ name: UnsafePointer<UInt8>, _ attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?) {
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
                  equalsIgnoringASCIICase(UnsafeBufferPointer(start: equiv, count: strlen(equiv)), "refresh") else { return }
            let stored = store(content)
            if let url = values.withUnsafeBufferPointer({ refreshURL(in: UnsafeBufferPointer(rebasing: $0[stored])) }) {
                append(tag, .content, (stored.lowerBound + url.lowerBound)..<(stored.lowerBound + url.upperBound))
            }
        }
    }

    fileprivate func endElement(_ name: UnsafePointer<UInt8>) {
        if name[0] == UInt8(ascii: "a") && name[1] == 0 { closeAnchor() }
    }

    /// Appends text to the open anchor: runs of ASCII whitespace become one
    /// space, none at either end, at most `maxTextCharacters` scalars.
    fileprivate func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let anchor = openAnchor, textCharacters < maxTextCharacters else { return }
        let start = links[anchor].text.lowerBound
        for byte in bytes {
            if isHTMLWhitespace(byte) {
                if text.count > start { pendingSpace = true }
                continue
            }
            if byte & 0xC0 != 0x80 {
                // The first byte of a scalar: it (and a pending space) must fit.
                let needed = pendingSpace ? 2 : 1
                if textCharacters + needed > maxTextCharacters {
                    textCharacters = maxTextCharacters
                    pendingSpace = false
                    break
                }
                if pendingSpace { text.append(0x20); pendingSpace = false }
                textCharacters += needed
            }
            text.append(byte)
        }
        links[anchor].text = start..<text.count
    }

    private func closeAnchor() {
        openAnchor = nil
        pendingSpace = false
    }

    // MARK: - Storage

    /// Copies a NUL-terminated attribute value into `values`.
    private func store(_ value: UnsafePointer<UInt8>) -> Range<Int> {
        let start = values.count
        values.append(contentsOf: UnsafeBufferPointer(start: value, count: strlen(value)))
        return start..<values.count
    }

    private func append(_ tag: LinkTag, _ attribute: LinkAttribute, _ value: Range<Int>) {
        links.append(RawLink(tag: tag, attribute: attribute, value: value, text: 0..<0, rel: nil, nofollow: false))
    }

    /// One link per image candidate of a `srcset`.
    private func appendSourceSet(_ tag: LinkTag, _ stored: Range<Int>) {
        let candidates = values.withUnsafeBufferPointer { sourceSetURLs(in: UnsafeBufferPointer(rebasing: $0[stored])) }
        for url in candidates {
            append(tag, .srcset, (stored.lowerBound + url.lowerBound)..<(stored.lowerBound + url.upperBound))
        }
    }
}

/// The C callbacks libxml2 calls; `static let` so they are plain C function
/// pointers with no actor isolation (DESIGN.md section 8). The context is the
/// collector, passed unretained: it owns the parser, so it outlives every call.
private enum SAXCallbacks {
    static let startElement: startElementSAXFunc = { context, name, attributes in
        guard let context, let name else { return }
        Unmanaged<LinkCollector>.fromOpaque(context).takeUnretainedValue().startElement(name, attributes)
    }

    static let endElement: endElementSAXFunc = { context, name in
        guard let context, let name else { return }
        Unmanaged<LinkCollector>.fromOpaque(context).takeUnretainedValue().endElement(name)
    }

    static let characters: charactersSAXFunc = { context, bytes, length in
        guard let context, let bytes, length > 0 else { return }
        Unmanaged<LinkCollector>.fromOpaque(context).takeUnretainedValue()
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

/// Compares bytes with lower-case ASCII text, ignoring ASCII case.
func equalsIgnoringASCIICase(_ bytes: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
    guard bytes.count == lower.utf8CodeUnitCount else { return false }
    for i in 0..<bytes.count where asciiLowercased(bytes[i]) != lower.utf8Start[i] { return false }
    return true
}

@inline(__always)
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
}

/// True when the whitespace-separated `list` (a `rel` value) has `token`, ignoring ASCII case.
func hasToken(_ list: ArraySlice<UInt8>, _ token: StaticString) -> Bool {
    list.withUnsafeBufferPointer { bytes in
        var start = 0
        while start < bytes.count {
            while start < bytes.count && isHTMLWhitespace(bytes[start]) { start += 1 }
            var end = start
            while end < bytes.count && !isHTMLWhitespace(bytes[end]) { end += 1 }
            if end > start && equalsIgnoringASCIICase(UnsafeBufferPointer(rebasing: bytes[start..<end]), token) {
                return true
            }
            start = end
        }
        return false
    }
}
