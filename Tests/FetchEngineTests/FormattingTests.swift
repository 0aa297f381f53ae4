import Foundation
import Testing
@testable import FetchEngine
import NDJSON

struct FormattingTests {
    @Test func formatsTimestamps() {
        var formatter = TimestampFormatter()
        func formatted(_ seconds: Int, _ milliseconds: Int) -> String {
            var json = JSONBuffer()
            formatter.write(seconds: seconds, milliseconds: milliseconds, into: &json)
            return String(decoding: json.bytes, as: UTF8.self)
        }
        #expect(formatted(0, 7) == #""1970-01-01T00:00:00.007Z""#)
        #expect(formatted(1_795_000_000, 123) == #""2026-11-18T11:06:40.123Z""#)
        // The same second again: only the milliseconds are rewritten.
        #expect(formatted(1_795_000_000, 40) == #""2026-11-18T11:06:40.040Z""#)
        #expect(formatted(1_795_000_001, 999) == #""2026-11-18T11:06:41.999Z""#)
    }

    @Test func recordsCarryInputFieldsThenTheirOwn() throws {
        var settings = FetchSettings()
        settings.bodyMode = .none
        let formatter = RecordFormatter(settings: settings)
        let input = Array(#"{"id":3,"url":"old","ok":"x","body":"kept"}"#.utf8)
        formatter.format(url: "http://a/", inputObject: input,
                         outcome: Outcome(error: FetchError(.cancelled, "stop")), attempts: 0, elapsed: 0)
        let bytes = formatter.withFormatted { Array($0) }
        let record = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(record["id"] as? Int == 3)
        #expect(record["url"] as? String == "http://a/")
        #expect(record["ok"] as? Bool == false)
        #expect(record["body"] as? String == "kept")   // --body none does not own "body"
        #expect((record["error"] as? [String: Any])?["kind"] as? String == "cancelled")
        #expect(bytes.last == 0x0A)
        #expect(bytes.dropLast().contains(0x0A) == false)
    }

    @Test func badInputKeepsTheRawLine() throws {
        let formatter = RecordFormatter(settings: FetchSettings())
        let failure = InputFailure(sequence: 0, error: FetchError(.badInput, "x"), requestedURL: nil, inputObject: nil,
                                   rawLine: [0x7B, 0xFF, 0x22])
        formatter.formatBadInput(failure)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(formatter.withFormatted { Array($0) })) as? [String: Any])
        #expect(record["input"] as? String == "{\u{FFFD}\"")
        #expect(record["ok"] as? Bool == false)
    }

    @Test(arguments: [("10M", 10 << 20), ("512K", 512 << 10), ("1g", 1 << 30), ("100", 100)])
    func parsesSizes(text: String, bytes: Int) throws {
        #expect(try parseSize(text) == bytes)
    }

    @Test(arguments: ["", "M", "-1", "1.5M", "10X"])
    func rejectsBadSizes(text: String) {
        #expect(throws: FlagError.self) { try parseSize(text) }
    }

    @Test func parsesStatusLists() throws {
        #expect(try parseStatuses("429,503") == [429, 503])
        #expect(throws: FlagError.self) { try parseStatuses("429,abc") }
        #expect(throws: FlagError.self) { try parseStatuses("99") }
    }

    @Test(arguments: ["X-A: 1", "Cookie: a=b; c=d", "X-Empty:"])
    func acceptsHeaders(header: String) throws {
        try validateHeader(header)
    }

    @Test(arguments: ["X-A: 1\r\nX-B: 2", "X-A: \n", "NoColon", ": v", "Bad Name: v"])
    func rejectsHeaders(header: String) {
        #expect(throws: FlagError.self) { try validateHeader(header) }
    }

    @Test(arguments: ErrorKind.allCases)
    func errorKindsAreSnakeCase(kind: ErrorKind) {
        #expect(kind.rawValue.allSatisfy { $0.isLowercase || $0 == "_" })
    }
}
