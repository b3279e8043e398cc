import ArgumentParser
import XCTest
@testable import CoordinatorTUI

/// Numbers on the command line that mean nothing are usage errors, not a silent wrap or a crash.
final class CommandNumberOptionTests: XCTestCase {
    func testSandboxPortOutsideTCPRangeIsAUsageError() {
        for port in ["65536", "70000", "-1", "9223372036854775807"] {
            XCTAssertThrowsError(try SandboxCommand.parse(["--port=\(port)"]), port) { error in
                XCTAssertTrue(SandboxCommand.message(for: error).contains("--port must be from 0"), SandboxCommand.message(for: error))
            }
        }
        XCTAssertEqual(try SandboxCommand.parse(["--port", "65535"]).port, 65_535)
        XCTAssertEqual(try SandboxCommand.parse([]).port, 0)
    }

    func testDemoPortOutsideTCPRangeIsAUsageError() {
        XCTAssertThrowsError(try DemoCommand.parse(["--port", "65536"])) { error in
            XCTAssertTrue(DemoCommand.message(for: error).contains("--port must be from 0"), DemoCommand.message(for: error))
        }
        XCTAssertEqual(try DemoCommand.parse(["--port", "8080"]).port, 8080)
    }

    func testEnvironmentCheckWaitOutsideAnHourIsAUsageError() {
        for wait in ["3601", "-1", "9223372036854775807"] {
            XCTAssertThrowsError(try TestCommand.parse(["demo", "--branch-name", "main", "--wait=\(wait)"]), wait) { error in
                XCTAssertTrue(TestCommand.message(for: error).contains("--wait must be from 0"), TestCommand.message(for: error))
            }
        }
        XCTAssertEqual(try TestCommand.parse(["demo", "--branch-name", "main", "--wait", "3600"]).wait, 3600)
    }
}
