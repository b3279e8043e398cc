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

    func testLabelEventsFollowEveryPageOldestFirst() async throws {
        // 150 label events over two and a half hours, then the busy label: two pages of 100.
        var events: [Scenario.Issue.Event] = []
        for minute in 0..<150 {
            let time = String(format: "2026-11-20T%02d:%02d:00Z", 9 + minute / 60, minute % 60)
            events.append(.init(event: minute.isMultiple(of: 2) ? "labeled" : "unlabeled", label: "bug", createdAt: time, actor: "alice"))
        }
        events.append(.init(event: "labeled", label: "status-06:implementing", createdAt: "2026-11-20T11:40:00Z", actor: "bot"))
        var issue = SandboxHarness.issue(1, labels: ["status-06:implementing"], updatedAt: "2026-11-20T12:00:00Z")
        issue.events = events
        let sandbox = try await SandboxHarness.start(SandboxHarness.scenario(issues: [issue]))
        harness = sandbox

        let read = try await sandbox.github().labelEvents(issue: 1)
        XCTAssertEqual(read.count, 151)
        XCTAssertEqual(read.first, IssueLabelEvent(action: .labeled, label: "bug", at: Timestamp.parse("2026-11-20T09:00:00Z")!, actor: "alice"))
        XCTAssertEqual(read.last, IssueLabelEvent(action: .labeled, label: "status-06:implementing", at: Timestamp.parse("2026-11-20T11:40:00Z")!, actor: "bot"))
        let pages = await sandbox.requests(containing: "/issues/1/events")
        XCTAssertEqual(pages.count, 2, "per_page=100, then the Link header's next page")

        await assertThrows(GitHubError.self, { try await sandbox.github().labelEvents(issue: 99) }) { error in
            XCTAssertTrue("\(error)".contains("404"), "\(error)")
        }
    }
}
