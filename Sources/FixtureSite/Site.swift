/// The generated site the fixture server answers with: deterministic pages for
/// three virtual hosts, built on demand from the page number alone, so tests
/// can ask the generator what a page says and links to without parsing HTML.
///
/// Hosts, told apart by the Host header's name (its port is ignored):
/// - `a.site.test`: a small site of 12 pages;
/// - `b.site.test`: a small site of 30 pages;
/// - `other.test`: every path is 404;
/// - any other name (`site.test`, `127.0.0.1`, ...): the main site of `pages` pages.
///
/// Paths: `/` (also `/index.html`) is the index; `/p/N.html` for N in
/// 0..<pages; `/img/N.png` a small PNG for any N; everything else is 404.
/// The index links to pages 0 to 7 and page N to pages 8(N+1) to 8(N+1)+7,
/// so page N sits at depth ⌊log₈(7N+8)⌋ and 2000 pages are all within 4 links of `/`.
public struct Site: Sendable {
    /// How many pages the main site has.
    public let pages: Int

    /// How many children each page (and the index) links to.
    static let fanOut = 8

    /// A site whose main host has `pages` pages (`/p/0.html` to `/p/(pages-1).html`).
    public init(pages: Int = 2000) {
        self.pages = max(0, pages)
    }

    /// The answer for `path` (query and fragment ignored) on `host`, a Host
    /// header value such as `site.test:8080`: absolute links in the page carry
    /// that host and port as written (no port when the header has none).
    public func response(host: String, path: String) -> (status: Int, contentType: String, body: [UInt8]) {
        let (name, _) = Self.split(host: host)
        guard let site = variant(for: name) else { return Self.notFound }
        switch site.page(at: path) {
        case .index:
            return (200, "text/html; charset=utf-8", Array(site.html(page: nil, authority: host).utf8))
        case .page(let number):
            return (200, "text/html; charset=utf-8", Array(site.html(page: number, authority: host).utf8))
        case .image:
            return (200, "image/png", Self.png)
        case .missing:
            return Self.notFound
        }
    }

    /// The absolute, fragment-free URLs (`http://HOST:PORT/...`) of the
    /// `<a href>` targets of the page at `path` on `host` (a name without port),
    /// in document order, duplicates kept: the generator's own list.
    /// Empty for anything that is not an HTML page.
    public func links(host: String, path: String, port: Int) -> [String] {
        guard let site = variant(for: host.lowercased()) else { return [] }
        let number: Int?
        switch site.page(at: path) {
        case .index: number = nil
        case .page(let n): number = n
        case .image, .missing: return []
        }
        return site.links(page: number, authority: "\(host):\(port)").map { link in
            let authority = link.host.map { "\($0):\(port)" } ?? "\(host):\(port)"
            return "http://\(authority)\(link.target)"
        }
    }

    /// The 404 answer every host gives for unknown paths.
    static let notFound = (status: 404, contentType: "text/html; charset=utf-8",
                           body: Array("<!DOCTYPE html>\n<title>Not found</title>\n<h1>404 Not found</h1>\n".utf8))

    /// A 1×1 transparent PNG, what every `/img/N.png` answers.
    public static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
        0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
        0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
        0x42, 0x60, 0x82,
    ]

    /// Splits a Host header value into its lower-cased name and its port.
    static func split(host: String) -> (name: String, port: Int?) {
        // IPv6 literals ("[::1]:80") keep their brackets in the name.
        if let close = host.lastIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            let name = String(host[...close]).lowercased()
            return (name, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        guard let colon = host.lastIndex(of: ":") else { return (host.lowercased(), nil) }
        return (String(host[..<colon]).lowercased(), Int(host[host.index(after: colon)...]))
    }

    /// The site a host name gets, or nil for the all-404 host.
    func variant(for name: String) -> SiteVariant? {
        switch name {
        case "a.site.test": return SiteVariant(name: name, pages: 12, isMain: false)
        case "b.site.test": return SiteVariant(name: name, pages: 30, isMain: false)
        case "other.test": return nil
        default: return SiteVariant(name: "site.test", pages: pages, isMain: true)
        }
    }
}

/// What a path names on one site.
enum SitePage: Equatable {
    case index
    case page(Int)
    case image(Int)
    case missing
}

/// One `<a href>` the generator writes.
struct SiteLink {
    /// The attribute value as written in the HTML (entities escaped).
    var href: String
    /// The host it leads to, or nil for the page's own host.
    var host: String?
    /// The path and query it resolves to, fragment removed, entities decoded.
    var target: String
}

/// One virtual host's site.
struct SiteVariant {
    /// The name shown in titles.
    let name: String
    /// How many `/p/N.html` pages exist.
    let pages: Int
    /// Only the main site links to other hosts, has large pages and `<base href>` pages.
    let isMain: Bool

    func page(at path: String) -> SitePage {
        let path = path.prefix { $0 != "?" && $0 != "#" }
        if path == "/" || path == "/index.html" { return .index }
        if path.hasPrefix("/p/"), path.hasSuffix(".html"), let number = Self.number(path.dropFirst(3).dropLast(5)),
           number < pages {
            return .page(number)
        }
        if path.hasPrefix("/img/"), path.hasSuffix(".png"), let number = Self.number(path.dropFirst(5).dropLast(4)) {
            return .image(number)
        }
        return .missing
    }

    /// A page number written the one way the generator writes it (no sign, no leading zeros).
    private static func number(_ text: Substring) -> Int? {
        guard let number = Int(text), number >= 0, String(number) == text else { return nil }
        return number
    }

    /// Pages every 25th from page 3 carry a `<base href>` (alternately `/` and `http://HOST/`).
    func baseHref(page: Int?, authority: String) -> String? {
        guard isMain, let page, page % 25 == 3 else { return nil }
        return page % 2 == 1 ? "/" : "http://\(authority)/"
    }

    /// Pages 250, 750, 1250, ... are large (about 300 KB of text).
    func isLarge(page: Int?) -> Bool {
        guard isMain, let page else { return false }
        return page % 500 == 250
    }

    /// The links of the index (`page` nil) or of page `page`, for a Host header `authority`.
    func links(page: Int?, authority: String) -> [SiteLink] {
        // Relative references are written against the page's directory, or
        // against the root when the page is the index or has a <base href> of the root.
        let directory = (page == nil || baseHref(page: page, authority: authority) != nil) ? "p/" : ""
        let seed = (page ?? -1) + 1
        let firstChild = Site.fanOut * seed
        var links: [SiteLink] = []
        for (j, child) in (firstChild..<max(firstChild, min(firstChild + Site.fanOut, pages))).enumerated() {
            let target = "/p/\(child).html"
            let href: String
            switch (seed + j) % 6 {
            case 0: href = "\(directory)\(child).html"
            case 1: href = "../p/\(child).html"
            case 2: href = target
            case 3: href = "http://\(authority)\(target)"
            case 4: href = "\(directory)\(child).html#s\(j)"
            default: href = "./\(directory)\(child).html"
            }
            links.append(SiteLink(href: href, host: nil, target: target))
        }
        guard let page else { return links }
        // Up: the parent page, or the index (written "../" on even pages).
        let parent = page < Site.fanOut ? "/" : "/p/\(page / Site.fanOut - 1).html"
        links.append(SiteLink(href: parent == "/" && page % 2 == 0 ? "../" : parent, host: nil, target: parent))
        let cross = Int(mix(UInt64(page)) % UInt64(pages))
        links.append(SiteLink(href: "/p/\(cross).html?from=\(page)", host: nil, target: "/p/\(cross).html?from=\(page)"))
        if page % 3 == 0 {
            let other = Int(mix(UInt64(page) &+ 7777) % UInt64(pages))
            links.append(SiteLink(href: "\(directory)\(other).html?from=\(page)&amp;via=x", host: nil,
                                  target: "/p/\(other).html?from=\(page)&via=x"))
        }
        if page % 7 == 0 { links.append(SiteLink(href: "/img/\(page).png", host: nil, target: "/img/\(page).png")) }
        if page % 11 == 0 {
            links.append(SiteLink(href: "\(directory)missing-\(page).html", host: nil, target: "/p/missing-\(page).html"))
        }
        if isMain {
            let port = Site.split(host: authority).port.map { ":\($0)" } ?? ""
            if page % 13 == 0 { links.append(SiteLink(href: "http://a.site.test\(port)/", host: "a.site.test", target: "/")) }
            if page % 17 == 0 {
                links.append(SiteLink(href: "http://b.site.test\(port)/p/\(page % 30).html", host: "b.site.test",
                                      target: "/p/\(page % 30).html"))
            }
            if page % 19 == 0 { links.append(SiteLink(href: "http://other.test\(port)/", host: "other.test", target: "/")) }
        }
        return links
    }

    /// The HTML of the index (`page` nil) or of page `page`.
    func html(page: Int?, authority: String) -> String {
        let title = page.map { "\(name) page \($0)" } ?? "\(name) index"
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(title)</title>\n"
        if let base = baseHref(page: page, authority: authority) { html += "<base href=\"\(base)\">\n" }
        html += "</head>\n<body>\n<h1>\(title)</h1>\n"
        let seed = UInt64(bitPattern: Int64(page ?? -1))
        html += paragraph(seed: seed, words: 40)
        let links = self.links(page: page, authority: authority)
        // Large pages put half their links after the filler, so a parser must read it all.
        let split = isLarge(page: page) ? links.count / 2 : links.count
        html += list(links[..<split], page: page ?? -1, offset: 0)
        if isLarge(page: page) {
            for k in 0..<2400 { html += paragraph(seed: seed &* 31 &+ UInt64(k), words: 20) }
            html += list(links[split...], page: page ?? -1, offset: split)
        }
        html += paragraph(seed: seed &+ 1, words: 30)
        html += "</body>\n</html>\n"
        return html
    }

    /// A `<ul>` of links, varying quoting and case so parsers meet both.
    private func list(_ links: ArraySlice<SiteLink>, page: Int, offset: Int) -> String {
        guard !links.isEmpty else { return "" }
        var html = "<ul>\n"
        for (i, link) in links.enumerated() {
            let k = page + offset + i + 1
            let label = link.target.hasPrefix("/p/") ? "page \(link.target.dropFirst(3).prefix { $0 != "." })" : "link \(i)"
            if k % 7 == 6 {
                html += "<li><A class=\"nav\" HREF=\"\(link.href)\">\(label)</A></li>\n"
            } else if k % 5 == 4 {
                html += "<li><a href='\(link.href)' title=\"go\">\(label)</a></li>\n"
            } else {
                html += "<li><a href=\"\(link.href)\">\(label)</a></li>\n"
            }
        }
        return html + "</ul>\n"
    }

    private static let words = [
        "crawl", "fetch", "link", "page", "record", "stream", "filter", "host", "queue", "retry",
        "anchor", "header", "status", "body", "delay", "graph", "depth", "scope", "robots", "index",
        "latency", "socket", "buffer", "parser", "charset", "redirect", "cache", "origin", "path", "query",
    ]

    /// Deterministic filler text.
    private func paragraph(seed: UInt64, words count: Int) -> String {
        var text = "<p>"
        var state = seed
        for k in 0..<count {
            state = mix(state &+ UInt64(k))
            if k > 0 { text += " " }
            text += Self.words[Int(state % UInt64(Self.words.count))]
        }
        return text + ".</p>\n"
    }
}

/// SplitMix64's finaliser: a fixed, well-spread hash of a number.
func mix(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
