/// Hexadecimal digits in ASCII: JSON's `\uXXXX` and URLs' `%XX` both spell numbers with them.
public enum ASCIIHex {
    /// The value of a hex digit of either case, or nil.
    @inlinable @inline(__always)
    public static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The upper-case digit of a value below 16 (RFC 3986 section 2.1 prefers upper case in `%XX`).
    @inlinable @inline(__always)
    public static func upperDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }
}
