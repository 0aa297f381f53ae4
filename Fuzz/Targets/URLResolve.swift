import URLs

/// A base URL and a reference, split at the input's first newline (an input
/// without one is its own reference), through WebURL the way alinks and
/// afilter use it. Properties checked:
/// - parsing and resolving never crash, whatever the bytes;
/// - a resolved URL re-parses, to the same string (libcurl's output is a fixed point);
/// - `normalized`, `withoutFragment`, `authority` and `effectivePort` agree between the two.
func fuzzURLResolve(_ data: UnsafeBufferPointer<UInt8>) throws {
    let newline = data.firstIndex(of: 0x0A) ?? data.count
    let baseText = String(decoding: UnsafeBufferPointer(rebasing: data[..<newline]), as: UTF8.self)
    let referenceText = newline < data.count
        ? String(decoding: UnsafeBufferPointer(rebasing: data[(newline + 1)...]), as: UTF8.self) : baseText
    _ = URLOrigin(baseText)
    _ = requestTarget(referenceText)
    guard let base = try? WebURL(baseText) else { return }
    try checkReparses(base)
    guard let resolved = try? base.resolving(referenceText) else { return }
    try checkReparses(resolved)
}

/// `url.string` parses again to the same URL, and the derived forms agree.
private func checkReparses(_ url: WebURL) throws {
    let again: WebURL
    do {
        again = try WebURL(url.string)
    } catch {
        throw PropertyViolation(description: "\(show(url.string.utf8)) does not re-parse: \(error)")
    }
    try check(again.string.utf8.elementsEqual(url.string.utf8),
              "re-parsing \(show(url.string.utf8)) gives \(show(again.string.utf8))")
    try check(again.normalized.utf8.elementsEqual(url.normalized.utf8), "normalized differs after re-parsing \(show(url.string.utf8))")
    try check(again.withoutFragment.utf8.elementsEqual(url.withoutFragment.utf8), "withoutFragment differs for \(show(url.string.utf8))")
    try check(again.authority == url.authority && again.effectivePort == url.effectivePort,
              "authority differs after re-parsing \(show(url.string.utf8))")
    _ = URLOrigin(url.string)
    _ = requestTarget(url.string)
}
