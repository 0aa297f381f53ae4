import Foundation
import Testing
import TestSupport

/// Every pipeline the README and the man pages' EXAMPLES show runs, against the fixture site.
///
/// README examples written with a `$ ` prompt run in order in one directory and must print what
/// the README shows after them (`$ cat FILE` of a file not made yet defines it). Those that fetch
/// are compared on their stable fields only, since timings and dates differ on every run. Blocks
/// without prompts, and the man pages' examples, run block by block in a directory of inputs made
/// from the fixture site, and must succeed.
struct DocumentationTests {
    @Test func readmePromptExamplesPrintWhatTheyShow() throws {
        let fixture = try Fixture()
        let directory = try DocumentedInputs.emptyDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Files the README reads but does not show.
        try (fixture.url("/") + "\n").write(toFile: directory + "/urls.txt", atomically: true, encoding: .utf8)
        try #"{"url":"https://example.com/x","from":"https://example.com/"}\#nnot json\#n{"url":"https://example.com/y"}\#n"#
            .write(toFile: directory + "/mixed.ndjson", atomically: true, encoding: .utf8)
        let examples = Documentation.promptedExamples(in: try Documentation.readme())
        #expect(examples.count >= 38)
        var compared = 0
        for example in examples {
            let command = DocumentedInputs.pointed(example.command, at: fixture)
            let output = example.output.map { DocumentedInputs.pointed($0, at: fixture) }
            if let file = Documentation.fileShown(by: command), !FileManager.default.fileExists(atPath: directory + "/" + file) {
                try (output.joined(separator: "\n") + "\n").write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
                continue
            }
            let result = try runShell("cd '\(directory)' && \(command)")
            #expect(result.status == 0, "\(command)\n\(result.stderr)")
            let shownStdout = output.filter { !Documentation.isDiagnostic($0) }
            var stdout = result.stdout.isEmpty ? [] : result.lines
            while stdout.last == "" { stdout.removeLast() }  // as in the shown output
            if command.contains("afetch") {
                #expect(stdout.count == shownStdout.count, "\(command)")
                for (line, shown) in zip(stdout, shownStdout) {
                    #expect(DocumentedInputs.stableFields(line) == DocumentedInputs.stableFields(shown), "\(command)")
                }
            } else {
                #expect(stdout == shownStdout, "\(command)")
                let stderr = result.stderr.split(separator: "\n").map(String.init)
                #expect(stderr == output.filter(Documentation.isDiagnostic), "\(command)")
            }
            compared += 1
        }
        #expect(compared >= 30)
    }

    @Test func everyDocumentHasPlainExamples() throws {
        let sources = Set(try Documentation.plainBlocks().map(\.source))
        #expect(sources == ["README.md", "man/afetch.1", "man/alinks.1", "man/afilter.1", "man/astats.1", "man/acrawl.7"])
    }

    @Test(arguments: (try? Documentation.plainBlocks()) ?? [])
    func plainExamplesRun(block: DocumentedBlock) throws {
        let fixture = try Fixture()
        let directory = try DocumentedInputs.directory(fixture)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for command in block.commands {
            let pointed = DocumentedInputs.pointed(command, at: fixture)
            let result = try runShell("cd '\(directory)' && \(pointed)", input: DocumentedInputs.links)
            #expect(result.status == 0, "\(block.source): \(pointed)\n\(result.stderr)")
        }
    }
}

/// A code block of commands from one document.
struct DocumentedBlock: Sendable, CustomTestStringConvertible {
    let source: String
    let commands: [String]
    var testDescription: String { "\(source): \(commands.first ?? "")" }
}

/// One `$ command` of the README and the lines shown after it.
struct PromptedExample {
    var command: String
    var output: [String]
}

/// Reads the examples out of README.md and man/*.
enum Documentation {
    static func readme() throws -> String {
        try String(contentsOfFile: BuiltTools.repositoryRoot + "/README.md", encoding: .utf8)
    }

    /// The lines of each fenced code block of `markdown`.
    static func codeBlocks(_ markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                if let block = current { blocks.append(block); current = nil } else { current = [] }
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// Lines joined where one ends in a backslash, as the shell would.
    static func joiningContinuations(_ lines: [String]) -> [String] {
        var joined: [String] = []
        var pending: String?
        for line in lines {
            let text = pending.map { $0 + " " + line.trimmingCharacters(in: .whitespaces) } ?? line
            if text.hasSuffix("\\") {
                pending = String(text.dropLast()).trimmingCharacters(in: .whitespaces)
            } else {
                joined.append(text)
                pending = nil
            }
        }
        return joined
    }

    static func promptedExamples(in markdown: String) -> [PromptedExample] {
        var examples: [PromptedExample] = []
        for block in codeBlocks(markdown) where block.contains(where: { $0.hasPrefix("$ ") }) {
            var collecting = false
            for line in joiningContinuations(block) {
                if line.hasPrefix("$ ") {
                    examples.append(PromptedExample(command: String(line.dropFirst(2)), output: []))
                    collecting = true
                } else if collecting {
                    examples[examples.count - 1].output.append(line)
                }
            }
        }
        // A blank line separates one example from the next; it is not output.
        for index in examples.indices {
            while examples[index].output.last == "" { examples[index].output.removeLast() }
        }
        return examples
    }

    /// Blocks written without prompts in the README, then every man page's EXAMPLES blocks.
    /// The README's two commands (`scripts/demo`, `scripts/test`) are left out: the demo is
    /// what a fresh machine runs, and the test command is what runs this.
    static func plainBlocks() throws -> [DocumentedBlock] {
        var blocks: [DocumentedBlock] = []
        for block in codeBlocks(try readme()) where !block.contains(where: { $0.hasPrefix("$ ") }) {
            let commands = joiningContinuations(block).map(withoutComment).filter(isToolCommand)
            if !commands.isEmpty { blocks.append(DocumentedBlock(source: "README.md", commands: commands)) }
        }
        let pages = ["afetch.1", "alinks.1", "afilter.1", "astats.1", "acrawl.7"]
        for page in pages {
            let text = try String(contentsOfFile: BuiltTools.repositoryRoot + "/man/" + page, encoding: .utf8)
            for block in manExampleBlocks(text) {
                let commands = joiningContinuations(block).filter(isToolCommand)
                if !commands.isEmpty { blocks.append(DocumentedBlock(source: "man/" + page, commands: commands)) }
            }
        }
        return blocks
    }

    /// The literal blocks of a page's EXAMPLES section, mdoc escapes undone.
    private static func manExampleBlocks(_ page: String) -> [[String]] {
        guard let start = page.range(of: "\n.Sh EXAMPLES\n") else { return [] }
        let section = page[start.upperBound...]
        let end = section.range(of: "\n.Sh ")?.lowerBound ?? section.endIndex
        var blocks: [[String]] = []
        var current: [String]?
        for line in section[..<end].split(separator: "\n").map(String.init) {
            if line.hasPrefix(".Bd -literal") { current = [] }
            else if line.hasPrefix(".Ed") { if let block = current { blocks.append(block) }; current = nil }
            else { current?.append(line.replacingOccurrences(of: "\\e", with: "\\").replacingOccurrences(of: "\\-", with: "-")) }
        }
        return blocks
    }

    /// A command line, not output shown after it, and not one of the two top-level scripts.
    private static func isToolCommand(_ line: String) -> Bool {
        let first = line.split(separator: " ").first.map(String.init) ?? ""
        return ["afetch", "alinks", "afilter", "astats", "cat", "echo", "make", "scripts/acrawl"].contains(first)
    }

    /// The line without a trailing `# comment` (the README's are outside quotes, after spaces).
    private static func withoutComment(_ line: String) -> String {
        guard let hash = line.range(of: "  #") ?? line.range(of: " # ") else { return line }
        return line[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
    }

    /// The file a bare `cat FILE` (comment allowed) shows, if the command is one.
    static func fileShown(by command: String) -> String? {
        let words = withoutComment(command).split(separator: " ")
        return words.count == 2 && words[0] == "cat" ? String(words[1]) : nil
    }

    /// A diagnostic line some tool writes on stderr (`alinks: ...`), as the README shows them.
    static func isDiagnostic(_ line: String) -> Bool {
        ["afetch: ", "alinks: ", "afilter: ", "astats: "].contains(where: line.hasPrefix)
    }
}

/// The files the examples read, made from the fixture site.
enum DocumentedInputs {
    /// The input given to examples that read standard input without saying from where.
    static let links = #"{"url":"https://example.com/about","from":"https://example.com/","tag":"a","attr":"href","text":"About","depth":1}"# + "\n"

    /// A fresh directory holding urls, urls.txt, seeds.txt, pages.ndjson, fetched.ndjson,
    /// level0.ndjson, links.ndjson and a link to the repository's scripts.
    static func directory(_ fixture: Fixture) throws -> String {
        let directory = try emptyDirectory()
        try FileManager.default.createSymbolicLink(atPath: directory + "/scripts", withDestinationPath: BuiltTools.repositoryRoot + "/scripts")
        let seeds = [fixture.url("/"), fixture.url("/p/1.html"), fixture.url("/fault/status/404")].joined(separator: "\n") + "\n"
        for name in ["urls", "urls.txt", "seeds.txt"] {
            try seeds.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        let made = try runShell("""
            cd '\(directory)' && afetch -q --ordered < urls > pages.ndjson && cp pages.ndjson fetched.ndjson \
            && cp pages.ndjson level0.ndjson && alinks -q < pages.ndjson > links.ndjson
            """)
        #expect(made.status == 0, "\(made.stderr)")
        return directory
    }

    static func emptyDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// `text` with the documents' addresses pointed at the fixture: example.org and the
    /// 127.0.0.1 ports of the runs the README shows.
    static func pointed(_ text: String, at fixture: Fixture) -> String {
        text.replacing(/127\.0\.0\.1:\d+/, with: "127.0.0.1:\(fixture.port)")
            .replacingOccurrences(of: "https://example.org/", with: fixture.url("/"))
    }

    /// A record's fields that are the same on every run (not timings or dates), as text.
    static func stableFields(_ line: String) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return line }
        for volatile in ["elapsed_ms", "timing", "fetched_at"] { object.removeValue(forKey: volatile) }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
