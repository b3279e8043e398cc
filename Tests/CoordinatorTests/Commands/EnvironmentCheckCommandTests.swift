import Foundation
import XCTest
@testable import Coordinator

/// The headless commands end to end: `test REPO`.
final class EnvironmentCheckCommandTests: CommandTestCase {
    func testEnvironmentCheckStartsOneBuildWithTheBranchAndNoLabelChange() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        let result = try await h.run(["test", "beta.tools", "--branch-name", "feature/x-1", "--config", config])
        assertExit(result, 0)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 1)
        let build = try XCTUnwrap(builds.first)
        XCTAssertEqual(build.jobPath, Self.beta.jobPath)
        XCTAssertEqual(build.parameters, [
            "REPO_URL": Self.beta.repoURL,
            "BRANCH_NAME": "feature/x-1",
            "COMMAND": ExecutorCommand().renderEnvironmentCheck(os: .linux, branch: "feature/x-1", logLevel: "INFO"),
            "GITHUB_CREDENTIALS_ID": Self.beta.credentialsID,
        ])
        assertContains(result.stdout, ["environment check started on feature/x-1", "queue item \(build.queueID)", "build: "], result)
        let github = await h.server.requests().filter { !$0.path.hasPrefix("/jenkins") }
        XCTAssertEqual(github.map { "\($0.method) \($0.path)" }, [])
        XCTAssertEqual(h.cacheDirectoryFiles().count, 0)

        // --log-level reaches the executor's command.
        let debug = try await h.run(["test", "alpha", "--branch-name", "main", "--log-level", "debug", "--wait", "0", "--config", config])
        assertExit(debug, 0)
        let second = await h.server.builds().last
        XCTAssertTrue(second?.parameters["COMMAND"]?.contains("mcp-coder --log-level DEBUG verify") == true, "\(String(describing: second))")

        // An accepted alias reaches the executor under its documented name, never as typed.
        let warn = try await h.run(["test", "alpha", "--branch-name", "main", "--log-level", "warn", "--wait", "0", "--config", config])
        assertExit(warn, 0)
        let third = await h.server.builds().last
        XCTAssertTrue(third?.parameters["COMMAND"]?.hasSuffix("mcp-coder --log-level WARNING verify") == true, "\(String(describing: third))")
        let plan = try await h.run(["run", "--repo", "alpha", "--dry-run", "--log-level", "Warn", "--config", config])
        assertExit(plan, 0)
        XCTAssertTrue(plan.stdout.contains("mcp-coder --log-level WARNING create-plan 1 "), "\(plan)")
        XCTAssertFalse(plan.stdout.contains("--log-level Warn") || plan.stdout.contains("--log-level WARN "), "\(plan)")
    }
}
