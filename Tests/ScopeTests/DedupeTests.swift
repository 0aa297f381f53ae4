#if canImport(Glibc)
import Glibc
#endif
import NDJSON
import Testing
@testable import Scope

/// Pairs of URLs that --unique must treat as one, and pairs it must keep apart.
let sameResource: [(String, String)] = [
    ("https://Example.COM/a", "https://example.com/a"),
    ("HTTPS://example.com:443/a", "https://example.com/a"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com/a#section", "https://example.com/a"),
    ("https://example.com/%7euser/%41", "https://example.com/~user/A"),
    ("https://example.com/a%2fb?q=%3a", "https://example.com/a%2Fb?q=%3A"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com?x", "https://example.com/?x"),
    (#"https:\/\/example.com\/a"#, "https://example.com/a"),
    ("http://[::1]:8080/a", "http://[0:0::1]:8080/a"),
    ("http://u:p@example.com/a", "http://u:p@EXAMPLE.com:80/a#f"),
]

let differentResources: [(String, String)] = [
    ("http://example.com/a", "https://example.com/a"),
    ("https://example.com/a?x=1", "https://example.com/a?x=2"),
    ("https://example.com/A", "https://example.com/a"),
    ("https://example.com:8443/", "https://example.com/"),
    ("https://example.com/a%2Fb", "https://example.com/a/b"),
    ("https://www.example.com/", "https://example.com/"),
    ("http://u@example.com/", "http://example.com/"),
]

/// Runs `lines` through a filter and returns the kept ones.
func kept(_ filter: RecordFilter, _ lines: [String]) -> [String] {
    lines.filter { filter.decide($0) == .keep }
}

@Suite struct DedupeTests {
    @Test(arguments: sameResource)
    func sameResourceIsDuplicate(_ first: String, _ second: String) throws {
        let filter = try RecordFilter(options { $0.unique = true })
        #expect(kept(filter, [link(first), link(second)]) == [link(first)])
    }

    @Test(arguments: differentResources)
    func differentResourcesPass(_ first: String, _ second: String) throws {
        let filter = try RecordFilter(options { $0.unique = true })
        #expect(kept(filter, [link(first), link(second)]).count == 2)
    }

    @Test func keyDedupesOnAnotherField() throws {
        let filter = try RecordFilter(options { $0.key = try! FieldPath("id") })
        let lines = [#"{"id":"a","n":1}"#, #"{"id":"b"}"#, #"{"id":"a","n":2}"#, #"{"id":1}"#, #"{"id":"1"}"#, #"{"id":1.0}"#]
        // Keys are text (as in a --seen file): a string's text, other values' JSON
        // text, so 1 and "1" are one key, and 1 and 1.0 two.
        #expect(kept(filter, lines) == [lines[0], lines[1], lines[3], lines[5]])
    }

    @Test func dedupeAppliesAfterPredicates() throws {
        let filter = try RecordFilter(options { $0.unique = true; $0.sameHost = true })
        let offsite = link("https://other.example/a", from: "https://example.com/")
        let onsite = link("https://other.example/a", from: "https://other.example/")
        // The first, dropped by --same-host, does not mark the URL as seen.
        #expect(kept(filter, [offsite, onsite, onsite]) == [onsite])
    }

    @Test func fingerprintSetHoldsManyAndGrows() {
        let set = FingerprintSet()
        var generator = SplitMix64(seed: 7)
        var inserted: [Fingerprint] = []
        for _ in 0..<200_000 {
            let fingerprint = Fingerprint(high: generator.next(), low: generator.next())
            #expect(set.insert(fingerprint))
            inserted.append(fingerprint)
        }
        #expect(set.count == 200_000)
        #expect(inserted.allSatisfy { set.contains($0) })
        #expect(inserted.prefix(1000).allSatisfy { !set.insert($0) })
        #expect(!set.contains(Fingerprint(high: 1, low: 2)))
        #expect(set.insert(Fingerprint(high: 0, low: 0)))
        #expect(set.contains(Fingerprint(high: 0, low: 0)))
        // 16 bytes an entry at a load of at least 70% (tables start at 16 slots).
        #expect(set.memoryBytes < 200_000 * 16 * 100 / 70 + 1024 * 16 * 16)
    }

    @Test(arguments: [("", 0xcbf2_9ce4_8422_2325 as UInt64), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8)])
    func fnv1a64KnownValues(_ text: String, _ expected: UInt64) {
        // Test vectors from the FNV reference (isthe.com/chongo/tech/comp/fnv).
        #expect(fnv1a64(Array(text.utf8)) == expected)
    }

    @Test func murmurDistinguishesAndRepeats() {
        let a = Fingerprint(of: Array("https://example.com/a".utf8))
        #expect(a == Fingerprint(of: Array("https://example.com/a".utf8)))
        #expect(a != Fingerprint(of: Array("https://example.com/b".utf8)))
        #expect(Fingerprint(of: [UInt8]()) == Fingerprint(high: 0, low: 0))
        // Every length up to two blocks and a tail gives a distinct value.
        let lengths = (0..<40).map { Fingerprint(of: Array(repeating: UInt8(ascii: "x"), count: $0)) }
        #expect(Set(lengths).count == 40)
    }

    @Test func shardsAreStableAndCoverHosts() throws {
        // The documented hash: FNV-1a 64 of the host, modulo N, plus 1.
        #expect(Shard.of(host: Array("example.com".utf8), count: 4) == fnv1a64(Array("example.com".utf8)) % 4 + 1)
        var counts = [UInt64: Int]()
        for n in 0..<1000 { counts[Shard.of(host: Array("site\(n).example".utf8), count: 4), default: 0] += 1 }
        #expect(counts.keys.sorted() == [1, 2, 3, 4])
        #expect(counts.values.allSatisfy { $0 > 150 })
        // Each record lands in exactly one shard, by host only (case and port do not matter).
        let lines = [link("https://A.example/x"), link("https://a.example:8443/y"), link("http://b.example/")]
        let filters = try (1...3).map { k in try RecordFilter(options { $0.shard = try! Shard(parsing: "\(k)/3") }) }
        for line in lines { #expect(filters.filter { $0.decide(line) == .keep }.count == 1) }
        let shardOfA = filters.firstIndex { $0.decide(lines[0]) == .keep }
        #expect(filters[shardOfA!].decide(lines[1]) == .keep)
    }
}

@Suite struct SeenFileTests {
    /// A fresh temporary directory's path for one test.
    func temporaryDirectory() -> String {
        var template = Array("/tmp/afilter-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(decoding: UnsafeRawBufferPointer(start: path, count: strlen(path!)), as: UTF8.self)
    }

    func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            out += chunk[0..<count]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One afilter run over `lines` with `--seen seenPath`: the kept lines.
    func runOnce(_ lines: [String], seen seenPath: String, in directory: String) throws -> [String] {
        try write(lines.map { $0 + "\n" }.joined(), to: directory + "/in")
        let filter = try RecordFilter(options { $0.seenPath = seenPath })
        let outFD = open(directory + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let output = OutputWriter(fileDescriptor: outFD, lineBuffered: false)
        _ = try filter.run(LineReader(path: directory + "/in"), to: output) { _, _ in }
        close(outFD)
        return try read(directory + "/out").split(separator: "\n").map(String.init)
    }

    @Test func seenPersistsAcrossRuns() throws {
        let directory = temporaryDirectory()
        let seen = directory + "/seen.txt"
        let first = [link("https://a.example/1"), link("https://a.example/2"), link("HTTPS://A.example/1#x")]
        #expect(try runOnce(first, seen: seen, in: directory) == [first[0], first[1]])
        #expect(try read(seen) == "https://a.example/1\nhttps://a.example/2\n")
        let second = [link("https://a.example/2"), link("https://a.example/3"), link("https://a.example:443/1")]
        #expect(try runOnce(second, seen: seen, in: directory) == [second[1]])
        #expect(try read(seen) == "https://a.example/1\nhttps://a.example/2\nhttps://a.example/3\n")
    }

    @Test func handWrittenSeenFileIsNormalised() throws {
        let directory = temporaryDirectory()
        let seen = directory + "/seen.txt"
        // Raw URLs, and a last line without its newline.
        try write("HTTPS://A.EXAMPLE:443/1#top\nhttps://a.example/%7e", to: seen)
        let lines = [link("https://a.example/1"), link("https://a.example/~"), link("https://a.example/new")]
        #expect(try runOnce(lines, seen: seen, in: directory) == [lines[2]])
        #expect(try read(seen) == "HTTPS://A.EXAMPLE:443/1#top\nhttps://a.example/%7e\nhttps://a.example/new\n")
    }

    @Test func keyedSeenFileHoldsKeys() throws {
        let directory = temporaryDirectory()
        let seen = directory + "/seen.txt"
        try write("b\n", to: seen)
        try write(#"{"id":"a"}"# + "\n" + #"{"id":"b"}"# + "\n" + #"{"id":"c\nd"}"# + "\n", to: directory + "/in")
        let filter = try RecordFilter(options { $0.key = try! FieldPath("id"); $0.seenPath = seen })
        let outFD = open(directory + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = try filter.run(LineReader(path: directory + "/in"), to: OutputWriter(fileDescriptor: outFD, lineBuffered: false)) { _, _ in }
        close(outFD)
        #expect(try read(directory + "/out") == #"{"id":"a"}"# + "\n" + #"{"id":"c\nd"}"# + "\n")
        // A key with a line break is deduplicated in the run but cannot be stored as a line.
        #expect(try read(seen) == "b\na\n")
    }
}
