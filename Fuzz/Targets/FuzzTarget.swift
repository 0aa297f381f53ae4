/// The fuzz targets: one entry function each, driven by libFuzzer in
/// `scripts/fuzz` (Fuzz/Drivers) and replayed on the kept inputs of
/// Tests/FuzzRegressions/<name>/ by FuzzRegressionTests in `swift test`.
///
/// An entry function takes any bytes. A crash or a thrown
/// `PropertyViolation` is a finding; returning is a pass.
public enum FuzzTarget: String, CaseIterable, Sendable, CustomStringConvertible {
    /// NDJSON field extraction: JSONScanner and JSONBuffer on one line.
    case jsonLine = "json-line"
    /// WebURL parsing and RFC 3986 resolution: a base and a reference.
    case urlResolve = "url-resolve"
    /// HTMLLinks: the bytes as the body of an afetch page record.
    case htmlLinks = "html-links"

    /// The name of the driver, the corpus and the regression folder.
    public var description: String { rawValue }

    /// Runs the target's checks on one input.
    public func run(_ data: UnsafeBufferPointer<UInt8>) throws {
        switch self {
        case .jsonLine: try fuzzJSONLine(data)
        case .urlResolve: try fuzzURLResolve(data)
        case .htmlLinks: try fuzzHTMLLinks(data)
        }
    }

    /// The body of `LLVMFuzzerTestOneInput`: a broken property becomes a
    /// crash, which is how libFuzzer learns of it and saves the input.
    public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        do {
            try run(UnsafeBufferPointer(start: data, count: size))
        } catch {
            fatalError("\(self): \(error)")
        }
        return 0
    }
}

/// A property the code under test broke on some input.
public struct PropertyViolation: Error, CustomStringConvertible {
    public let description: String
}

/// Throws `PropertyViolation(message)` unless `condition` holds.
func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw PropertyViolation(description: message()) }
}

/// Bytes as text for messages: printable ASCII kept, the rest escaped.
func show<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var text = ""
    for byte in bytes.prefix(200) {
        if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") { text.unicodeScalars.append(Unicode.Scalar(byte)) }
        else { text += "\\x" + String(byte, radix: 16) }
    }
    return bytes.count > 200 ? text + "..." : text
}
