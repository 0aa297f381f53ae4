import CCurl

/// The one place FetchEngine calls libcurl's setopt/getinfo: each call goes
/// through the typed shim (Swift cannot call the variadic originals) and a
/// failure becomes a Swift error naming the option.
struct CurlError: Error, CustomStringConvertible {
    let description: String
}

/// Initialises libcurl once per process, before any thread could race it.
let curlGlobalInit: Void = {
    curl_global_init(Int(CURL_GLOBAL_ALL))
}()

/// The content codings this libcurl decodes, listed as CURLOPT_ACCEPT_ENCODING ""
/// would offer them ("deflate, gzip, br, zstd" with every decoder built in).
let libcurlContentCodings: String = {
    // CURLVERSION_FIRST: `features` is in every version of the struct (CURLVERSION_NOW is a macro Swift cannot import).
    let features = Int32(curl_version_info(CURLVERSION_FIRST).pointee.features)
    var codings: [String] = []
    if features & CURL_VERSION_LIBZ != 0 { codings += ["deflate", "gzip"] }
    if features & CURL_VERSION_BROTLI != 0 { codings.append("br") }
    if features & CURL_VERSION_ZSTD != 0 { codings.append("zstd") }
    return codings.joined(separator: ", ")
}()

/// An easy handle: one transfer's libcurl state, reused across requests so
/// its connection-independent options are set once.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer

    init() throws {
        _ = curlGlobalInit
        guard let raw = curl_easy_init() else { throw CurlError(description: "curl_easy_init failed") }
        self.raw = raw
    }

    deinit { curl_easy_cleanup(raw) }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(CCurl_easy_setopt_long(raw, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws {
        try check(CCurl_easy_setopt_string(raw, option, value), option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(CCurl_easy_setopt_pointer(raw, option, pointer), option)
    }

    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws {
        try check(CCurl_easy_setopt_slist(raw, option, list), option)
    }

    func set(_ option: CURLoption, callback: CCurl_data_callback) throws {
        try check(CCurl_easy_setopt_data_callback(raw, option, callback), option)
    }

    func info(long item: CURLINFO) -> Int {
        var value = 0
        return CCurl_easy_getinfo_long(raw, item, &value) == CURLE_OK ? value : 0
    }

    /// A time in microseconds.
    func info(microseconds item: CURLINFO) -> Int {
        var value: curl_off_t = 0
        return CCurl_easy_getinfo_off_t(raw, item, &value) == CURLE_OK ? value : 0
    }

    func info(offset item: CURLINFO) -> Int {
        var value: curl_off_t = -1
        return CCurl_easy_getinfo_off_t(raw, item, &value) == CURLE_OK ? value : -1
    }

    func info(string item: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard CCurl_easy_getinfo_string(raw, item, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw CurlError(description: "libcurl option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// A curl_slist built from Swift strings, freed with its owner.
final class CurlStringList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    init(_ items: [String]) {
        for item in items { pointer = curl_slist_append(pointer, item) }
    }

    deinit { curl_slist_free_all(pointer) }
}

/// The multi handle: libcurl's event loop, connection pool, DNS cache and HTTP/2 multiplexing.
final class MultiHandle {
    let raw: UnsafeMutableRawPointer

    init() throws {
        _ = curlGlobalInit
        guard let raw = curl_multi_init() else { throw CurlError(description: "curl_multi_init failed") }
        self.raw = raw
    }

    deinit { curl_multi_cleanup(raw) }

    func set(_ option: CURLMoption, _ value: Int) {
        _ = CCurl_multi_setopt_long(raw, option, value)
    }

    func add(_ easy: EasyHandle) throws {
        let code = curl_multi_add_handle(raw, easy.raw)
        guard code == CURLM_OK else { throw CurlError(description: String(cString: curl_multi_strerror(code))) }
    }

    func remove(_ easy: EasyHandle) {
        curl_multi_remove_handle(raw, easy.raw)
    }

    /// Drives every transfer as far as it can go without waiting.
    func perform() {
        var running: Int32 = 0
        _ = curl_multi_perform(raw, &running)
    }

    /// Waits until a transfer's socket, one of `extra` descriptors or the timeout
    /// (milliseconds, capped by libcurl's own next timeout) wants attention.
    func poll(_ extra: inout [curl_waitfd], timeoutMilliseconds: Int32) {
        var ready: Int32 = 0
        _ = extra.withUnsafeMutableBufferPointer { fds in
            curl_multi_poll(raw, fds.baseAddress, UInt32(fds.count), timeoutMilliseconds, &ready)
        }
    }

    /// Each finished transfer's handle and result code, in the order libcurl reports them.
    func completed(_ body: (UnsafeMutableRawPointer, CURLcode) -> Void) {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(raw, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            body(easy, CCurl_message_result(message))
        }
    }
}
