import FuzzTargets

/// libFuzzer's entry point for the `url-resolve` target (Fuzz/Targets). Built only
/// by scripts/fuzz, with `-sanitize=fuzzer,address`: libFuzzer supplies main.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.urlResolve.testOneInput(data, size)
}
