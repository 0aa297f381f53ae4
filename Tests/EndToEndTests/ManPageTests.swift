import Foundation
import Testing
import TestSupport

/// The man pages stay in step with the tools: every flag `--help` shows is in
/// the tool's page, and every page is clean under `mandoc -Tlint`.
struct ManPageTests {
    private static let manDirectory = BuiltTools.repositoryRoot + "/man"

    @Test(arguments: ["afetch", "alinks", "afilter", "astats"])
    func documentsEveryFlag(tool: String) throws {
        let help = try runTool(tool, ["--help"]).stdout
        let page = try String(contentsOfFile: "\(Self.manDirectory)/\(tool).1", encoding: .utf8)
            .replacingOccurrences(of: "\\-", with: "-")
        let flags = Set(String(decoding: help, as: UTF8.self)
            .matches(of: /(?:^|[^\w-])(--[a-z0-9]+(?:[.-][a-z0-9]+)*)/).map { String($0.output.1) })
        #expect(!flags.isEmpty)
        for flag in flags {
            // mdoc writes --flag as "Fl -flag".
            #expect(page.contains("Fl " + flag.dropFirst()), "\(tool): \(flag) is not in man/\(tool).1")
        }
    }

    @Test(arguments: ["afetch.1", "alinks.1", "afilter.1", "astats.1", "acrawl.7"])
    func lintsClean(page: String) throws {
        let result = try run("/usr/bin/mandoc", ["-Tlint", "-W", "warning", "\(Self.manDirectory)/\(page)"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test(arguments: ["afetch.1", "alinks.1", "afilter.1", "astats.1", "acrawl.7"])
    func hasTheSectionsEveryPageNeeds(page: String) throws {
        let text = try String(contentsOfFile: "\(Self.manDirectory)/\(page)", encoding: .utf8)
        let required = page.hasSuffix(".1")
            ? ["SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES", "SEE ALSO"]
            : ["DESCRIPTION", "EXAMPLES", "SEE ALSO"]
        for section in required { #expect(text.contains(".Sh \(section)"), "\(page) lacks \(section)") }
    }
}
