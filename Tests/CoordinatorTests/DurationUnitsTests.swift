import XCTest
@testable import Coordinator

final class DurationUnitsTests: XCTestCase {
    func testSecondsKeepFractionsAndMillisecondsRoundTowardZero() {
        XCTAssertEqual(Duration.milliseconds(1_500).inSeconds, 1.5)
        XCTAssertEqual(Duration.microseconds(2_999).inMilliseconds, 2)
        XCTAssertEqual(Duration.seconds(50).inMilliseconds, 50_000)
        XCTAssertEqual(Duration.milliseconds(-300).inMilliseconds, -300)
        XCTAssertEqual(Duration.zero.inMilliseconds, 0)
    }

    func testMillisecondsOfAnEnormousDurationAreClampedNotATrap() {
        XCTAssertEqual(Duration.seconds(Int64.max).inMilliseconds, .max)
        XCTAssertEqual(Duration.seconds(Int64.min).inMilliseconds, .min)
        XCTAssertEqual(Duration.seconds(Int64.max / 1000).inMilliseconds, Int64.max / 1000 * 1000)
    }
}
