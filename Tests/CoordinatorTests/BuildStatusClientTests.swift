@testable import Coordinator
import Foundation
import Sandbox
import XCTest

/// The reads behind build status (SPEC §10) against the Sandbox's Jenkins and GitHub over real
/// HTTP on 127.0.0.1: a build by number, the build a forgotten queue item became, and an issue's
/// label events.
final class BuildStatusClientTests: XCTestCase {
    private var harness: SandboxHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    private let parameters = [
        JobParameter("REPO_URL", "https://github.com/acme/demo.git"), JobParameter("BRANCH_NAME", "main"),
        JobParameter("COMMAND", "mcp-coder implement 7"), JobParameter("GITHUB_CREDENTIALS_ID", "github-pat"),
    ]

    func testABuildRunsThenEndsWithTheResultJenkinsGives() async throws {
        var scenario = SandboxHarness.scenario()
        scenario.jenkins.buildDurationMs = 3_600_000
        let sandbox = try await SandboxHarness.start(scenario)
        harness = sandbox
        let jenkins = sandbox.jenkins()

        let start = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        let queueID = try XCTUnwrap(start.queueID)
        let item = try await jenkins.queueItem(id: queueID)
        let number = try XCTUnwrap(item.buildNumber, "the Sandbox starts builds at once")

        let running = try await jenkins.build(path: SandboxHarness.jobPath, number: number)
        XCTAssertEqual(running?.building, true)
        XCTAssertNil(running?.result)

        try await sandbox.server.finishBuild(queueID: queueID, .failure)
        let read = try await jenkins.build(path: SandboxHarness.jobPath, number: number)
        let ended = try XCTUnwrap(read)
        XCTAssertFalse(ended.building)
        XCTAssertEqual(ended.result, "FAILURE")
        XCTAssertEqual(ended.result.flatMap(BuildState.init(jenkinsResult:)), .failure)
        XCTAssertNotNil(ended.durationMS)
        let started = try XCTUnwrap(ended.startedAt)
        XCTAssertLessThan(abs(started.timeIntervalSinceNow), 60, "Jenkins' milliseconds, on our clock")

        let missing = try await jenkins.build(path: SandboxHarness.jobPath, number: number + 100)
        XCTAssertNil(missing, "a 404 is no such build, not an error")
        let found = try await jenkins.buildNumber(path: SandboxHarness.jobPath, queueItem: queueID)
        XCTAssertEqual(found, number)
        let none = try await jenkins.buildNumber(path: SandboxHarness.jobPath, queueItem: queueID + 100)
        XCTAssertNil(none)
        let reads = await sandbox.requests(containing: "/executor/\(number)/api/json")
        XCTAssertEqual(reads.map(\.path), Array(repeating: "/jenkins/job/Coordinator/job/demo/job/executor/\(number)/api/json", count: 2))
    }
}
