/// robots.txt answers chosen by the Host name, for afetch --robots tests:
/// `rules.robots.test` serves `robotsRules`, `sNNN.robots.test` answers status NNN,
/// every other host 404 (which RFC 9309 reads as "allow all").
let robotsRules = """
    User-agent: otherbot
    Disallow: /

    User-agent: acrawl-afetch
    Disallow: /private
    Allow: /private/open
    Disallow: /*.pdf$
    Crawl-delay: 1

    User-agent: *
    Disallow: /

    """

func robotsFile(forHost host: String) -> Response {
    let name = host.split(separator: ":").first.map { $0.lowercased() } ?? ""
    if name == "rules.robots.test" {
        return Response(status: 200, text: robotsRules)
    }
    if name.hasSuffix(".robots.test"), name.hasPrefix("s"), let status = Int(name.dropFirst().prefix { $0 != "." }) {
        return Response(status: status, text: "robots.txt answered \(status)\n")
    }
    return Response(status: 404, text: "no robots.txt\n")
}
