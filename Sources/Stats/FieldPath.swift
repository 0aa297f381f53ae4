import NDJSON

#if canImport(Glibc)
import Glibc
#endif

/// A dotted field name such as `timing.connect_ms`: member names from the top
/// level down through nested objects. A name cannot contain a dot.
public struct FieldPath: Sendable, Equatable, CustomStringConvertible {
    /// The member names, outermost first, as UTF-8.
    let components: [[UInt8]]
    /// The path as written.
    public let description: String

    /// Parses `text`; nil when it is empty or has an empty component (`a..b`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        components = parts.map { Array($0.utf8) }
        description = text
    }

    /// Finds the value at this path in a line whose top-level member `member` matched the
    /// first component; returns its range (in the line) and kind, or nil when absent.
    func resolve(in line: JSONScanner, from member: JSONMember) -> (range: Range<Int>, kind: JSONKind)? {
        var range = member.value
        var kind = member.kind
        for component in components.dropFirst() {
            guard kind == .object else { return nil }
            let nested = JSONScanner(UnsafeBufferPointer(rebasing: line.bytes[range]))
            var found: JSONMember?
            component.withUnsafeBufferPointer { name in
                // The line was validated already, so the nested scan cannot throw.
                try? nested.forEachMember { inner in
                    if keyEquals(nested, inner, name) { found = inner }
                }
            }
            guard let inner = found else { return nil }
            range = (inner.value.lowerBound + range.lowerBound)..<(inner.value.upperBound + range.lowerBound)
            kind = inner.kind
        }
        return (range, kind)
    }
}

/// True when the member's key is `name`; escaped keys are decoded first (rare, slow path).
@inline(__always)
func keyEquals(_ scanner: JSONScanner, _ member: JSONMember, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
    if member.keyHasEscapes { return Array(scanner.keyString(member).utf8).elementsEqual(name) }
    guard member.key.count == name.count else { return false }
    return memcmp(scanner.bytes.baseAddress! + member.key.lowerBound, name.baseAddress!, name.count) == 0
}

/// True when the member's key is `name`, for names known at compile time.
@inline(__always)
func keyEquals(_ scanner: JSONScanner, _ member: JSONMember, _ name: StaticString) -> Bool {
    keyEquals(scanner, member, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
}

/// Powers of ten that a Double holds exactly (up to 10^22), as literals so the table is
/// laid out at compile time (a computed global is initialised behind a swift_once call
/// on every access, one per number parsed).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// 10^exponent, exactly, for 0...22.
@inline(__always)
func exactPowerOfTen(_ exponent: Int) -> Double { exactPowersOfTen[exponent] }

/// Parses a JSON number (already validated) without allocating. Decimals with at
/// most 15 significant digits, the common case, are one exact integer divided by
/// an exact power of ten, which IEEE 754 rounds correctly; anything else (exponents,
/// long mantissas) goes through strtod.
@inline(__always)
func parseNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double {
    var i = range.lowerBound
    let end = range.upperBound
    let negative = bytes[i] == UInt8(ascii: "-")
    if negative { i += 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    var fractionDigits = 0
    while i < end, isASCIIDigit(bytes[i]) {
        mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- UInt8(ascii: "0"))
        digits += 1
        i += 1
    }
    if i < end, bytes[i] == UInt8(ascii: ".") {
        i += 1
        while i < end, isASCIIDigit(bytes[i]) {
            mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- UInt8(ascii: "0"))
            digits += 1
            fractionDigits += 1
            i += 1
        }
    }
    if i == end && digits <= 15 {
        let magnitude = Double(mantissa) / exactPowersOfTen[fractionDigits]
        return negative ? -magnitude : magnitude
    }
    return parseNumberSlowly(bytes, range)
}

/// A number beyond a double's range (`1e400`: strtod gives infinity) is NaN,
/// which every caller takes as absent: one such value would otherwise turn a
/// whole summary's mean, maximum and percentiles into nonsense.
private func parseNumberSlowly(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: range.count + 1) { text in
        for (offset, index) in range.enumerated() { text[offset] = CChar(bitPattern: bytes[index]) }
        text[range.count] = 0
        let value = strtod(text.baseAddress!, nil)
        return value.isFinite ? value : .nan
    }
}
