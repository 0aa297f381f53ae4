import ArgumentParser
import ToolSupport

@main
struct AFilter: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "afilter",
        abstract: "Not built yet.",
        version: acrawlVersion)

    @OptionGroup var common: CommonOptions

    func run() throws {}
}
