import ArgumentParser
import ToolSupport

@main
struct ALinks: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "alinks",
        abstract: "Not built yet.",
        version: acrawlVersion)

    @OptionGroup var common: CommonOptions

    func run() throws {}
}
