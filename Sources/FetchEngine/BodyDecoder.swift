#if canImport(Glibc)
import Glibc
#endif
import NDJSON

/// Turns a body's bytes into UTF-8 text: the charset from Content-Type, else
/// from `<meta charset>` or `<meta http-equiv="Content-Type">` in the first
/// 1024 bytes (the HTML prescan's window), else UTF-8; whatever cannot be
/// decoded becomes U+FFFD, so `body` is always valid JSON text.
struct BodyDecoder {
    /// iconv descriptors by charset name, opened once each.
    private var converters: [String: iconv_t] = [:]

    /// Whether `--body auto` keeps a body of this type.
    static func isTextual(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = mediaType(contentType)
        return type.hasPrefix("text/") || type.hasSuffix("/json") || type.hasSuffix("+json")
            || type.hasSuffix("/xml") || type.hasSuffix("+xml") || type.hasSuffix("/javascript")
            || type == "application/ecmascript"
    }

    /// The body as UTF-8.
    mutating func decode(_ body: [UInt8], contentType: String?) -> [UInt8] {
        let declared = contentType.flatMap(Self.charsetParameter) ?? Self.sniffMetaCharset(body)
        let charset = declared.map(Self.canonical) ?? "utf-8"
        if charset == "utf-8" || charset == "us-ascii" {
            return body.withUnsafeBufferPointer { repairUTF8($0) }
        }
        guard let converter = converter(for: charset) else {
            return body.withUnsafeBufferPointer { repairUTF8($0) }
        }
        return convert(body, with: converter)
    }

    /// The media type, lower-cased, without parameters.
    static func mediaType(_ contentType: String) -> String {
        let end = contentType.firstIndex(of: ";") ?? contentType.endIndex
        return String(contentType[..<end]).trimmingBlanks.lowercased()
    }

    /// `charset=` from a Content-Type value, quotes removed.
    static func charsetParameter(_ contentType: String) -> String? {
        let lower = contentType.lowercased()
        guard let range = lower.firstRange(of: "charset=") else { return nil }
        var value = lower[range.upperBound...].prefix { $0 != ";" && $0 != " " }
        value = value.drop { $0 == "\"" || $0 == "'" }
        while value.last == "\"" || value.last == "'" { value = value.dropLast() }
        return value.isEmpty ? nil : String(value)
    }

    /// The charset a `<meta>` declares in the first 1024 bytes, if any.
    static func sniffMetaCharset(_ body: [UInt8]) -> String? {
        let head = String(decoding: body.prefix(1024), as: UTF8.self).lowercased()
        var searchFrom = head.startIndex
        while let meta = head[searchFrom...].firstRange(of: "<meta") {
            let tagEnd = head[meta.upperBound...].firstIndex(of: ">") ?? head.endIndex
            let tag = head[meta.upperBound..<tagEnd]
            if let found = charsetParameter(String(tag)) {
                return String(found.prefix { $0 != "\"" && $0 != "'" && $0 != "/" && $0 != ">" })
            }
            searchFrom = tagEnd
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
        if let cached = converters[charset] { return cached }
        let descriptor = iconv_open("UTF-8", charset.uppercased())
        guard let descriptor, Int(bitPattern: descriptor) != -1 else { return nil }
        converters[charset] = descriptor
        return descriptor
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
