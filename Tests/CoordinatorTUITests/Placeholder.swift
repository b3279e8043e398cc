import XCTest
final class CoordinatorTUITestsPlaceholder: XCTestCase { func testNothing() {} }
