import Foundation
import XCTest
@testable import Coordinator

final class TimestampTests: XCTestCase {
    func testFormatIsUTCWithZ() {
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 1_795_514_352.9)), "2026-11-24T09:59:12Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29T00:00:00Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59Z")
    }

    func testFastPathAgreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var seconds: TimeInterval = -86400 * 400
        while seconds < 86400 * 365 * 80 {
            let date = Date(timeIntervalSince1970: seconds)
            let text = formatter.string(from: date)
            XCTAssertEqual(Timestamp.format(date), text)
            XCTAssertEqual(Timestamp.parse(text), date, text)
            seconds += 86400 * 13.37 + 3599
        }
    }

    func testOffsetsAndFractionsParse() {
        XCTAssertEqual(Timestamp.parse("2026-11-24T19:00:00+09:00"), Timestamp.parse("2026-11-24T10:00:00Z"))
        XCTAssertEqual(Timestamp.parse("2026-11-24T10:00:00.500Z")?.timeIntervalSince(Timestamp.parse("2026-11-24T10:00:00Z")!), 0.5)
        XCTAssertNil(Timestamp.parse("2026-13-24T10:00:00Z"))
        XCTAssertNil(Timestamp.parse("yesterday"))
    }

    func testHTTPDate() {
        XCTAssertEqual(Timestamp.parseHTTPDate("Tue, 24 Nov 2026 10:00:00 GMT"), Timestamp.parse("2026-11-24T10:00:00Z"))
    }
}
