#if canImport(Glibc)
import Glibc
#endif

/// The text every `/fault/charset/NAME` page carries, whatever its encoding.
public let charsetSampleText = "café naïve 日本"

extension FixtureServer {
    /// An HTML page with `charsetSampleText` encoded in `name`, declared in
    /// the Content-Type header and/or a `<meta charset>` as asked.
    func charsetPage(_ name: String, header: Bool, meta: Bool) -> Reply {
        let (declared, encoding): (String?, String)
        switch name.lowercased() {
        case "wrong": (declared, encoding) = ("utf-8", "iso-8859-1")
        case "none": (declared, encoding) = (nil, "utf-8")
        default: (declared, encoding) = (name, name)
        }
        var html = "<!DOCTYPE html>\n<html><head>"
        if meta, let declared { html += "<meta charset=\"\(declared)\">" }
        html += "<title>\(name) page</title></head>\n<body><p>\(charsetSampleText)</p></body></html>\n"
        guard let body = encode(html, as: encoding) else {
            return .response(Response(status: 400, text: "iconv knows no charset \(name)\n"))
        }
        let contentType = header && declared != nil ? "text/html; charset=\(declared!)" : "text/html"
        return .response(Response(status: 200, contentType: contentType, body: body))
    }
}

/// `text` converted by iconv(3) to `charset`; characters the charset lacks
/// become numeric character references, as browsers do when submitting forms.
/// Nil when iconv does not know the charset.
func encode(_ text: String, as charset: String) -> [UInt8]? {
    let converter = iconv_open(charset, "UTF-8")
    guard let converter, converter != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(converter) }
    // The WHATWG EUC-JP encoder never writes JIS X 0212 (0x8F ...), which many decoders lack.
    let skipsJISX0212 = ["euc-jp", "euc_jp", "eucjp"].contains(charset.lowercased())
    var output: [UInt8] = []
    var buffer = [CChar](repeating: 0, count: 64)
    // One scalar at a time, so an unconvertible one can be replaced alone.
    for scalar in text.unicodeScalars {
        var input = Array(String(scalar).utf8).map { CChar(bitPattern: $0) }
        let converted: [UInt8]? = input.withUnsafeMutableBufferPointer { inputBuffer in
            buffer.withUnsafeMutableBufferPointer { outputBuffer in
                var inPointer = inputBuffer.baseAddress
                var inLeft = inputBuffer.count
                var outPointer = outputBuffer.baseAddress
                var outLeft = outputBuffer.count
                guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1 else { return nil }
                return outputBuffer[..<(outputBuffer.count - outLeft)].map { UInt8(bitPattern: $0) }
            }
        }
        if let converted, !(skipsJISX0212 && converted.first == 0x8F) {
            output += converted
        } else {
            guard let reference = encode("&#\(scalar.value);", as: charset) else { return nil }
            output += reference
        }
    }
    // Return a stateful encoding (ISO-2022-JP) to its initial shift state.
    buffer.withUnsafeMutableBufferPointer { outputBuffer in
        var outPointer = outputBuffer.baseAddress
        var outLeft = outputBuffer.count
        _ = iconv(converter, nil, nil, &outPointer, &outLeft)
        output += outputBuffer[..<(outputBuffer.count - outLeft)].map { UInt8(bitPattern: $0) }
    }
    return output
}
