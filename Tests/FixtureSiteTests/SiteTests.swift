import Testing
@testable import FixtureSite

/// The generator alone: determinism, reachability, and the shape of its pages.
@Suite struct SiteTests {
    let site = Site(pages: 2000)

    @Test func pagesAreTheSameEveryTime() {
        let other = Site(pages: 2000)
        for path in ["/", "/p/0.html", "/p/3.html", "/p/250.html", "/p/1999.html", "/img/7.png"] {
            #expect(site.response(host: "site.test:8080", path: path).body == other.response(host: "site.test:8080", path: path).body)
        }
        #expect(site.links(host: "site.test", path: "/p/42.html", port: 8080)
            == other.links(host: "site.test", path: "/p/42.html", port: 8080))
    }

    /// Breadth-first over the generator's own link lists: every page within 4 links of `/`.
    @Test(arguments: [2000, 500, 30])
    func everyPageIsWithinFourLinksOfTheIndex(pages: Int) {
        let site = Site(pages: pages)
        var depth: [String: Int] = ["/": 0]
        var frontier = ["/"]
        for level in 1...4 {
            var next: [String] = []
            for path in frontier {
                for link in site.links(host: "site.test", path: path, port: 8080)
                where link.hasPrefix("http://site.test:8080/") {
                    let target = String(link.dropFirst("http://site.test:8080".count).prefix { $0 != "?" })
                    if depth[target] == nil {
                        depth[target] = level
                        next.append(target)
                    }
                }
            }
            frontier = next
        }
        let missing = (0..<pages).filter { depth["/p/\($0).html"] == nil }
        #expect(missing.isEmpty, "pages not reached within 4 levels: \(missing.prefix(10))")
    }

    @Test func pagesLinkInEveryForm() {
        let forms = ["href=\"../p/", "href=\"/p/", "href=\"http://site.test:8080/p/", "#s", "?from=", "&amp;",
                     "href='", "HREF=\"", "/img/", "missing-", "http://a.site.test:8080/",
                     "http://b.site.test:8080/p/", "http://other.test:8080/", "<base href=\"/\">",
                     "<base href=\"http://site.test:8080/\">"]
        var seen: Set<String> = []
        for page in 0..<60 {
            let html = String(decoding: site.response(host: "site.test:8080", path: "/p/\(page).html").body, as: UTF8.self)
            for form in forms where html.contains(form) { seen.insert(form) }
        }
        #expect(Set(forms).subtracting(seen).isEmpty, "forms never written: \(Set(forms).subtracting(seen))")
    }

    @Test func largePagesAreHundredsOfKilobytes() {
        #expect(site.response(host: "site.test", path: "/p/250.html").body.count > 200_000)
        #expect(site.response(host: "site.test", path: "/p/251.html").body.count < 20_000)
    }

    @Test(arguments: [
        ("site.test", "/", 200, "text/html; charset=utf-8"),
        ("127.0.0.1:9", "/p/1999.html", 200, "text/html; charset=utf-8"),
        ("site.test", "/p/2000.html", 404, "text/html; charset=utf-8"),
        ("site.test", "/p/007.html", 404, "text/html; charset=utf-8"),
        ("site.test", "/p/missing-11.html", 404, "text/html; charset=utf-8"),
        ("site.test", "/img/14.png", 200, "image/png"),
        ("site.test", "/p/5.html?from=3", 200, "text/html; charset=utf-8"),
        ("a.site.test:80", "/p/11.html", 200, "text/html; charset=utf-8"),
        ("a.site.test", "/p/12.html", 404, "text/html; charset=utf-8"),
        ("B.Site.Test:1", "/p/29.html", 200, "text/html; charset=utf-8"),
        ("other.test:8080", "/", 404, "text/html; charset=utf-8"),
    ])
    func responses(host: String, path: String, status: Int, contentType: String) {
        let answer = site.response(host: host, path: path)
        #expect(answer.status == status)
        #expect(answer.contentType == contentType)
    }

    @Test func virtualHostsServeTheirOwnPages() {
        let main = String(decoding: site.response(host: "site.test", path: "/").body, as: UTF8.self)
        let a = String(decoding: site.response(host: "a.site.test", path: "/").body, as: UTF8.self)
        #expect(main.contains("<title>site.test index</title>"))
        #expect(a.contains("<title>a.site.test index</title>"))
        let links = site.links(host: "a.site.test", path: "/p/3.html", port: 1)
        #expect(!links.isEmpty && links.allSatisfy { $0.hasPrefix("http://a.site.test:1/") })
    }

    @Test func absoluteLinksUseTheHostHeaderPort() {
        let withPort = String(decoding: site.response(host: "site.test:4321", path: "/p/0.html").body, as: UTF8.self)
        let withoutPort = String(decoding: site.response(host: "site.test", path: "/p/0.html").body, as: UTF8.self)
        #expect(withPort.contains("http://a.site.test:4321/"))
        #expect(withoutPort.contains("http://a.site.test/"))
    }

    @Test func linksOfNonPagesAreEmpty() {
        #expect(site.links(host: "site.test", path: "/img/3.png", port: 80).isEmpty)
        #expect(site.links(host: "other.test", path: "/", port: 80).isEmpty)
        #expect(site.links(host: "site.test", path: "/nothing", port: 80).isEmpty)
    }

    @Test func pngIsAPNG() {
        #expect(Site.png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }
}
