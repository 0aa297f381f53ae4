import FixtureSite
import Foundation
import Testing
import TestSupport
import URLs

/// scripts/acrawl on the fixture site, checked against a breadth-first search
/// over the site generator's own link lists (no HTML parsing involved).
@Suite struct CrawlTests {
    private static let script = BuiltTools.repositoryRoot + "/scripts/acrawl"

    /// The URLs within `depth` levels of `/` on 127.0.0.1:`port`, same host only, normalised.
    private func reachable(port: Int, depth: Int) throws -> Set<String> {
        let site = Site()
        let host = "127.0.0.1:\(port)"
        var seen: Set<String> = [try WebURL("http://\(host)/").normalized]
        var frontier = ["/"]
        for _ in 0..<depth {
            var next: [String] = []
            for path in frontier {
                for link in site.links(host: "127.0.0.1", path: path, port: port) {
                    let url = try WebURL(link)
                    guard url.authority == host, seen.insert(url.normalized).inserted else { continue }
                    next.append(url.path + (url.query.map { "?" + $0 } ?? ""))
                }
            }
            frontier = next
        }
        return seen
    }

    private func fetchedURLs(_ directory: String) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("pages-") && $0.hasSuffix(".ndjson") && !$0.contains("shard") }
        return try files.flatMap { file in
            try records(directory + "/" + file).map { try WebURL($0["url"] as? String ?? "").normalized }
        }
    }

    private func records(_ file: String) throws -> [[String: Any]] {
        try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    private func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("crawl-\(UUID().uuidString)").path
    }

    /// Requests the server saw for site pages (not its own /_ routes), by path.
    private func serverFetches(_ fixture: Fixture) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for request in try fixture.requestLog() { counts[request["path"] as? String ?? "", default: 0] += 1 }
        return counts
    }

    @Test func crawlsExactlyTheReachablePagesOnce() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let result = try runShell("'\(Self.script)' --depth 3 --out '\(out)' '\(fixture.url("/"))'")
        #expect(result.status == 0, "\(result.stderr)")
        let fetched = try fetchedURLs(out)
        #expect(Set(fetched).count == fetched.count)
        #expect(Set(fetched) == (try reachable(port: fixture.port, depth: 3)))
        #expect(try serverFetches(fixture).values.allSatisfy { $0 == 1 })
        #expect(result.stderr.contains("acrawl: \(fetched.count) pages in"), "\(result.stderr)")
        // links-N holds every link on level N's pages, those to other hosts too: the scope
        // applies to the frontier only.
        var offHost = 0
        for level in 0..<3 {
            let pages = try records(out + "/pages-\(level).ndjson").map { try WebURL($0["final_url"] as? String ?? "").path }
            let generated = Set(pages.flatMap { Site().links(host: "127.0.0.1", path: $0, port: fixture.port) })
            let found = Set(try records(out + "/links-\(level).ndjson").map { $0["url"] as? String ?? "" })
            #expect(found == generated, "level \(level)")
            offHost += found.filter { !$0.hasPrefix(fixture.url("/")) }.count
        }
        #expect(offHost > 0)
        // A second run finds every level finished and fetches nothing.
        let again = try runShell("'\(Self.script)' --depth 3 --out '\(out)' '\(fixture.url("/"))'")
        #expect(again.status == 0)
        #expect(try serverFetches(fixture).values.allSatisfy { $0 == 1 })
    }

    @Test func continuesAfterSIGKILLWithoutFetchingAPageTwice() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let crawl = try StreamingShell("exec '\(Self.script)' --depth 3 --concurrency 2 --per-host 2 --out '\(out)' '\(fixture.url("/"))'")
        // Kill the whole process group once level 3 is under way.
        try waitUntil { try fixture.requestLog().count > 150 }
        crawl.killGroup()
        _ = crawl.finish()
        try expectTheRerunFinishesTheCrawl(fixture, out)
    }

    /// Runs the killed depth-3 crawl again: it must end with every reachable page fetched
    /// once, and the server must have seen few pages twice.
    private func expectTheRerunFinishesTheCrawl(_ fixture: Fixture, _ out: String) throws {
        let rerun = try runShell("'\(Self.script)' --depth 3 --concurrency 2 --per-host 2 --out '\(out)' '\(fixture.url("/"))'")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let fetched = try fetchedURLs(out)
        #expect(Set(fetched) == (try reachable(port: fixture.port, depth: 3)))
        #expect(Set(fetched).count == fetched.count)
        let repeated = try serverFetches(fixture).filter { $0.value > 1 }
        // A request in flight at the kill may be repeated; its record was never written.
        #expect(repeated.count <= 2, "\(repeated)")
    }

    /// Killed while fetching a level with links to follow, the rerun finishes the level's
    /// pages with --resume, then makes its links and the next frontier from the whole file.
    @Test func continuesAfterSIGKILLInALevelWithLinksToFollow() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        // --delay spaces the requests (10 ms each) so the kill lands inside level 2 (requests 10 to 87).
        let crawl = try StreamingShell("exec '\(Self.script)' --depth 3 --concurrency 1 --per-host 1 --afetch '--delay 10' "
                                       + "--out '\(out)' '\(fixture.url("/"))'")
        try waitUntil { try fixture.requestLog().count > 20 }
        crawl.killGroup()
        _ = crawl.finish()
        #expect(!FileManager.default.fileExists(atPath: out + "/pages-2.done"))
        let partial = (try? FileManager.default.attributesOfItem(atPath: out + "/pages-2.ndjson")[.size] as? Int) ?? 0
        #expect(partial > 0, "the kill came before level 2 was under way")
        try expectTheRerunFinishesTheCrawl(fixture, out)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// A stage that fails inside a pipeline fails the crawl (sh reports only a pipeline's last
    /// status), and nothing it would have written is kept: a rerun with working tools finishes.
    @Test func aFailingStageFailsTheCrawlAndKeepsNothingOfIt() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let tools = try toolsWithABrokenAlinks(out + "-tools")
        let broken = try runShell("ACRAWL_BIN='\(tools)' '\(Self.script)' --depth 2 --out '\(out)' '\(fixture.url("/"))'")
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("acrawl: finding the links of level 0 failed"), "\(broken.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/links-0.ndjson"))
        #expect(!FileManager.default.fileExists(atPath: out + "/frontier-1.txt"))
        let rerun = try runShell("'\(Self.script)' --depth 2 --out '\(out)' '\(fixture.url("/"))'")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Set(try fetchedURLs(out)) == (try reachable(port: fixture.port, depth: 2)))
    }

    /// The built tools, but an alinks that fails at once, in `directory`.
    private func toolsWithABrokenAlinks(_ directory: String) throws -> String {
        try toolsWith("alinks", brokenWhen: "*", in: directory)
    }

    /// The built tools in `directory`, but `tool` fails when its arguments match the
    /// shell pattern `arguments`, and otherwise runs as built.
    private func toolsWith(_ broken: String, brokenWhen arguments: String, in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for tool in ["afetch", "alinks", "afilter", "astats"] where tool != broken {
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + tool, withDestinationPath: BuiltTools.path(tool))
        }
        let script = """
            #!/bin/sh
            case "$*" in \(arguments)) echo \(broken) broke >&2; exit 3 ;; esac
            exec '\(BuiltTools.path(broken))' "$@"

            """
        try script.write(toFile: directory + "/" + broken, atomically: true, encoding: .utf8)
        #expect(chmod(directory + "/" + broken, 0o755) == 0)
        return directory
    }

    @Test func shardsFindTheSamePages() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let result = try runShell("'\(Self.script)' --depth 2 --shards 3 --out '\(out)' '\(fixture.url("/"))'")
        #expect(result.status == 0, "\(result.stderr)")
        let fetched = try fetchedURLs(out)
        #expect(Set(fetched) == (try reachable(port: fixture.port, depth: 2)))
        #expect(Set(fetched).count == fetched.count)
        // The shards' own files, kept for --resume, are not counted again.
        #expect(result.stderr.contains("acrawl: \(fetched.count) pages in"), "\(result.stderr)")
    }

    /// Each shard's paths reach its job as variables: an output folder whose name holds
    /// a quote and a space crawls as any other.
    @Test func shardsTakeAnyOutputFolderName() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory() + "/it's here"
        let result = try runShell("'\(Self.script)' --depth 1 --shards 2 --out \(shellQuoted(out)) '\(fixture.url("/"))'")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Set(try fetchedURLs(out)) == (try reachable(port: fixture.port, depth: 1)))
    }

    /// --sshlogin sends each shard through GNU parallel's remote path. The "machine" is an ssh
    /// stand-in named in the login (parallel's `N//SSHCOMMAND HOST` form) that runs the job
    /// here in a clean environment, as a login would, with the tools on its PATH (as
    /// scripts/install leaves them): the paths and the afetch command must arrive as the
    /// variables acrawl hands to `parallel --env`.
    @Test func shardsRunOverSSHLogins() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let ssh = try sshStandIn(in: out + "-ssh")
        let result = try runShell("'\(Self.script)' --depth 2 --shards 2 --sshlogin '2//\(ssh.command) remote' "
                                  + "--out '\(out)' '\(fixture.url("/"))'")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Set(try fetchedURLs(out)) == (try reachable(port: fixture.port, depth: 2)))
        // Levels 0, 1 and 2, two shards each, every one through the stand-in.
        let logins = try String(contentsOfFile: ssh.log, encoding: .utf8).split(separator: "\n")
        #expect(logins.count == 6, "\(logins)")
        #expect(logins.allSatisfy { $0.hasPrefix("remote ") }, "\(logins)")
    }

    /// An ssh stand-in in `directory`: it logs the host and command it is given, drops
    /// ssh's options and host, and runs the command with sh in an environment of HOME and
    /// a PATH of the built tools and the system's.
    private func sshStandIn(in directory: String) throws -> (command: String, log: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let command = directory + "/ssh", log = directory + "/logins"
        let script = """
            #!/bin/sh
            while [ $# -gt 0 ]; do
                case "$1" in
                    -[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;
                    -*) shift ;;
                    *) break ;;
                esac
            done
            echo "$*" >> '\(log)'
            shift
            [ "${1:-}" != "--" ] || shift
            exec env -i HOME="$HOME" PATH='\(BuiltTools.directory):/usr/bin:/bin' /bin/sh -c "$*"

            """
        try script.write(toFile: command, atomically: true, encoding: .utf8)
        #expect(chmod(command, 0o755) == 0)
        return (command, log)
    }

    /// A shard's afilter failing fails its job, and so the crawl: its afetch must not fetch
    /// an empty level as if there were nothing to do.
    @Test func aShardsFailingAfilterFailsTheCrawl() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let tools = try toolsWith("afilter", brokenWhen: "*--shard*", in: out + "-tools")
        let result = try runShell("ACRAWL_BIN='\(tools)' '\(Self.script)' --depth 1 --shards 2 --out '\(out)' '\(fixture.url("/"))'")
        #expect(result.status != 0)
        #expect(result.stderr.contains("afilter broke"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/pages-0.done"))
        #expect(try fixture.requestLog().isEmpty)
    }

    /// `text` as one sh word, whatever it holds.
    private func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// make's recipes run with pipefail: a failing alinks fails the links step, and no links file is kept.
    @Test func makefileStopsAtAFailingStage() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let seeds = out + "-seeds.txt"
        try (fixture.url("/") + "\n").write(toFile: seeds, atomically: true, encoding: .utf8)
        let tools = try toolsWithABrokenAlinks(out + "-tools")
        let make = try runShell("make -f '\(BuiltTools.repositoryRoot)/scripts/crawl.mk' BIN='\(tools)' SEEDS='\(seeds)' DEPTH=2 OUT='\(out)'")
        #expect(make.status != 0)
        #expect(make.stderr.contains("alinks broke"), "\(make.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/links-0.ndjson"))
        #expect(!FileManager.default.fileExists(atPath: out + "/frontier-1.txt"))
    }

    @Test func makefileCrawlsTheSamePagesAndThenHasNothingToDo() throws {
        let fixture = try Fixture()
        let out = temporaryDirectory()
        let seeds = out + "-seeds.txt"
        try (fixture.url("/") + "\n").write(toFile: seeds, atomically: true, encoding: .utf8)
        let make = "make -f '\(BuiltTools.repositoryRoot)/scripts/crawl.mk' BIN='\(BuiltTools.directory)' SEEDS='\(seeds)' DEPTH=3 OUT='\(out)'"
        let result = try runShell(make)
        #expect(result.status == 0, "\(result.stderr)")
        let fetched = try fetchedURLs(out)
        #expect(Set(fetched) == (try reachable(port: fixture.port, depth: 3)))
        #expect(Set(fetched).count == fetched.count)
        // Up to date: make -q exits 0, and a second make runs no command.
        #expect(try runShell(make + " -q").status == 0)
        #expect(try runShell(make).lines == ["make: Nothing to be done for 'all'."])
        #expect(try serverFetches(fixture).values.allSatisfy { $0 == 1 })
    }

    /// The next frontier takes each link's URL as alinks wrote it: cut reads those without a
    /// JSON escape, jq the others (here a quote and a backslash). Served by nginx over TLS.
    @Test func linksWithEscapedURLsReachTheFrontierAsWritten() throws {
        let server = try NginxServer()
        try server.serve(#"<a href="/plain.html">p</a> <a href='/q"uote.html'>q</a> <a href="/back\slash.html">b</a>"#,
                         at: "/index.html")
        let out = temporaryDirectory()
        let crawl = try runShell("'\(Self.script)' --depth 1 --afetch --insecure --out '\(out)' '\(server.url("/"))'")
        #expect(crawl.status == 0, "\(crawl.stderr)")
        let frontier = try String(contentsOfFile: out + "/frontier-1.txt", encoding: .utf8).split(separator: "\n")
        #expect(Set(frontier.map(String.init))
                == [server.url("/plain.html"), server.url(#"/q"uote.html"#), server.url(#"/back\slash.html"#)])
    }

    @Test func rejectsBadOptions() throws {
        #expect(try runShell("'\(Self.script)' --scope nowhere x").status == 2)
        #expect(try runShell("'\(Self.script)' --depth two x").status == 2)
        let unknown = try runShell("'\(Self.script)' --bogus x")
        #expect(unknown.status == 2 && unknown.stdout.isEmpty && unknown.stderr.contains("--depth N"))
    }

    /// --help is asked for, not a mistake: the whole header on stdout, status 0.
    @Test func helpPrintsEveryOptionAndFile() throws {
        let help = try runShell("'\(Self.script)' --help")
        #expect(help.status == 0)
        for text in ["--depth N", "--sshlogin LIST", "--afetch 'ARGS'", "seen.txt", "It stops"] {
            #expect(String(decoding: help.stdout, as: UTF8.self).contains(text), "\(text)")
        }
    }
}

/// The README tour's other shapes, with their results checked (DocumentationTests runs them as written).
struct ReadmeTourTests {
    @Test func theOtherShapesRun() throws {
        let fixture = try Fixture()
        let urls = [fixture.url("/"), fixture.url("/fault/status/500")].joined(separator: "\n") + "\n"
        let failures = try runShell("afetch -q --retries 0 | jq -c 'select(.ok | not) | {url, error}'", input: urls)
        #expect(failures.records.count == 1)
        let next = try runShell("afetch -q | alinks -q | afilter -q --same-domain --unique | jq -r .url", input: urls)
        #expect(Set(next.lines).count == next.lines.count && !next.lines.isEmpty)
        let table = try runShell("afetch -q | astats --table", input: urls)
        #expect(table.status == 0 && table.stdout.count > 0)
    }
}

/// scripts/install puts the tools, man pages and completions under PREFIX, and what it
/// installed works from there (BIN names the tools this test run built, so nothing is rebuilt).
struct InstallTests {
    @Test func installsToolsManPagesAndCompletionsUnderThePrefix() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("prefix-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let install = try runShell("PREFIX='\(prefix)' BIN='\(BuiltTools.directory)' '\(BuiltTools.repositoryRoot)/scripts/install'")
        #expect(install.status == 0, "\(install.stderr)")
        let files = ["bin/acrawl", "share/man/man7/acrawl.7"] + ["afetch", "alinks", "afilter", "astats"].flatMap { tool in
            ["bin/\(tool)", "share/man/man1/\(tool).1", "share/bash-completion/completions/\(tool)",
             "share/zsh/site-functions/_\(tool)", "share/fish/vendor_completions.d/\(tool).fish"]
        }
        for file in files {
            let size = (try? FileManager.default.attributesOfItem(atPath: "\(prefix)/\(file)")[.size] as? Int) ?? 0
            #expect(size > 0, "\(file) is missing or empty")
        }
        for tool in ["afetch", "alinks", "afilter", "astats"] {
            let version = try run("\(prefix)/bin/\(tool)", ["--version"])
            #expect(version.status == 0 && !version.stdout.isEmpty, "\(tool) --version")
            // The bash completion is a script bash accepts, and it completes the tool's flags.
            let completion = try run("/bin/bash", ["-c", "source '\(prefix)/share/bash-completion/completions/\(tool)' && complete -p \(tool)"])
            #expect(completion.status == 0, "\(tool): \(completion.stderr)")
        }
        let manual = try run("/usr/bin/mandoc", ["-Tutf8", "\(prefix)/share/man/man1/afetch.1"])
        #expect(String(decoding: manual.stdout, as: UTF8.self).contains("afetch"))
    }

    @Test func theInstalledCrawlDriverUsesTheToolsBesideIt() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("prefix-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        #expect(try runShell("PREFIX='\(prefix)' BIN='\(BuiltTools.directory)' '\(BuiltTools.repositoryRoot)/scripts/install'").status == 0)
        let fixture = try Fixture()
        // A PATH without the built tools: the driver must find the installed ones itself.
        let crawl = try run("\(prefix)/bin/acrawl", ["--depth", "1", "--out", prefix + "/crawl", fixture.url("/")],
                            environment: ["PATH": "/usr/bin:/bin"])
        #expect(crawl.status == 0, "\(crawl.stderr)")
        let pages = try String(contentsOfFile: prefix + "/crawl/pages-0.ndjson", encoding: .utf8)
        #expect(pages.contains(fixture.url("/")))
    }
}

/// scripts/demo (with the tools this test run built, so nothing is rebuilt): it prints the
/// crawl's table, and its fixture server is gone when it ends, normally or on SIGINT.
struct DemoTests {
    private static let script = BuiltTools.repositoryRoot + "/scripts/demo"

    /// The processes reading the demo's server fifo (its fixture server), by /proc.
    private func serverProcesses(of directory: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.filter { pid in
            let stdin = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/0")) ?? ""
            return stdin == directory + "/server-stdin"
        }
    }

    /// The demo's working directory, from its "crawling ... into DIR/crawl" line.
    private func workDirectory(_ stderr: String) -> String? {
        stderr.firstMatch(of: /into (\S+)\/crawl/).map { String($0.output.1) }
    }

    @Test func crawlsTheBundledSiteAndPrintsItsTable() throws {
        let result = try runShell("ACRAWL_BIN='\(BuiltTools.directory)' '\(Self.script)'")
        #expect(result.status == 0, "\(result.stderr)")
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.contains("records") && text.contains("latency") && text.contains("pages:"))
        let directory = try #require(workDirectory(result.stderr))
        #expect(serverProcesses(of: directory).isEmpty)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Ctrl-C signals the whole pipeline; `kill PID` signals the demo alone, which then ends
    /// its server itself (the EXIT trap).
    @Test(arguments: [(SIGINT, true), (SIGTERM, false)])
    func aSignalStopsTheDemoAndItsServer(signal: Int32, wholeTree: Bool) throws {
        let demo = try StreamingShell("ACRAWL_BIN='\(BuiltTools.directory)' exec '\(Self.script)'")
        var directory: String?
        try waitUntil { directory = workDirectory(demo.stderrSoFar); return directory != nil }
        let work = try #require(directory)
        #expect(!serverProcesses(of: work).isEmpty)
        if wholeTree { demo.signalTree(signal) } else { demo.signal(signal) }
        let result = demo.finish()
        #expect(result.status == 128 + signal, "\(result.stderr) \(String(decoding: result.stdout, as: UTF8.self))")
        #expect(serverProcesses(of: work).isEmpty)
        try? FileManager.default.removeItem(atPath: work)
    }
}
