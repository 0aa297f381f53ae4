import ArgumentParser

/// Options every tool takes.
public struct CommonOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print no warnings or summary on stderr. Errors that end the tool are still printed.")
    public var quiet = false

    public init() {}
}
