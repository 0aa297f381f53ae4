#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Testing
@testable import Archive

/// A fresh empty directory under /tmp for one test.
func temporaryDirectory() -> String {
    var template = Array("/tmp/acrawl-archive-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    return path
}

/// `rm -rf path`, for the end of a test.
func removeTree(_ path: String) {
    for name in listDirectory(path) {
        let child = path + "/" + name
        if FileIO.isDirectory(child) { removeTree(child) } else { unlink(child) }
    }
    rmdir(path)
}

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        out += buffer[0..<count]
    }
    return out
}

func listDirectory(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

func inode(_ path: String) -> UInt? {
    var info = stat()
    return stat(path, &info) == 0 ? UInt(info.st_ino) : nil
}

@Test func storesUnderTheDigestName() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let store = BodyStore(directory: scratch + "/bodies")
    let body = Array("hello\n".utf8)
    let stored = try store.store(body)
    #expect(stored.sha256 == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
    #expect(stored.path == store.directory + "/58/" + stored.sha256)
    #expect(readFile(stored.path) == body)
    #expect(listDirectory(store.directory + "/58") == [stored.sha256])
}

@Test func identicalBodiesAreStoredOnceAndNotRewritten() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let store = BodyStore(directory: scratch)
    let first = try store.store(Array("same".utf8))
    let before = inode(first.path)
    let second = try store.store(Array("same".utf8))
    let other = try store.store(Array("different".utf8))
    #expect(second.path == first.path)
    #expect(inode(second.path) == before)
    #expect(other.path != first.path)
    let files = listDirectory(store.directory).flatMap { listDirectory(store.directory + "/" + $0) }
    #expect(files.count == 2)
}

@Test func emptyBodyIsStored() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let store = BodyStore(directory: scratch)
    let stored = try store.store([])
    #expect(stored.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(readFile(stored.path) == [])
}

@Test func aCrashBeforeTheRenameLeavesNoFinalName() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let store = BodyStore(directory: scratch)
    let body = Array(repeating: UInt8(ascii: "x"), count: 100_000)
    let sha256 = DigestEncoding.hex(SHA256.digest(body))
    let (folder, path) = store.location(of: sha256)
    try FileIO.makeDirectories(folder)
    // The crash: the temporary file is written (here only half of it) and the rename never runs.
    let leftover = try store.writeTemporary(Array(body.prefix(50_000)), in: folder)
    #expect(!FileIO.exists(path))
    #expect(listDirectory(folder).allSatisfy { $0.hasPrefix(".tmp-") })
    // The next run stores the whole body under the final name; the leftover is never taken for it.
    let stored = try store.store(body)
    #expect(stored.path == path)
    #expect(readFile(path) == body)
    #expect(readFile(leftover)?.count == 50_000)
}

@Test func concurrentStoresOfOneBody() throws {
    let scratch = temporaryDirectory()
    defer { removeTree(scratch) }
    let store = BodyStore(directory: scratch)
    let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let results = ResultBox(count: 16)
    DispatchQueue.concurrentPerform(iterations: 16) { index in
        results.set(index, (try? store.store(body))?.path)
    }
    let paths = Set(results.values)
    #expect(paths.count == 1)
    let path = try #require(paths.first ?? nil)
    #expect(readFile(path) == body)
    let folder = String(path[..<path.lastIndex(of: "/")!])
    #expect(listDirectory(folder) == [String(path[path.index(after: path.lastIndex(of: "/")!)...])])
}

/// Results written by concurrent workers, one slot each.
final class ResultBox: @unchecked Sendable {
    private var slots: [String?]
    private var lock = pthread_mutex_t()

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
        pthread_mutex_init(&lock, nil)
    }

    func set(_ index: Int, _ value: String?) {
        pthread_mutex_lock(&lock)
        slots[index] = value
        pthread_mutex_unlock(&lock)
    }

    var values: [String?] { slots }
}
