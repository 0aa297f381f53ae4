/// A log-linear histogram with three significant decimal digits, the layout of
/// Gil Tene's HdrHistogram: values below 2048 units are counted exactly, and
/// above that each power-of-two range is split into 1024 equal buckets, so a
/// bucket is never wider than 1/1024 of the values it holds (better than 0.1%).
///
/// Values are recorded in units of 1/`scale` (the default 1000 makes a unit a
/// microsecond when values are milliseconds, the precision every duration field
/// has). Buckets live in pages of 256, allocated when a value first falls in
/// them, so memory follows the spread of the values, not their number: a
/// histogram holding a few distinct latencies costs a few KB, and one holding
/// every value from 1 ms to 100 s at most about 160 KB. Forgetting the values
/// costs in proportion to the pages used. Count, sum, minimum and maximum are exact.
/// Negative values count in the count, minimum, mean and maximum, and as 0 in
/// the percentiles.
public struct Histogram: Sendable {
    /// Values recorded.
    public private(set) var count: UInt64 = 0
    /// Their exact sum.
    public private(set) var sum: Double = 0
    /// The smallest value recorded, or 0 when none was.
    public var min: Double { count == 0 ? 0 : smallest }
    /// The largest value recorded, or 0 when none was.
    public var max: Double { count == 0 ? 0 : largest }
    /// The mean, or 0 when nothing was recorded.
    public var mean: Double { count == 0 ? 0 : sum / Double(count) }
    /// Units per value unit: values are stored as `(value * scale).rounded()`.
    public let scale: Double

    private var smallest = Double.infinity
    private var largest = -Double.infinity
    /// For each page of 256 buckets, its position in `pages` + 1, or 0 while it is empty.
    private var directory: [Int32] = []
    /// The allocated pages, one after another, in order of first use.
    private var pages: [UInt64] = []
    /// Pages of `pages` in use; those after them are kept from before a reset.
    private var pagesUsed = 0
    /// For each page of `pages`, whether it may hold counts from before a reset and
    /// must be zeroed before it is used again.
    private var pageIsDirty: [Bool] = []
    /// The buckets of the first values recorded since the last reset. A group slot is
    /// mostly taken over soon after its group entered (the tail of the groups churns),
    /// and then the reset zeroes just these buckets: no page needs zeroing again, so the
    /// taking over writes a few words instead of kilobytes.
    private var firstBuckets = SIMD8<Int32>()
    private static let pageBits = 8
    private static let pageSize = 1 << pageBits

    /// Sub-buckets per power of two: 2^11 gives 3 significant digits (2 * 10^3 <= 2048).
    private static let subBucketBits = 11
    private static let halfSubBucketCount = 1 << (subBucketBits - 1)

    public init(scale: Double = 1000) { self.scale = scale }

    /// Counts one value.
    @inline(__always)
    public mutating func record(_ value: Double) {
        count &+= 1
        sum += value
        if value < smallest { smallest = value }
        if value > largest { largest = value }
        // Rounded half up by adding 0.5 and truncating (libm's round is a call, this is one
        // instruction). Beyond 2^62 units a value would not fit the index arithmetic; such
        // values are absurd for every field astats measures and share the last bucket.
        let scaled = value * scale + 0.5
        let units = scaled >= 1 ? UInt64(Swift.min(scaled, 4.6e18)) : 0
        let index = Histogram.index(of: units)
        if count <= UInt64(firstBuckets.scalarCount) { firstBuckets[Int(count) &- 1] = Int32(truncatingIfNeeded: index) }
        add(index, 1)
    }

    @inline(__always)
    private mutating func add(_ index: Int, _ n: UInt64) {
        let page = index >> Histogram.pageBits
        if page >= directory.count {
            directory.append(contentsOf: repeatElement(0, count: page + 1 - directory.count))
        }
        var position = Int(directory[page])
        if position == 0 {
            position = newPage()
            directory[page] = Int32(position)
        }
        pages[(position - 1) << Histogram.pageBits | index & (Histogram.pageSize - 1)] &+= n
    }

    /// A zeroed page, reusing one kept from before a reset when there is one: a group
    /// slot taken over by another group starts on the old one's pages. Returns its
    /// position + 1.
    private mutating func newPage() -> Int {
        let start = pagesUsed << Histogram.pageBits
        if start >= pages.count {
            pages.append(contentsOf: repeatElement(0, count: Histogram.pageSize))
            pageIsDirty.append(false)
        } else if pageIsDirty[pagesUsed] {
            pages.withUnsafeMutableBufferPointer { pages in
                UnsafeMutableBufferPointer(rebasing: pages[start..<(start + Histogram.pageSize)]).update(repeating: 0)
            }
            pageIsDirty[pagesUsed] = false
        }
        pagesUsed += 1
        return pagesUsed
    }

    /// Calls `body` with each non-empty bucket's index and count, in ascending order.
    @inline(__always)
    private func forEachBucket(_ body: (Int, UInt64) -> Bool) {
        for page in directory.indices where directory[page] != 0 {
            let base = (Int(directory[page]) - 1) << Histogram.pageBits
            for offset in 0..<Histogram.pageSize where pages[base + offset] > 0 {
                if !body(page << Histogram.pageBits | offset, pages[base + offset]) { return }
            }
        }
    }

    /// Forgets every value, keeping the memory.
    public mutating func reset() {
        if count <= UInt64(firstBuckets.scalarCount) {
            // Only these buckets, in these pages, were counted in: zero them and their pages stay clean.
            for k in 0..<Int(count) {
                let index = Int(firstBuckets[k])
                let position = Int(directory[index >> Histogram.pageBits])
                pages[(position &- 1) << Histogram.pageBits | index & (Histogram.pageSize &- 1)] = 0
            }
            for k in 0..<Int(count) { directory[Int(firstBuckets[k]) >> Histogram.pageBits] = 0 }
        } else {
            for page in directory.indices { directory[page] = 0 }
            for page in 0..<pagesUsed { pageIsDirty[page] = true }
        }
        pagesUsed = 0
        count = 0
        sum = 0
        smallest = .infinity
        largest = -.infinity
    }

    /// The value at the given quantile, in ten-thousandths (5000 is the median,
    /// 9990 the 99.9th percentile): the highest value of the bucket holding the
    /// nearest-rank value `ceil(q * count / 10000)`, clamped to the exact
    /// minimum and maximum. 0 when nothing was recorded.
    public func value(atQuantile q: Int) -> Double {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, (UInt64(q) * count + 9999) / 10000)
        var seen: UInt64 = 0
        var found = largest
        forEachBucket { index, n in
            seen += n
            guard seen >= rank else { return true }
            let highest = Double(Histogram.highestUnits(at: index)) / scale
            found = Swift.min(Swift.max(highest, smallest), largest)
            return false
        }
        return found
    }

    /// How many values are below `value` (at bucket precision), for drawing the distribution.
    public func count(below value: Double) -> UInt64 {
        let units = value * scale
        var seen: UInt64 = 0
        forEachBucket { index, n in
            guard Double(Histogram.highestUnits(at: index)) < units else { return false }
            seen += n
            return true
        }
        return seen
    }

    // MARK: - Layout

    /// Bucket 0 is linear (one unit per slot, 2048 slots); bucket k >= 1 covers
    /// [2^(k+10), 2^(k+11)) in 1024 slots of 2^k units each.
    @inline(__always)
    static func index(of units: UInt64) -> Int {
        if units < UInt64(2 * halfSubBucketCount) { return Int(units) }
        let magnitude = 63 - units.leadingZeroBitCount
        let shift = magnitude - (subBucketBits - 1)
        return shift * halfSubBucketCount + Int(units >> UInt64(shift))
    }

    /// The highest value, in units, that falls into slot `index`.
    static func highestUnits(at index: Int) -> UInt64 {
        if index < 2 * halfSubBucketCount { return UInt64(index) }
        let shift = index / halfSubBucketCount - 1
        let subBucket = UInt64(index - shift * halfSubBucketCount)
        return ((subBucket + 1) << UInt64(shift)) - 1
    }
}
