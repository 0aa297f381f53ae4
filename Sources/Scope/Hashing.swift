/// A 128-bit fingerprint of a byte string.
public struct Fingerprint: Hashable, Sendable {
    /// The first 64 bits.
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// MurmurHash3_x64_128 of `bytes` with seed 0 (Austin Appleby's public
    /// domain reference, `MurmurHash3.cpp`): fast, well mixed, 128 bits wide,
    /// not cryptographic.
    public init(of bytes: UnsafeBufferPointer<UInt8>) {
        let c1: UInt64 = 0x87c3_7b91_1142_53d5
        let c2: UInt64 = 0x4cf5_ad43_2745_937f
        var h1: UInt64 = 0
        var h2: UInt64 = 0
        let count = bytes.count
        let raw = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
        let blocks = count / 16
        for block in 0..<blocks {
            var k1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self))
            var k2 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self))
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52dc_e729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5ab5
        }
        let tail = blocks * 16
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        let rest = count & 15
        if rest > 8 {
            for k in stride(from: rest - 1, through: 8, by: -1) { k2 = k2 << 8 | UInt64(bytes[tail + k]) }
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
        }
        if rest > 0 {
            for k in stride(from: min(rest, 8) - 1, through: 0, by: -1) { k1 = k1 << 8 | UInt64(bytes[tail + k]) }
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(count); h2 ^= UInt64(count)
        h1 &+= h2; h2 &+= h1
        h1 = fmix(h1); h2 = fmix(h2)
        h1 &+= h2; h2 &+= h1
        high = h1
        low = h2
    }

    /// The fingerprint of a byte array.
    public init(of bytes: [UInt8]) {
        self = bytes.withUnsafeBufferPointer { Fingerprint(of: $0) }
    }
}

@inline(__always)
private func rotl(_ value: UInt64, _ shift: UInt64) -> UInt64 {
    value << shift | value >> (64 - shift)
}

@inline(__always)
private func fmix(_ value: UInt64) -> UInt64 {
    var k = value
    k ^= k >> 33; k &*= 0xff51_afd7_ed55_8ccd
    k ^= k >> 33; k &*= 0xc4ce_b9fe_1a85_ec53
    k ^= k >> 33
    return k
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo; offset basis 14695981039346656037,
/// prime 1099511628211): the `--shard` hash, chosen because it is short,
/// public and gives the same value on every machine.
public func fnv1a64<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
    }
    return hash
}
