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
    static var shared: CurlURLAPI {
        switch loaded {
        case .success(let api): return api
        case .failure(let failure): fail(failure.message)
        }
    }

    /// The outcome of loading: a failure is kept, not acted on here, so that every thread
    /// that needs libcurl meets it outside the one-time initialisation, where none waits
    /// for another that ended it.
    private static let loaded: Result<CurlURLAPI, LoadFailure> = {
        guard let library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(LoadFailure(message: "cannot load libcurl.so.4: \(dlerror().map { String(cString: $0) } ?? "unknown error")"))
        }
        var missing: String?
        func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
            guard let address = dlsym(library, name) else {
                missing = missing ?? name
                return nil
            }
            return unsafeBitCast(address, to: type)
        }
        guard let create = symbol("curl_url", as: (@convention(c) () -> OpaquePointer?).self),
              let cleanup = symbol("curl_url_cleanup", as: (@convention(c) (OpaquePointer?) -> Void).self),
              let set = symbol("curl_url_set", as: (@convention(c) (OpaquePointer?, CURLUPart, UnsafePointer<CChar>?, UInt32) -> CURLUcode).self),
              let get = symbol("curl_url_get", as: (@convention(c) (OpaquePointer?, CURLUPart, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UInt32) -> CURLUcode).self),
              let free = symbol("curl_free", as: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self),
              let describe = symbol("curl_url_strerror", as: (@convention(c) (CURLUcode) -> UnsafePointer<CChar>?).self)
        else {
            return .failure(LoadFailure(message: "libcurl.so.4 has no \(missing ?? "URL API")"))
        }
        return .success(CurlURLAPI(create: create, cleanup: cleanup, set: set, get: get, free: free, describe: describe))
    }()

    private struct LoadFailure: Error {
        let message: String
    }

    /// Says why and ends the process, handing on the records already written first (from a
    /// worker thread, the main thread writes them: see exitProcess).
    private static func fail(_ message: String) -> Never {
        let tool = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? "acrawl"
        writeToStandardError("\(tool): \(message)\n")
        exitProcess(70)   // EX_SOFTWARE: the installation, not the input, is at fault
    }
}
