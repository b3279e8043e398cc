import XCTest
final class CoordinatorTestsPlaceholder: XCTestCase { func testNothing() {} }
