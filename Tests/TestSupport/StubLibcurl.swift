import Foundation

/// A directory holding a stub `libcurl.so.4` with no functions at all: a tool run with
/// LD_LIBRARY_PATH set to it fails (exit 70) the moment it needs libcurl's URL API, so
/// output with status 0 shows that nothing needed it. The caller removes the directory.
public func stubLibcurlDirectory(_ name: String) throws -> String {
    let directory = NSTemporaryDirectory() + "stub-libcurl-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try "int acrawl_stub;\n".write(toFile: directory + "/stub.c", atomically: true, encoding: .utf8)
    let compile = try run("/usr/bin/env", ["clang", "-shared", "-o", directory + "/libcurl.so.4", directory + "/stub.c"])
    guard compile.status == 0 else {
        throw StubLibraryError(message: compile.stderr)
    }
    return directory
}

public struct StubLibraryError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "cannot build the stub libcurl: \(message)" }
}
