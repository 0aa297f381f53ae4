#if canImport(Glibc)
import Glibc
#endif

/// A set of 128-bit fingerprints in open-addressing tables: 16 bytes an entry
/// and nothing else, so 10,000,000 URLs fit in about 210 MiB.
///
/// The set is split into 1024 tables by the fingerprint's top 10 bits. Each
/// table probes linearly, holds at most 85% of its slots, and grows by a fifth
/// when full, so its slots take 1.18 to 1.41 times the entries' bytes, and
/// growing copies one table (a thousandth of the set) at a time instead of
/// doubling the whole set (which would briefly need three times its size).
/// Tables of 64 KB and more are mapped from the kernel and unmapped when they
/// grow, so the memory they leave is returned rather than fragmenting the heap.
public final class FingerprintSet {
    private struct Table {
        var slots: UnsafeMutablePointer<Fingerprint>
        var capacity: Int
        var count: Int
        /// True when `slots` came from mmap(2).
        var isMapped = false
    }

    private static let tableBits = 10
    private static let tableCount = 1 << tableBits
    private static let initialCapacity = 16
    /// The tables, behind a pointer so that the hot path pays no exclusivity checks.
    private let tables: UnsafeMutablePointer<Table>

    public init() {
        tables = .allocate(capacity: FingerprintSet.tableCount)
        for index in 0..<FingerprintSet.tableCount {
            (tables + index).initialize(to: FingerprintSet.makeTable(capacity: FingerprintSet.initialCapacity))
        }
    }

    deinit {
        for index in 0..<FingerprintSet.tableCount { FingerprintSet.release(tables[index]) }
        tables.deinitialize(count: FingerprintSet.tableCount)
        tables.deallocate()
    }

    /// How many fingerprints are in the set.
    public var count: Int {
        (0..<FingerprintSet.tableCount).reduce(0) { $0 + tables[$1].count }
    }

    /// Adds `fingerprint`; true when it was not in the set yet.
    @discardableResult
    public func insert(_ fingerprint: Fingerprint) -> Bool {
        // All zeros marks an empty slot; a fingerprint that is all zeros is stored as 1.
        var fingerprint = fingerprint
        if fingerprint.high == 0 && fingerprint.low == 0 { fingerprint.low = 1 }
        let index = Int(truncatingIfNeeded: fingerprint.high >> UInt64(64 - FingerprintSet.tableBits))
        if tables[index].count * 20 >= tables[index].capacity * 17 { grow(&tables[index]) }
        return FingerprintSet.place(fingerprint, in: &tables[index])
    }

    /// True when `fingerprint` is in the set.
    public func contains(_ fingerprint: Fingerprint) -> Bool {
        var fingerprint = fingerprint
        if fingerprint.high == 0 && fingerprint.low == 0 { fingerprint.low = 1 }
        let table = tables[Int(truncatingIfNeeded: fingerprint.high >> UInt64(64 - FingerprintSet.tableBits))]
        var slot = FingerprintSet.home(fingerprint, capacity: table.capacity)
        while true {
            let stored = table.slots[slot]
            if stored == fingerprint { return true }
            if stored.high == 0 && stored.low == 0 { return false }
            slot = slot + 1 == table.capacity ? 0 : slot + 1
        }
    }

    /// Bytes held by the tables' slots.
    public var memoryBytes: Int {
        (0..<FingerprintSet.tableCount).reduce(0) { $0 + tables[$1].capacity * MemoryLayout<Fingerprint>.stride }
    }

    /// The first slot to try: the low 64 bits scaled to the capacity
    /// (Lemire's multiply-shift range reduction, no division, any capacity).
    @inline(__always)
    private static func home(_ fingerprint: Fingerprint, capacity: Int) -> Int {
        Int(truncatingIfNeeded: fingerprint.low.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// Stores `fingerprint` unless present; false when it was present.
    @inline(__always)
    private static func place(_ fingerprint: Fingerprint, in table: inout Table) -> Bool {
        var slot = home(fingerprint, capacity: table.capacity)
        while true {
            let stored = table.slots[slot]
            if stored.high == 0 && stored.low == 0 {
                table.slots[slot] = fingerprint
                table.count += 1
                return true
            }
            if stored == fingerprint { return false }
            slot = slot + 1 == table.capacity ? 0 : slot + 1
        }
    }

    private func grow(_ table: inout Table) {
        var grown = FingerprintSet.makeTable(capacity: table.capacity + table.capacity / 5)
        for slot in 0..<table.capacity {
            let stored = table.slots[slot]
            if stored.high != 0 || stored.low != 0 { _ = FingerprintSet.place(stored, in: &grown) }
        }
        FingerprintSet.release(table)
        table = grown
    }

    /// Tables of this many bytes and more are mapped with mmap(2).
    private static let mappedBytes = 1 << 16

    private static func makeTable(capacity: Int) -> Table {
        let bytes = capacity * MemoryLayout<Fingerprint>.stride
        if bytes >= mappedBytes {
            // Anonymous mappings come zero-filled: every slot empty.
            let address = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            if let address, address != MAP_FAILED {
                let slots = address.bindMemory(to: Fingerprint.self, capacity: capacity)
                return Table(slots: slots, capacity: capacity, count: 0, isMapped: true)
            }
        }
        let slots = UnsafeMutablePointer<Fingerprint>.allocate(capacity: capacity)
        slots.initialize(repeating: Fingerprint(high: 0, low: 0), count: capacity)
        return Table(slots: slots, capacity: capacity, count: 0)
    }

    private static func release(_ table: Table) {
        if table.isMapped {
            munmap(table.slots, table.capacity * MemoryLayout<Fingerprint>.stride)
        } else {
            table.slots.deallocate()
        }
    }
}
