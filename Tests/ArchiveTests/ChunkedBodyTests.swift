import Testing
@testable import Archive

@Test(arguments: [
    ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"),
    ("5;ext=1\r\nhello\r\n0\r\n\r\n", "hello"),           // chunk extensions ignored
    ("A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),       // hexadecimal sizes, either case
    ("5\nhello\n0\n\n", "hello"),                         // bare LF line ends
    ("5\r\nhel", "hel"),                                  // cut off: what arrived is kept
    ("zz\r\nhello\r\n0\r\n\r\n", ""),                     // not a chunk size: nothing after it
    ("", ""),
])
func decodesChunkedBodies(wire: String, body: String) {
    #expect(ChunkedBody.decode(Array(wire.utf8)) == Array(body.utf8))
}

@Test func dechunksOnlyWhenTheHeadSaysChunked() {
    let wire = Array("5\r\nhello\r\n0\r\n\r\n".utf8)
    let chunked = ArchivedExchange(targetURI: "http://a/", request: [], head: Array("HTTP/1.1 302 Found\r\nTransfer-Encoding: chunked\r\n\r\n".utf8), wireBody: wire)
    let plain = ArchivedExchange(targetURI: "http://a/", request: [], head: Array("HTTP/1.1 302 Found\r\nContent-Length: 16\r\n\r\n".utf8), wireBody: wire)
    #expect(chunked.body == Array("hello".utf8))
    #expect(plain.body == wire)
}
