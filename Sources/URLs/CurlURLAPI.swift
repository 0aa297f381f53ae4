#if canImport(Glibc)
import Glibc
#endif
import CCurlHeaders
import NDJSON

/// libcurl's URL API (curl_url and friends), loaded with dlopen the first time a URL needs
/// it. afilter and alinks read most URLs with their own byte-level parsers; linking libcurl
/// would map it and the thirty libraries it depends on at every launch, which cost each
/// launch about 2 ms and 36 -> 6 shared objects. afetch, which links libcurl, gets the copy
/// already loaded.
struct CurlURLAPI: @unchecked Sendable {
    let create: @convention(c) () -> OpaquePointer?
    let cleanup: @convention(c) (OpaquePointer?) -> Void
    let set: @convention(c) (OpaquePointer?, CURLUPart, UnsafePointer<CChar>?, UInt32) -> CURLUcode
    let get: @convention(c) (OpaquePointer?, CURLUPart, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UInt32) -> CURLUcode
    let free: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let describe: @convention(c) (CURLUcode) -> UnsafePointer<CChar>?

    /// The API, loaded once (the first caller waits; threads share it). A libcurl that
    /// cannot be loaded ends the process with a message: no URL could be read without it.
    static let shared: CurlURLAPI = {
        guard let library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL) else {
            fail("cannot load libcurl.so.4: \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        func symbol<Function>(_ name: String, as type: Function.Type) -> Function {
            guard let address = dlsym(library, name) else { fail("libcurl.so.4 has no \(name)") }
            return unsafeBitCast(address, to: type)
        }
        return CurlURLAPI(
            create: symbol("curl_url", as: (@convention(c) () -> OpaquePointer?).self),
            cleanup: symbol("curl_url_cleanup", as: (@convention(c) (OpaquePointer?) -> Void).self),
            set: symbol("curl_url_set", as: (@convention(c) (OpaquePointer?, CURLUPart, UnsafePointer<CChar>?, UInt32) -> CURLUcode).self),
            get: symbol("curl_url_get", as: (@convention(c) (OpaquePointer?, CURLUPart, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UInt32) -> CURLUcode).self),
            free: symbol("curl_free", as: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
            describe: symbol("curl_url_strerror", as: (@convention(c) (CURLUcode) -> UnsafePointer<CChar>?).self))
    }()

    /// Says why and ends the process, handing on the records already written first.
    private static func fail(_ message: String) -> Never {
        let tool = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? "acrawl"
        writeToStandardError("\(tool): \(message)\n")
        exitProcess(70)   // EX_SOFTWARE: the installation, not the input, is at fault
    }
}
