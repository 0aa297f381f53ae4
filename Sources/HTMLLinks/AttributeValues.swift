import NDJSON

/// The URLs of a `srcset` value, one per image candidate, following the HTML
/// standard's "parse a srcset attribute": candidates are separated by commas,
/// a URL is a run of non-whitespace (trailing commas not part of it), and the
/// descriptors after it (`2x`, `640w`) run to the next comma outside parentheses.
func sourceSetURLs(in value: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    var urls: [Range<Int>] = []
    var i = 0
    let count = value.count
    while true {
        while i < count && (isHTMLWhitespace(value[i]) || value[i] == UInt8(ascii: ",")) { i += 1 }
        guard i < count else { return urls }
        let start = i
        while i < count && !isHTMLWhitespace(value[i]) { i += 1 }
        var end = i
        if value[end - 1] == UInt8(ascii: ",") {
            while end > start && value[end - 1] == UInt8(ascii: ",") { end -= 1 }
            if end > start { urls.append(start..<end) }
            continue
        }
        urls.append(start..<end)
        var inParentheses = false
        while i < count {
            let byte = value[i]
            i += 1
            if byte == UInt8(ascii: "(") { inParentheses = true }
            else if byte == UInt8(ascii: ")") { inParentheses = false }
            else if byte == UInt8(ascii: ","), !inParentheses { break }
        }
    }
}

/// The URL in a `<meta http-equiv=refresh>` content value such as
/// `5; url='/next'`, following the HTML standard's "shared declarative refresh
/// steps"; nil when the value names no URL (a plain reload).
func refreshURL(in value: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    let count = value.count
    var i = 0
    func skipWhitespace() { while i < count && isHTMLWhitespace(value[i]) { i += 1 } }
    skipWhitespace()
    let timeStart = i
    while i < count && (isASCIIDigit(value[i]) || value[i] == UInt8(ascii: ".")) { i += 1 }
    guard i > timeStart else { return nil }
    skipWhitespace()
    guard i < count else { return nil }
    guard value[i] == UInt8(ascii: ";") || value[i] == UInt8(ascii: ",") else { return nil }
    i += 1
    skipWhitespace()
    guard i < count else { return nil }
    // Optional `url=`; without the `=`, "url..." is itself the URL.
    let urlStart = i
    if i + 3 <= count, UnsafeBufferPointer(rebasing: value[i..<(i + 3)]).equalsIgnoringASCIICase("url") {
        i += 3
        skipWhitespace()
        if i < count && value[i] == UInt8(ascii: "=") {
            i += 1
            skipWhitespace()
        } else {
            i = urlStart
        }
    }
    guard i < count else { return nil }
    var end = count
    let quote = value[i]
    if quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") {
        i += 1
        var k = i
        while k < count && value[k] != quote { k += 1 }
        end = k
    }
    return i < end ? i..<end : nil
}

/// Cleans an attribute value into a URL reference the way browsers' URL
/// parser does (WHATWG URL: strip leading and trailing C0 controls and
/// spaces, remove every tab and newline), and cuts off the fragment, which
/// alinks never reports. Writes into `out`; returns false if nothing is left.
func cleanReference(_ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
    out.removeAll(keepingCapacity: true)
    var start = 0
    var end = value.count
    while start < end && value[start] <= 0x20 { start += 1 }
    while end > start && value[end - 1] <= 0x20 { end -= 1 }
    var runStart = start
    var i = start
    while i < end {
        let byte = value[i]
        if byte == UInt8(ascii: "#") { break }
        if byte == 0x09 || byte == 0x0A || byte == 0x0D {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: value[runStart..<i]))
            runStart = i + 1
        }
        i += 1
    }
    out.append(contentsOf: UnsafeBufferPointer(rebasing: value[runStart..<i]))
    return !out.isEmpty
}

/// The schemes whose links lead nowhere a crawler can go.
func hasDroppedScheme(_ reference: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let scheme = schemeRange(of: reference) else { return false }
    let name = UnsafeBufferPointer(rebasing: reference[scheme])
    return name.equalsIgnoringASCIICase("javascript") || name.equalsIgnoringASCIICase("mailto")
        || name.equalsIgnoringASCIICase("tel") || name.equalsIgnoringASCIICase("data")
}

/// The scheme of a reference, as RFC 3986 appendix B splits it: the bytes
/// before the first `:`, if that comes before any `/`, `?` or `#` and they
/// form a valid scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
func schemeRange(of reference: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    for i in 0..<reference.count {
        let byte = reference[i]
        if byte == UInt8(ascii: ":") { return i > 0 ? 0..<i : nil }
        if i == 0 ? !isASCIILetter(byte) : !isSchemeByte(byte) { return nil }
    }
    return nil
}
