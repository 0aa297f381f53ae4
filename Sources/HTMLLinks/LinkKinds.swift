/// An element that can carry a link, as libxml2 names it (lower case).
public enum LinkTag: UInt8, CaseIterable, Sendable {
    case a, area, link, img, source, script, iframe, frame, embed, video, audio, form, meta

    /// The element's name, as written in the `tag` field.
    public var name: StaticString {
        switch self {
        case .a: "a"
        case .area: "area"
        case .link: "link"
        case .img: "img"
        case .source: "source"
        case .script: "script"
        case .iframe: "iframe"
        case .frame: "frame"
        case .embed: "embed"
        case .video: "video"
        case .audio: "audio"
        case .form: "form"
        case .meta: "meta"
        }
    }

    /// The name as a JSON string, quotes included, for writing as it is.
    var quotedName: StaticString {
        switch self {
        case .a: "\"a\""
        case .area: "\"area\""
        case .link: "\"link\""
        case .img: "\"img\""
        case .source: "\"source\""
        case .script: "\"script\""
        case .iframe: "\"iframe\""
        case .frame: "\"frame\""
        case .embed: "\"embed\""
        case .video: "\"video\""
        case .audio: "\"audio\""
        case .form: "\"form\""
        case .meta: "\"meta\""
        }
    }

    /// The tag named `name`, if it is one that carries links.
    public init?(name: String) {
        guard let tag = LinkTag.allCases.first(where: { "\($0.name)" == name }) else { return nil }
        self = tag
    }
}

/// The attribute a link came from, as written in the `attr` field.
public enum LinkAttribute: UInt8, Sendable {
    case href, src, srcset, poster, action, content

    public var name: StaticString {
        switch self {
        case .href: "href"
        case .src: "src"
        case .srcset: "srcset"
        case .poster: "poster"
        case .action: "action"
        case .content: "content"
        }
    }

    /// The name as a JSON string, quotes included, for writing as it is.
    var quotedName: StaticString {
        switch self {
        case .href: "\"href\""
        case .src: "\"src\""
        case .srcset: "\"srcset\""
        case .poster: "\"poster\""
        case .action: "\"action\""
        case .content: "\"content\""
        }
    }
}

/// Which tags to take links from.
public struct TagSelection: Sendable, Equatable {
    private var bits: UInt32

    /// `a` and `area`: the links a crawler follows. The default.
    public static let crawl = TagSelection([.a, .area])
    /// Every tag alinks knows.
    public static let all = TagSelection(LinkTag.allCases)

    private init(bits: UInt32) { self.bits = bits }

    public init(_ tags: [LinkTag]) {
        bits = 0
        for tag in tags { bits |= 1 << UInt32(tag.rawValue) }
    }

    /// Parses a comma-separated list such as `a,link,img`; throws naming the first unknown tag.
    public init(list: String) throws {
        var tags: [LinkTag] = []
        for name in list.split(separator: ",", omittingEmptySubsequences: true) {
            let trimmed = name.trimmingASCIIBlanks().lowercased()
            guard let tag = LinkTag(name: trimmed) else { throw UnknownTagError(name: trimmed) }
            tags.append(tag)
        }
        self.init(tags)
    }

    @inline(__always)
    public func contains(_ tag: LinkTag) -> Bool { bits & (1 << UInt32(tag.rawValue)) != 0 }
}

/// A `--tags` entry that names no link-carrying tag.
public struct UnknownTagError: Error, CustomStringConvertible {
    public let name: String

    public var description: String {
        "unknown tag '\(name)'; known tags: " + LinkTag.allCases.map { "\($0.name)" }.joined(separator: ",")
    }
}

extension Substring {
    func trimmingASCIIBlanks() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
