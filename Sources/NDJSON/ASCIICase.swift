/// ASCII case for bytes: schemes, media types, tag and attribute names compare without
/// case, and none of them needs Unicode's rules or a String.
@inlinable @inline(__always)
public func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes are `lower` (lower-case ASCII), ignoring ASCII case.
    @inlinable
    public func equalsIgnoringASCIICase(_ lower: StaticString) -> Bool {
        count == lower.utf8CodeUnitCount && matchesIgnoringASCIICase(lower, at: 0)
    }

    /// Whether the bytes begin with `lower` (lower-case ASCII), ignoring ASCII case.
    @inlinable
    public func startsIgnoringASCIICase(with lower: StaticString) -> Bool {
        count >= lower.utf8CodeUnitCount && matchesIgnoringASCIICase(lower, at: 0)
    }

    /// Whether the bytes end with `lower` (lower-case ASCII), ignoring ASCII case.
    @inlinable
    public func endsIgnoringASCIICase(with lower: StaticString) -> Bool {
        count >= lower.utf8CodeUnitCount && matchesIgnoringASCIICase(lower, at: count - lower.utf8CodeUnitCount)
    }

    @inlinable
    func matchesIgnoringASCIICase(_ lower: StaticString, at offset: Int) -> Bool {
        for index in 0..<lower.utf8CodeUnitCount where asciiLowercased(self[offset + index]) != lower.utf8Start[index] {
            return false
        }
        return true
    }
}
