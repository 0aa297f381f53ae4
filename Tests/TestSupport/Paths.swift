import Foundation

/// Where the built executables are: beside the running test bundle.
public enum BuiltTools {
    /// The build products folder (`.build/debug` or `.build/release`).
    public static let directory: String = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = String(decoding: buffer[0..<max(length, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // /…/.build/debug/acrawlPackageTests.xctest
        return String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
    }()

    /// The repository checkout the tools were built from (the folder holding `.build`).
    public static let repositoryRoot: String = {
        guard let range = directory.range(of: "/.build") else { return directory }
        return String(directory[..<range.lowerBound])
    }()

    /// The path of one tool, such as `afetch`.
    public static func path(_ name: String) -> String { directory + "/" + name }
}
