#if canImport(Glibc)
import Glibc
#endif
import NDJSON

/// Turns a body's bytes into UTF-8 text: the charset from Content-Type, else
/// from `<meta charset>` or `<meta http-equiv="Content-Type">` in the first
/// 1024 bytes (the HTML prescan's window), else UTF-8; whatever cannot be
/// decoded becomes U+FFFD, so `body` is always valid JSON text.
struct BodyDecoder {
    /// iconv descriptors by charset name, opened once each, closed with the decoder.
    private let converters = Converters()

    /// Whether `--body auto` keeps a body of this type. Read as bytes, ASCII case
    /// ignored: lower-casing a String per record cost afetch 4,500 instructions.
    static func isTextual(_ contentType: String?) -> Bool {
        guard var contentType else { return false }
        return contentType.withUTF8 { bytes in
            var start = 0
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
            while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
            let type = UnsafeBufferPointer(rebasing: bytes[start..<end])
            return type.startsIgnoringASCIICase(with: "text/") || type.endsIgnoringASCIICase(with: "/json")
                || type.endsIgnoringASCIICase(with: "+json") || type.endsIgnoringASCIICase(with: "/xml")
                || type.endsIgnoringASCIICase(with: "+xml") || type.endsIgnoringASCIICase(with: "/javascript")
                || type.equalsIgnoringASCIICase("application/ecmascript")
        }
    }

    /// The body as UTF-8, or as it came when it already is (or claims to be) UTF-8.
    mutating func decode(_ body: [UInt8], contentType: String?) -> [UInt8] {
        let declared = contentType.flatMap(Self.charsetParameter) ?? Self.sniffMetaCharset(body)
        let charset = declared.map(Self.canonical) ?? "utf-8"
        // UTF-8 (or an unknown charset) is passed on as it is: the JSON string
        // writer replaces invalid sequences with U+FFFD as it escapes.
        guard charset != "utf-8", charset != "us-ascii", let converter = converter(for: charset) else { return body }
        return convert(body, with: converter)
    }

    /// `charset=` from a Content-Type value, quotes removed, lower-cased.
    static func charsetParameter(_ contentType: String) -> String? {
        var text = contentType
        return text.withUTF8 { charsetValue(in: $0[...]) }
    }

    /// The charset a `<meta>` declares in the first 1024 bytes, if any.
    /// Byte by byte: this runs on every HTML body afetch keeps.
    static func sniffMetaCharset(_ body: [UInt8]) -> String? {
        body.withUnsafeBufferPointer { bytes in
            let head = UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, 1024)])
            var from = 0
            while let meta = firstIndex(ofCaseInsensitive: "<meta", in: head[from...]) {
                let tagEnd = head[meta...].firstIndex(of: UInt8(ascii: ">")) ?? head.endIndex
                if let charset = charsetValue(in: head[meta..<tagEnd]) { return charset }
                from = tagEnd
            }
            return nil
        }
    }

    /// The value after `charset=` in `bytes`: up to a quote, `;`, `/`, `>` or blank.
    private static func charsetValue(in bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String? {
        guard let start = firstIndex(ofCaseInsensitive: "charset=", in: bytes) else { return nil }
        var i = start + 8
        while i < bytes.endIndex && (bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'")) { i += 1 }
        var end = i
        let stops: [UInt8] = Array("\"'; />\t\r\n".utf8)
        while end < bytes.endIndex && !stops.contains(bytes[end]) { end += 1 }
        guard end > i else { return nil }
        return String(decoding: bytes[i..<end], as: UTF8.self).lowercased()
    }

    /// Where `needle` (lower-case ASCII) first occurs in `bytes`, ignoring ASCII case.
    private static func firstIndex(ofCaseInsensitive needle: StaticString, in bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard bytes.count >= pattern.count else { return nil }
        var i = bytes.startIndex
        let last = bytes.endIndex - pattern.count
        // A first byte that is not a letter ("<" of "<meta") has one case: memchr finds
        // each candidate, instead of a test per byte of the page's first kilobyte.
        let firstHasOneCase = !(pattern[0] >= UInt8(ascii: "a") && pattern[0] <= UInt8(ascii: "z"))
        let base = bytes.base.baseAddress!
        while i <= last {
            if firstHasOneCase {
                guard let found = memchr(base + i, Int32(pattern[0]), last - i + 1) else { return nil }
                i = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
            }
            if bytes[i] | 0x20 == pattern[0] {
                var k = 1
                while k < pattern.count && (bytes[i + k] | 0x20 == pattern[k] || bytes[i + k] == pattern[k]) { k += 1 }
                if k == pattern.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Maps labels to the names iconv knows, the way browsers read them
    /// (WHATWG Encoding: iso-8859-1, latin1 and ascii mean windows-1252).
    static func canonical(_ label: String) -> String {
        switch label {
        case "utf8", "utf-8", "unicode-1-1-utf-8": return "utf-8"
        case "iso-8859-1", "iso8859-1", "latin1", "l1", "ascii", "us-ascii", "windows-1252", "cp1252", "x-cp1252":
            return "windows-1252"
        case "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j": return "shift_jis"
        default: return label
        }
    }

    private mutating func converter(for charset: String) -> iconv_t? {
        if let cached = converters.byCharset[charset] { return cached }
        let descriptor = iconv_open("UTF-8", charset.uppercased())
        guard let descriptor, Int(bitPattern: descriptor) != -1 else { return nil }
        converters.byCharset[charset] = descriptor
        return descriptor
    }

    /// Owns the descriptors: each holds about 4.4 KB of glibc state until
    /// iconv_close, which a struct has no deinit to call (LeakSanitizer found
    /// every dropped decoder leaking them, in `scripts/test --sanitize`).
    private final class Converters {
        var byCharset: [String: iconv_t] = [:]

        deinit {
            for descriptor in byCharset.values { iconv_close(descriptor) }
        }
    }

    /// Converts with iconv; each byte it cannot convert becomes U+FFFD.
    private func convert(_ body: [UInt8], with converter: iconv_t) -> [UInt8] {
        iconv(converter, nil, nil, nil, nil)
        var output = [UInt8](repeating: 0, count: body.count * 4 + 16)
        var input = body
        var produced = 0
        input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(source.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = source.count
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(target.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = target.count
                while inLeft > 0 {
                    if iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1 { break }
                    guard (errno == EILSEQ || errno == EINVAL), outLeft >= 3 else { break }
                    // An invalid or truncated sequence: replace one byte and go on.
                    for byte: UInt8 in [0xEF, 0xBF, 0xBD] {
                        outPointer!.pointee = CChar(bitPattern: byte)
                        outPointer! += 1
                    }
                    outLeft -= 3
                    inPointer! += 1
                    inLeft -= 1
                }
                produced = target.count - outLeft
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}
