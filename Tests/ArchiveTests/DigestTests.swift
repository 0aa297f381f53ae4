import Testing
@testable import Archive

/// RFC 4648 section 10 test vectors.
@Test(arguments: [
    ("", ""), ("f", "MY======"), ("fo", "MZXQ===="), ("foo", "MZXW6==="), ("foob", "MZXW6YQ="),
    ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI======"),
])
func base32Vectors(input: String, expected: String) {
    #expect(DigestEncoding.base32(Array(input.utf8)) == expected)
}

@Test func hexIsLowerCase() {
    #expect(DigestEncoding.hex([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
}

/// FIPS 180 examples ("abc" and the empty string).
@Test func knownDigests() {
    #expect(DigestEncoding.hex(SHA256.digest(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(DigestEncoding.hex(SHA256.digest([]))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(DigestEncoding.hex(SHA1.digest(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    // The WARC form of SHA-1 of the empty payload, as warcio and wget write it.
    #expect(DigestEncoding.base32(SHA1.digest([])) == "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ")
}

@Test func streamingEqualsOneShot() {
    let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let hasher = SHA256.hasher()
    var start = 0
    for size in [0, 1, 63, 64, 65, 4096, 50_000] {
        hasher.update(Array(data[start..<start + size]))
        start += size
    }
    hasher.update(Array(data[start...]))
    #expect(hasher.finish() == SHA256.digest(data))
}
