// swift-tools-version:6.0
// acrawl: small Unix filters for concurrent web fetching and crawling.
// The record contracts between the tools are in README.md and man/acrawl.7.
import PackageDescription

/// Release builds of the hot paths: the optimizer crosses module boundaries, and
/// exclusivity is checked at compile time only (the run-time checks cost 10-15%
/// of the per-line work in the NDJSON loops, measured with callgrind).
let optimizedSettings: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "acrawl",
    products: [
        .executable(name: "afetch", targets: ["afetch"]),
        .executable(name: "alinks", targets: ["alinks"]),
        .executable(name: "afilter", targets: ["afilter"]),
        .executable(name: "astats", targets: ["astats"]),
        .executable(name: "acrawl-fixture", targets: ["acrawl-fixture"]),
    ],
    dependencies: [
        // Flag parsing, --help and shell completions for every executable (DESIGN.md section 3).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C at the edge: one system-library target per C library, typed wrappers only.
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        // libcurl's declarations alone, for the URLs module, which loads libcurl's URL API on first use.
        .systemLibrary(name: "CCurlHeaders"),
        .systemLibrary(
            name: "CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CPSL", pkgConfig: "libpsl",
            providers: [.apt(["libpsl-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),

        // Core modules, each named for what it does.
        .target(name: "NDJSON", swiftSettings: optimizedSettings),
        .target(name: "URLs", dependencies: ["CCurlHeaders", "NDJSON"], swiftSettings: optimizedSettings),
        .target(name: "FetchEngine", dependencies: ["CCurl", "CZlib", "NDJSON", "URLs", "Archive", "Robots"], swiftSettings: optimizedSettings),
        .target(name: "HTMLLinks", dependencies: ["CLibXML2", "NDJSON", "URLs"], swiftSettings: optimizedSettings),
        .target(name: "Scope", dependencies: ["CPSL", "NDJSON", "URLs"], swiftSettings: optimizedSettings),
        .target(name: "Stats", dependencies: ["NDJSON"], swiftSettings: optimizedSettings),
        .target(
            name: "ToolSupport",
            dependencies: ["NDJSON", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "FixtureSite", dependencies: ["Archive", "NDJSON"]),
        .target(name: "Robots", dependencies: ["NDJSON", "URLs"], swiftSettings: optimizedSettings),
        .target(name: "Archive", dependencies: ["CCrypto", "CZlib"], swiftSettings: optimizedSettings),

        // Thin executables: flag parsing and wiring only.
        .executableTarget(name: "afetch", dependencies: ["FetchEngine", "ToolSupport"], swiftSettings: optimizedSettings),
        .executableTarget(name: "alinks", dependencies: ["HTMLLinks", "ToolSupport"], swiftSettings: optimizedSettings),
        .executableTarget(name: "afilter", dependencies: ["Scope", "ToolSupport"], swiftSettings: optimizedSettings),
        .executableTarget(name: "astats", dependencies: ["Stats", "ToolSupport"], swiftSettings: optimizedSettings),
        .executableTarget(name: "acrawl-fixture", dependencies: ["FixtureSite", "ToolSupport"]),
        // The NDJSON core alone, measured by scripts/bench.
        .executableTarget(name: "ndjson-bench", dependencies: ["NDJSON"], swiftSettings: optimizedSettings),
        // Fuzz targets' entry functions: libFuzzer drives them in scripts/fuzz (Fuzz/Drivers,
        // built there with -sanitize=fuzzer), FuzzRegressionTests replays their kept inputs.
        .target(name: "FuzzTargets", dependencies: ["NDJSON", "URLs", "HTMLLinks"], path: "Fuzz/Targets"),

        // Tests: one target per module, plus end-to-end pipelines over the built tools.
        .target(name: "TestSupport", dependencies: ["NDJSON"], path: "Tests/TestSupport"),
        .testTarget(name: "NDJSONTests", dependencies: ["NDJSON"]),
        .testTarget(name: "URLsTests", dependencies: ["URLs"]),
        .testTarget(name: "FetchEngineTests", dependencies: ["FetchEngine", "URLs"]),
        .testTarget(name: "HTMLLinksTests", dependencies: ["HTMLLinks"]),
        .testTarget(name: "ScopeTests", dependencies: ["Scope"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats"]),
        .testTarget(name: "RobotsTests", dependencies: ["Robots"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "CZlib", "TestSupport"]),
        .testTarget(name: "FixtureSiteTests", dependencies: ["FixtureSite", "TestSupport"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "FixtureSite", "URLs", "NDJSON"]),
    ]
)
