import Testing
@testable import Stats

/// A histogram reused after `reset` (a window ends, a group slot is taken over) reads
/// as a fresh one, whichever way the reset went: few values zeroed one by one, or many
/// values leaving their pages to be zeroed when next used.
@Suite struct HistogramReuseTests {
    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var random = SplitMix(state: seed)
        return (0..<count).map { _ in Double(random.below(60_000_000)) / 1000 }
    }

    static func summary(_ histogram: Histogram) -> [Double] {
        [Double(histogram.count), histogram.min, histogram.max, histogram.mean]
            + [1, 5000, 9000, 9900, 9990, 10000].map { histogram.value(atQuantile: $0) }
            + [1, 50, 1000, 30_000].map { Double(histogram.count(below: $0)) }
    }

    @Test(arguments: [(0, 3), (3, 5), (8, 8), (9, 2), (500, 7), (500, 900), (2, 400), (0, 0)])
    func readsAsFreshAfterAReset(before: Int, after: Int) {
        var reused = Histogram()
        for value in Self.values(before, seed: 1) { reused.record(value) }
        // Twice, so pages left dirty by the first reset are zeroed before reuse.
        for seed: UInt64 in [2, 3] {
            reused.reset()
            var fresh = Histogram()
            for value in Self.values(after, seed: seed) {
                reused.record(value)
                fresh.record(value)
            }
            #expect(Self.summary(reused) == Self.summary(fresh), "after reset with seed \(seed)")
        }
    }
}
