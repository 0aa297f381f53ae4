import NDJSON

/// Measures the NDJSON core alone, for scripts/bench:
///   ndjson-bench pass              validate each line as a JSON object and write it out unchanged
///   ndjson-bench extract F1 F2...  decode fields F1, F2... of each line and write them tab-separated
@main
enum NDJSONBench {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first, mode == "pass" || mode == "extract" else {
            writeToStandardError("usage: ndjson-bench pass | extract FIELD...\n")
            exitProcess(2)
        }
        try measure(mode: mode, fields: arguments.dropFirst().map { Array($0.utf8) })
    }
}

/// The measured loop, outside the @main type: closures formed in main-actor
/// code pay a dynamic executor check on every call (Swift 6, SE-0423).
func measure(mode: String, fields: [[UInt8]]) throws {
    // Field names as buffers that live for the whole run: no per-member retain.
    let names = fields.map { field -> UnsafeBufferPointer<UInt8> in
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(field.count, 1))
        _ = copy.initialize(from: field)
        return UnsafeBufferPointer(rebasing: copy[0..<field.count])
    }
    let reader = LineReader(fileDescriptor: 0)
    let output = OutputWriter.standardOutput
    var invalid = 0
    var row: [UInt8] = []
    var found = [JSONMember?](repeating: nil, count: fields.count)
    while let line = try reader.next() {
        let scanner = JSONScanner(line)
        do {
            if mode == "pass" {
                try scanner.forEachMember { _ in }
                output.writeLine(line)
                continue
            }
            row.removeAll(keepingCapacity: true)
            for index in found.indices { found[index] = nil }
            try scanner.forEachMember { member in
                guard member.kind == .string else { return }
                for index in names.indices where scanner.key(member, is: names[index]) {
                    found[index] = member
                }
            }
            for (index, member) in found.enumerated() {
                if index > 0 { row.append(0x09) }
                if let member { scanner.appendStringValue(member, to: &row) }
            }
            row.withUnsafeBufferPointer { output.writeLine($0) }
        } catch {
            invalid += 1
        }
    }
    output.flush()
    if invalid > 0 { writeToStandardError("ndjson-bench: \(invalid) invalid lines\n") }
}
