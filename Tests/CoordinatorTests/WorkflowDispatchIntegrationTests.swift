import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// A configured set of workflows drives a real run against the Sandbox on 127.0.0.1 (SPEC §11).
final class WorkflowDispatchIntegrationTests: XCTestCase {
    var fixture: CoordinatorFixture!

    override func tearDown() async throws {
        await fixture?.stop()
        fixture = nil
    }

    /// Loads the five-workflow config, written as a user would, pointed at the fixture's Sandbox.
    func useFiveWorkflows() throws {
        let labelsFile = try FiveWorkflows.writeLabelsFile(in: fixture.directory)
        var file = ConfigFile(
            githubToken: CoordinatorFixture.token, apiURL: fixture.server.githubAPIURL, jenkinsURL: fixture.server.jenkinsURL,
            jenkinsUser: "bot", jenkinsToken: CoordinatorFixture.jenkinsToken, cacheDir: fixture.cacheDirectory,
            labelsFile: labelsFile, repos: [.init(name: "demo", owner: "acme", repo: "demo", jobPath: "Coordinator/demo/executor")])
        file.extra = FiveWorkflows.toml
        let path = fixture.directory.appendingPathComponent("config.toml").path
        try Data(file.toml.utf8).write(to: URL(fileURLWithPath: path))
        fixture.config = try ConfigLoader.load(path: path, environment: [:])
    }

    func testAConfiguredReviewWorkflowIsDispatchedAndCached() async throws {
        fixture = try await .start(issues: [
            .open(1, ["status-02:awaiting-planning"]),
            .open(2, ["status-14:plan-review-bot"], branches: ["2-plan"]),
            .open(3, ["status-17:code-review-bot", "bug"], branches: ["3-review"]),
            .open(4, ["status-05:plan-ready"], branches: ["4-impl"]),
            .open(5, ["status-08:ready-pr"], branches: ["5-pr"]),
            .open(6, ["status-17i:code-reviewing"], branches: ["6-busy"]),
        ])
        try useFiveWorkflows()

        let report = await fixture.run()

        XCTAssertFalse(report.failed, "\(report)")
        XCTAssertEqual(report.repos.first?.outcomes.map(\.issueNumber), [5, 3, 4, 2, 1], "priority order 08, 17, 05, 14, 02")
        let review = await fixture.builds(issue: 3)
        XCTAssertEqual(review.count, 1)
        XCTAssertEqual(review.first?.parameters["BRANCH_NAME"], "3-review")
        let command = try XCTUnwrap(review.first?.parameters["COMMAND"])
        XCTAssertTrue(command.contains("mcp-coder --log-level INFO review-implementation 3 --project-dir"), command)
        let planReview = await fixture.builds(issue: 2)
        XCTAssertEqual(planReview.first?.parameters["COMMAND"]?.contains(" review-plan 2 "), true)
        let busyBuilds = await fixture.builds(issue: 6)
        XCTAssertEqual(busyBuilds.count, 0, "an issue holding a configured busy label is not dispatched")

        let live = await fixture.liveLabels(3)
        XCTAssertEqual(Set(live), ["status-17i:code-reviewing", "bug"])
        let cache = try fixture.cache()
        XCTAssertEqual(cache.issues[3]?.labels, live)
        for number in 1...6 {
            let labels = await fixture.liveLabels(number)
            XCTAssertEqual(cache.issues[number]?.labels, labels, "#\(number)")
        }
        XCTAssertEqual(cache.issues[2]?.labels, ["status-14i:plan-reviewing"])

        // Inside or outside the reuse window, the review is not started again.
        try fixture.ageLastChecked()
        let second = await fixture.run()
        XCTAssertEqual(second.repos.first?.outcomes.count, 0, "\(second)")
        let reviewsAfter = await fixture.builds(issue: 3)
        XCTAssertEqual(reviewsAfter.count, 1)
    }
}
