#if canImport(Glibc)
import Glibc
#endif

/// Per-group figures in bounded memory, by the Space-Saving algorithm (Metwally,
/// Agrawal and El Abbadi, "Efficient computation of frequent and top-k elements
/// in data streams", ICDT 2005).
///
/// The table holds `capacity` groups. A new group takes a free slot; when none is
/// free it takes over the slot of the group with the smallest count, whose figures
/// are dropped. The newcomer's count starts from that smallest count, which is
/// remembered as its possible overcount (`untracked`). So memory is fixed (a
/// million hosts cost no more than `capacity`), every group more frequent than
/// 1/`capacity` of the records is guaranteed to be in the table, and a group that
/// never had to take over a slot (`untracked` 0) has exact figures. A group that
/// did has figures for the records since it entered, and `untracked` bounds how
/// many of its earlier records they miss.
public struct GroupTable {
    /// Slots available.
    public let capacity: Int
    /// Key bytes of each used slot.
    private(set) var keys: [[UInt8]] = []
    /// The JSON kind each key had.
    private(set) var keyKinds: [GroupKeyKind] = []
    /// Space-Saving count of each slot: records counted plus `untracked`.
    private var counts: [UInt64] = []
    /// Upper bound of records of this group seen before it entered its slot.
    private(set) var untracked: [UInt64] = []
    /// Figures of each slot since its group entered.
    private(set) var figures: [Figures] = []
    private var hashes: [UInt64] = []
    /// Open addressing, linear probing: slot number + 1, or 0 for empty.
    private var index: [Int32]
    private let fieldCount: Int
    /// Figures kept from a previous window, reused before allocating new ones.
    private var spare: [Figures] = []
    /// Groups that took over another's slot.
    public private(set) var evictions: UInt64 = 0
    /// Once a full table has had to evict: the smallest count, and the slots holding it
    /// (a bit each), kept as counts grow so the next victim needs no scan of the table.
    private var smallest: (count: UInt64, slots: [UInt64], left: Int)?

    public init(capacity: Int, fieldCount: Int) {
        self.capacity = Swift.max(1, capacity)
        self.fieldCount = fieldCount
        var size = 8
        while size < self.capacity * 2 { size <<= 1 }
        index = Array(repeating: 0, count: size)
    }

    /// Groups in the table.
    public var count: Int { keys.count }

    /// Counts a record in its group, admitting the group (and maybe evicting another) first.
    @inline(__always)
    mutating func add(_ record: RecordFigures, fieldValues: UnsafeBufferPointer<Double>, otherErrorKind: String,
                      key: UnsafeBufferPointer<UInt8>, kind: GroupKeyKind) {
        let slot = self.slot(for: key, kind: kind)
        figures[slot].add(record, fieldValues: fieldValues, otherErrorKind: otherErrorKind)
    }

    /// The slot of the group `key`, admitting it (and maybe evicting another) first.
    @inline(__always)
    private mutating func slot(for key: UnsafeBufferPointer<UInt8>, kind: GroupKeyKind) -> Int {
        let hash = fnv1a(key, kind)
        let mask = index.count - 1
        var probe = Int(truncatingIfNeeded: hash) & mask
        while index[probe] != 0 {
            let slot = Int(index[probe]) - 1
            if hashes[slot] == hash && keyKinds[slot] == kind && sameBytes(keys[slot], key) {
                if smallest != nil && counts[slot] == smallest!.count { leaveSmallest(slot) }
                counts[slot] &+= 1
                return slot
            }
            probe = (probe + 1) & mask
        }
        let slot: Int
        if keys.count < capacity {
            smallest = nil
            slot = keys.count
            keys.append(Array(key))
            keyKinds.append(kind)
            counts.append(1)
            untracked.append(0)
            figures.append(spare.popLast() ?? Figures(fieldCount: fieldCount))
            hashes.append(hash)
        } else {
            slot = evictSmallest()
            keys[slot].removeAll(keepingCapacity: true)
            keys[slot].append(contentsOf: key)
            keyKinds[slot] = kind
            untracked[slot] = counts[slot]
            counts[slot] &+= 1
            figures[slot].reset()
            hashes[slot] = hash
            // The removal may have shifted entries: find the free position again.
            probe = Int(truncatingIfNeeded: hash) & mask
            while index[probe] != 0 { probe = (probe + 1) & mask }
        }
        index[probe] = Int32(slot + 1)
        return slot
    }

    /// The first slot with the smallest count, removed from the index; its count is
    /// about to grow by one.
    private mutating func evictSmallest() -> Int {
        if smallest == nil { findSmallest() }
        var word = 0
        while smallest!.slots[word] == 0 { word += 1 }
        let victim = word << 6 | smallest!.slots[word].trailingZeroBitCount
        leaveSmallest(victim)
        removeFromIndex(slot: victim)
        evictions &+= 1
        return victim
    }

    /// Scans the table for its smallest count and the slots holding it.
    private mutating func findSmallest() {
        let count = counts.min() ?? 0
        var slots = [UInt64](repeating: 0, count: (counts.count + 63) >> 6)
        var left = 0
        for slot in counts.indices where counts[slot] == count {
            slots[slot >> 6] |= 1 << UInt64(slot & 63)
            left += 1
        }
        smallest = (count, slots, left)
    }

    /// `slot`'s count grows past the smallest: it leaves that set, and when the set is
    /// empty the smallest count is found again at the next eviction.
    @inline(__always)
    private mutating func leaveSmallest(_ slot: Int) {
        smallest!.slots[slot >> 6] &= ~(1 << UInt64(slot & 63))
        smallest!.left -= 1
        if smallest!.left == 0 { smallest = nil }
    }

    /// Deletes a slot's index entry by backward shift, so probe chains stay unbroken
    /// without tombstones (Knuth, TAOCP vol. 3, 6.4, Algorithm R).
    private mutating func removeFromIndex(slot: Int) {
        let mask = index.count - 1
        var hole = Int(truncatingIfNeeded: hashes[slot]) & mask
        while Int(index[hole]) - 1 != slot { hole = (hole + 1) & mask }
        var next = (hole + 1) & mask
        while index[next] != 0 {
            let home = Int(truncatingIfNeeded: hashes[Int(index[next]) - 1]) & mask
            // Move the entry back when its home is not cyclically within (hole, next].
            let distanceToNext = (next - home) & mask
            let distanceToHole = (next - hole) & mask
            if distanceToNext >= distanceToHole {
                index[hole] = index[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        index[hole] = 0
    }

    /// Removes every group, keeping their figures' memory for the next ones.
    mutating func removeAll() {
        for slot in figures.indices { figures[slot].reset() }
        spare.append(contentsOf: figures)
        keys.removeAll(keepingCapacity: true)
        keyKinds.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        untracked.removeAll(keepingCapacity: true)
        figures.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        for probe in index.indices { index[probe] = 0 }
        evictions = 0
        smallest = nil
    }

    /// The `limit` groups with the most records, most first, ties by key bytes.
    public func top(_ limit: Int) -> [Group] {
        let order = keys.indices.sorted { a, b in
            if counts[a] != counts[b] { return counts[a] > counts[b] }
            return keys[a].lexicographicallyPrecedes(keys[b])
        }
        return order.prefix(limit).map { Group(key: keys[$0], keyKind: keyKinds[$0], untracked: untracked[$0], figures: figures[$0]) }
    }

    @inline(__always)
    private func sameBytes(_ stored: [UInt8], _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        stored.count == key.count && stored.withUnsafeBufferPointer {
            key.isEmpty || memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0
        }
    }

    private func fnv1a(_ key: UnsafeBufferPointer<UInt8>, _ kind: GroupKeyKind) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(kind.rawValue)
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        // Mix the high bits down: the index uses the low ones.
        return hash ^ (hash >> 29)
    }
}

/// One group of a summary.
public struct Group {
    /// The key's bytes: a host, or the `--by` value's text.
    public let key: [UInt8]
    /// The JSON kind the key had.
    public let keyKind: GroupKeyKind
    /// At most this many of the group's records came before it was tracked (0: figures are exact).
    public let untracked: UInt64
    /// The group's figures.
    public let figures: Figures
}
