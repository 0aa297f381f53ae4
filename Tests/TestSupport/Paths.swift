#if canImport(Glibc)
import Glibc
#endif

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

    /// The path of one tool, such as `afetch`.
    public static func path(_ name: String) -> String { directory + "/" + name }
}
