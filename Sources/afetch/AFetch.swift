import ArgumentParser
import ToolSupport

@main
struct AFetch: ToolCommand {
    static let configuration = CommandConfiguration(
        commandName: "afetch",
        abstract: "Not built yet.",
        version: acrawlVersion)

    @OptionGroup var common: CommonOptions

    func run() throws {}
}
