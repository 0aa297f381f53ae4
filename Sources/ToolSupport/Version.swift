/// The suite's version, shared by every tool's `--version` and afetch's default user agent.
public let acrawlVersion = "0.1.0"
