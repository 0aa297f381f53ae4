import Testing
@testable import NDJSON

/// Collects what the walk reports: each member's depth, key, value and kind, and the
/// places, entering every object (or none).
private struct Recorder: JSONMemberVisitor {
    var names = JSONNameMemory()
    let entersObjects: Bool
    var members: [String] = []
    var places: [(ordinal: Int, repeated: Bool)] = []

    mutating func shouldEnter(key: Range<Int>, keyHasEscapes: Bool, depth: Int, place: JSONMemberPlace,
                              in line: JSONScanner) -> Bool {
        entersObjects
    }

    mutating func visit(_ member: JSONMember, depth: Int, place: JSONMemberPlace, in line: JSONScanner) {
        let key = String(decoding: line.bytes[member.key], as: UTF8.self)
        let value = String(decoding: line.bytes[member.value], as: UTF8.self)
        members.append("\(depth) \(key) \(member.keyHasEscapes) \(value) \(member.kind)")
        places.append((place.ordinal, place.repeated))
    }
}

/// What `forEachMember` reports: nil when it throws.
private func scannedMembers(_ bytes: [UInt8]) -> [String]? {
    bytes.withUnsafeBufferPointer { buffer in
        let scanner = JSONScanner(buffer)
        var members: [String] = []
        do {
            try scanner.forEachMember { member in
                let key = String(decoding: buffer[member.key], as: UTF8.self)
                let value = String(decoding: buffer[member.value], as: UTF8.self)
                members.append("1 \(key) \(member.keyHasEscapes) \(value) \(member.kind)")
            }
        } catch {
            return nil
        }
        return members
    }
}

private func walked(_ bytes: [UInt8], _ recorder: inout Recorder) -> Bool {
    recorder.members.removeAll()
    recorder.places.removeAll()
    return bytes.withUnsafeBufferPointer { JSONScanner($0).walkMembers(&recorder) }
}

/// Lines that probe each rule of RFC 8259 the scanner enforces.
private let probes: [String] = [
    #"{}"#, #" { } "#, #"{"a":1}"#, "\t{\"a\" :\n 1 ,\r\"b\":[1,{\"c\":null}]}\t", #"{"a":1,}"#, #"{"a" 1}"#,
    #"{"a":01}"#, #"{"a":-0.5e+3}"#, #"{"a":1.}"#, #"{"a":-}"#, #"{"a":1e}"#, #"{"a":.5}"#, #"{"a":truex}"#,
    #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":falsey}"#, #"{"a":"x\"y"}"#, #"{"a\u0062":"\u00e9"}"#, #"{"a":"\x"}"#,
    #"{"a":"\u12G4"}"#, "{\"a\":\"tab\there\"}", #"{"a":"unterminated}"#, #"{"a":{"b":{"c":[1,2,{"d":"}"}]}}}"#,
    #"{"a":{"b":1,}}"#, #"{"a":[1,]}"#, #"{"a":{"b"}}"#, #"[1]"#, #""x""#, "", "   ", #"{"a":1}x"#, #"{"a":1}}"#,
    #"{"a":{}}"#, #"{"a":[]}"#, #"{"a":{} }"#, #"{"a":{"b":{}},"c":2}"#, #"{"url":"https://a.example/p","status":200}"#,
    #"{"k":"0123456789abcdef0123456789"}"#, #"{"0123456789abcdef":1}"#,
]

@Suite struct JSONMemberWalkTests {
    @Test(arguments: probes)
    func acceptsWhatForEachMemberAccepts(line: String) {
        let bytes = Array(line.utf8)
        let reference = scannedMembers(bytes)
        var flat = Recorder(entersObjects: false)
        #expect(walked(bytes, &flat) == (reference != nil), "\(line)")
        if let reference { #expect(flat.members == reference, "\(line)") }
        var deep = Recorder(entersObjects: true)
        #expect(walked(bytes, &deep) == (reference != nil), "\(line)")
    }

    /// Every single-byte change, deletion and cut of a fetch-like record: the walk
    /// accepts a line exactly when `forEachMember` does, with the same members.
    @Test func agreesWithForEachMemberOnDamagedRecords() {
        let record = Array(#"{"url":"https://a.example/p?q=1","status":404,"ok":false,"length":-1.5e2,"timing":{"ttfb_ms":12.5,"x":[true,null,{"y":"z"}]},"error":{"kind":"http","message":"HTTP \"404\""},"tags":[],"e":{}}"#.utf8)
        let replacements = Array(#"{}[]":,\ -+.0159eEtfnulx"#.utf8) + [0x09, 0x0A, 0x01, 0xC3]
        var lines: [[UInt8]] = [record]
        for index in record.indices {
            for byte in replacements where byte != record[index] {
                var changed = record
                changed[index] = byte
                lines.append(changed)
            }
            var shorter = record
            shorter.remove(at: index)
            lines.append(shorter)
            lines.append(Array(record[..<index]))
        }
        var flat = Recorder(entersObjects: false)
        var deep = Recorder(entersObjects: true)
        var mismatches = 0
        for line in lines {
            let reference = scannedMembers(line)
            let accepted = walked(line, &flat)
            if accepted != (reference != nil) || (reference != nil && flat.members != reference!)
                || walked(line, &deep) != accepted {
                mismatches += 1
            }
        }
        #expect(lines.count > 5000)
        #expect(mismatches == 0)
    }

    /// The memory of names: the same names in the same places are reported as repeated,
    /// up to the first difference, and nested members are told apart by depth.
    @Test func repeatsNamesUpToTheFirstDifference() {
        var recorder = Recorder(entersObjects: true)
        let first = Array(#"{"a":1,"t":{"x":1,"y":2},"long_name_beyond_13":3,"b":4}"#.utf8)
        #expect(walked(first, &recorder))
        #expect(recorder.places.allSatisfy { !$0.repeated })
        // Post-order for the object "t": its members come before it, ordinals by name order.
        #expect(recorder.places.map(\.ordinal) == [0, 2, 3, 1, 4, 5])
        #expect(walked(first, &recorder))
        // The long name is not remembered: it and everything after it are walked afresh.
        #expect(recorder.places.map(\.repeated) == [true, true, true, true, false, false])
        let second = Array(#"{"a":7,"t":{"x":1,"z":2},"b":4}"#.utf8)
        #expect(walked(second, &recorder))
        #expect(recorder.places.map(\.repeated) == [true, true, false, true, false])
        let flatter = Array(#"{"a":7,"t":5,"x":1}"#.utf8)
        #expect(walked(flatter, &recorder))
        // "x" was remembered at depth 2: at depth 1 it is not the same member.
        #expect(recorder.places.map(\.repeated) == [true, true, false])
        #expect(walked(flatter, &recorder))
        #expect(recorder.places.map(\.repeated) == [true, true, true])
    }

    @Test func remembersNamesAtTheEndOfTheLine() {
        var recorder = Recorder(entersObjects: false)
        let line = Array(#"{"a":1}"#.utf8)
        #expect(walked(line, &recorder))
        #expect(walked(line, &recorder))
        #expect(recorder.places.map(\.repeated) == [true])
        let other = Array(#"{"b":1}"#.utf8)
        #expect(walked(other, &recorder))
        #expect(recorder.places.map(\.repeated) == [false])
    }
}
