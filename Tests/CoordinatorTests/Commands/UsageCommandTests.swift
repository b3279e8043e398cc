import Foundation
import XCTest
@testable import Coordinator

/// The headless commands end to end: usage.
final class UsageCommandTests: CommandTestCase {
    func testHelpVersionAndUsageErrors() async throws {
        let h = try await start()

        let help = try await h.run(["--help"])
        assertExit(help, 0)
        assertContains(help.stdout, ["run", "status", "diff", "sync", "test", "sandbox", "version", "USAGE"], help)

        let version = try await h.run(["--version"])
        assertExit(version, 0)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), CoordinatorVersion.current)
        let versionCommand = try await h.run(["version"])
        assertExit(versionCommand, 0)
        XCTAssertEqual(versionCommand.stdout, version.stdout)

        let runHelp = try await h.run(["run", "--help"])
        assertExit(runHelp, 0)
        assertContains(runHelp.stdout, ["--all", "--repo", "--dry-run", "--keep-going", "--force-refresh", "--log-level", "--config"], runHelp)

        let unknown = try await h.run(["--no-such-option"])
        assertExit(unknown, 2)
        XCTAssertTrue(unknown.stderr.contains("--no-such-option"), "\(unknown)")

        let unknownCommand = try await h.run(["frobnicate"])
        assertExit(unknownCommand, 2)

        let config = try writeStandardConfig(h)
        let neither = try await h.run(["run", "--config", config])
        assertExit(neither, 2)
        XCTAssertTrue(neither.stderr.contains("--all"), "\(neither)")
        let both = try await h.run(["run", "--all", "--repo", "alpha", "--config", config])
        assertExit(both, 2)
        let badLevel = try await h.run(["run", "--all", "--log-level", "None", "--config", config])
        assertExit(badLevel, 2)
        XCTAssertTrue(badLevel.stderr.contains("--log-level"), "\(badLevel)")
        let testWithoutBranch = try await h.run(["test", "alpha", "--config", config])
        assertExit(testWithoutBranch, 2)

        // None of these reached GitHub or Jenkins.
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0, "\(requests)")
    }
}
