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
        let reader = LineReader(fileDescriptor: 0)
        let output = OutputWriter.standardOutput
        let fields = arguments.dropFirst().map { Array($0.utf8) }
        var invalid = 0
        var row: [UInt8] = []
        while let line = try reader.next() {
            let scanner = JSONScanner(line)
            do {
                if mode == "pass" {
                    try scanner.forEachMember { _ in }
                    output.writeLine(line)
                    continue
                }
                row.removeAll(keepingCapacity: true)
                var found = [String?](repeating: nil, count: fields.count)
                try scanner.forEachMember { member in
                    for (index, field) in fields.enumerated() where field.withUnsafeBufferPointer({ scanner.key(member, is: $0) }) {
                        found[index] = scanner.decode(member).stringValue
                    }
                }
                for (index, value) in found.enumerated() {
                    if index > 0 { row.append(0x09) }
                    row.append(contentsOf: (value ?? "").utf8)
                }
                row.withUnsafeBufferPointer { output.writeLine($0) }
            } catch {
                invalid += 1
            }
        }
        output.flush()
        if invalid > 0 { writeToStandardError("ndjson-bench: \(invalid) invalid lines\n") }
    }
}
