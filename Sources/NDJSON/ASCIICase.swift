/// ASCII classes and case for bytes: schemes, hosts, media types, tag and attribute names
/// are ASCII, and none of them needs Unicode's rules or a String.

/// Whether the byte is a decimal digit in ASCII: JSON numbers, ports, IPv4 parts.
@inlinable @inline(__always)
public func isASCIIDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

/// Whether the byte is an ASCII letter of either case: schemes and host labels start with one.
@inlinable @inline(__always)
public func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }

/// Whether the byte may stand in a URL scheme after its first letter: RFC 3986 section 3.1,
/// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
@inlinable @inline(__always)
public func isSchemeByte(_ byte: UInt8) -> Bool {
    isASCIILetter(byte) || isASCIIDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        || byte == UInt8(ascii: ".")
}

/// The byte with an upper-case ASCII letter made lower-case.
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
