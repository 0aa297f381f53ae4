import ArgumentParser
import ToolSupport

@main
struct AStats: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "astats",
        abstract: "Not built yet.",
        version: acrawlVersion)

    @OptionGroup var common: CommonOptions

    func run() throws {}
}
