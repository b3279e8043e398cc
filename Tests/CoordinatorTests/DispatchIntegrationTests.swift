import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// Dispatch-then-update-cache against the Sandbox over real HTTP on 127.0.0.1.
final class DispatchIntegrationTests: XCTestCase {
    var fixture: CoordinatorFixture!

    override func tearDown() async throws {
        await fixture?.stop()
        fixture = nil
    }

    func testRunUpdatesCacheAfterDispatch() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning", "enhancement"])])
        let report = await fixture.run()
        XCTAssertFalse(report.failed, "\(report)")
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1)
        XCTAssertEqual(builds.first?.jobPath, "Coordinator/demo/executor")
        XCTAssertEqual(builds.first?.parameters["BRANCH_NAME"], "main")
        XCTAssertEqual(builds.first?.parameters["REPO_URL"], "https://github.com/acme/demo.git")
        XCTAssertEqual(builds.first?.parameters["GITHUB_CREDENTIALS_ID"], "github-pat")
        XCTAssertEqual(builds.first?.parameters["COMMAND"]?.contains("mcp-coder --log-level INFO create-plan 1 "), true)
        let live = await fixture.liveLabels(1)
        XCTAssertEqual(Set(live), ["status-03:planning", "enhancement"])
        XCTAssertEqual(try fixture.cache().issues[1]?.labels, live)
    }

    func testCacheUpdateFailureDoesNotBreakDispatch() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])])
        // Hold the label write long enough to make the cache file unusable in between.
        await fixture.server.injectFault(.delay(milliseconds: 1500, method: "POST", path: "/issues/1/labels"))
        let fixture = self.fixture!
        let run = Task { await fixture.run() }
        try await waitUntil("Jenkins has the job") { await fixture.builds().count == 1 }
        let path = fixture.store.fileURL.path
        try FileManager.default.moveItem(atPath: path, toPath: path + ".saved")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let report = await run.value

        XCTAssertFalse(report.failed, "\(report)")
        guard case let .dispatched(receipt)? = report.repos.first?.outcomes.first else {
            return XCTFail("expected a dispatch: \(report)")
        }
        XCTAssertFalse(receipt.cacheUpdated)
        XCTAssertNotNil(receipt.cacheWarning)
        let live = await fixture.liveLabels(1)
        XCTAssertEqual(live, ["status-03:planning"])
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1)
    }

    func testMultipleDispatchesKeepCacheSynchronized() async throws {
        fixture = try await .start(issues: [
            .open(1, ["status-02:awaiting-planning"]),
            .open(2, ["status-05:plan-ready", "bug"], branches: ["2-fix"]),
            .open(3, ["status-08:ready-pr"], branches: ["3-feature"]),
            .open(4, ["status-04:plan-review"]),
            .open(5, ["status-02:awaiting-planning", "wait"]),
            .open(6, ["status-02:awaiting-planning", "🚀 launch"]),
        ])
        let report = await fixture.run()
        XCTAssertFalse(report.failed, "\(report)")
        XCTAssertEqual(report.repos[0].outcomes.map(\.issueNumber), [3, 2, 1, 6])
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 4)
        let cache = try fixture.cache()
        for number in 1...6 {
            let live = await fixture.liveLabels(number)
            XCTAssertEqual(cache.issues[number]?.labels, live, "#\(number)")
        }
        XCTAssertEqual(cache.issues[3]?.labels, ["status-09:pr-creating"])
        XCTAssertEqual(Set(cache.issues[2]?.labels ?? []), ["status-06:implementing", "bug"])
    }

    func testTwoRunsInsideTheReuseWindowStartOneBuild() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])], duplicateWindowSeconds: 60)
        _ = await fixture.run()
        let second = await fixture.run()
        XCTAssertEqual(second.repos.first?.refresh, .reused)
        XCTAssertEqual(second.repos.first?.outcomes.count, 0)
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1)
    }

    func testRunOutsideTheReuseWindowDoesNotDispatchAgain() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])], duplicateWindowSeconds: 0)
        _ = await fixture.run()
        let second = await fixture.run()
        XCTAssertNotEqual(second.repos.first?.refresh, .reused)
        XCTAssertEqual(second.repos.first?.outcomes.count, 0)
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1)
    }

    func testJenkinsDownChangesNoLabelAndNoCachedLabel() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"]), .open(2, ["status-02:awaiting-planning"])])
        try await fixture.service { _ = try await $0.sync() }
        let before = try fixture.cache()
        fixture.config.jenkins.serverURL = "http://127.0.0.1:\(try closedLoopbackPort())"
        let report = await fixture.run(RunOptions(keepGoing: true))
        XCTAssertTrue(report.failed)
        guard case let .failed(failure)? = report.repos.first?.outcomes.first else { return XCTFail("\(report)") }
        XCTAssertEqual(failure.stage, .jenkins)
        XCTAssertFalse(failure.jobStarted)
        let live1 = await fixture.liveLabels(1)
        XCTAssertEqual(live1, ["status-02:awaiting-planning"])
        XCTAssertEqual(try fixture.cache().issues, before.issues)
        XCTAssertEqual(report.repos.first?.outcomes.count, 2, "--keep-going tries the next issue")
        // Unreachable before the build request could leave: no intent, nothing to resolve later.
        let ledger = HistoryLog(url: fixture.store.ledgerURL).records()
        XCTAssertEqual(ledger, [])
    }

    func testFailedDispatchStopsTheRunWithoutKeepGoing() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"]), .open(2, ["status-02:awaiting-planning"])])
        await fixture.server.injectFault(.status(500, method: "POST", path: "buildWithParameters", count: 1))
        let report = await fixture.run()
        XCTAssertTrue(report.failed)
        XCTAssertTrue(report.stoppedEarly)
        XCTAssertEqual(report.repos.first?.outcomes.count, 1)
        let live2 = await fixture.liveLabels(2)
        XCTAssertEqual(live2, ["status-02:awaiting-planning"])
    }

    func testSkippedDispatchLeavesTheCacheUntouched() async throws {
        fixture = try await .start(issues: [.open(1, ["status-08:ready-pr"]), .open(2, ["status-05:plan-ready"], branches: ["a", "b"])])
        try await fixture.service { _ = try await $0.sync() }
        let before = fixture.cacheBytes()
        let report = await fixture.run()
        XCTAssertFalse(report.failed)
        XCTAssertEqual(report.repos[0].outcomes, [
            .skipped(issue: 1, reason: .noLinkedBranch), .skipped(issue: 2, reason: .severalLinkedBranches(["a", "b"])),
        ])
        XCTAssertEqual(fixture.cacheBytes(), before)
        let builds = await fixture.builds()
        XCTAssertTrue(builds.isEmpty)
    }

    func testLiveLabelChangeSkipsAndRefreshesThatCacheEntry() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])])
        try await fixture.service { _ = try await $0.sync() }
        _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-04:plan-review"])
        // Inside the reuse window the cache still says "pickup"; the live re-read catches it.
        let report = await fixture.run()
        XCTAssertEqual(report.repos[0].outcomes, [.skipped(issue: 1, reason: .labelsChanged(live: ["status-04:plan-review"]))])
        XCTAssertEqual(try fixture.cache().issues[1]?.labels, ["status-04:plan-review"])
        let builds = await fixture.builds()
        XCTAssertTrue(builds.isEmpty)
    }

    func testConcurrentDispatchesOfOneIssueStartOneBuild() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])])
        let fixture = self.fixture!
        let outcomes = await withTaskGroup(of: DispatchOutcome.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let workspace = fixture.workspace()
                    let outcome = await workspace.repos[0].dispatch(issueNumber: 1, by: "test (console)").outcome
                    await workspace.shutdown()
                    return outcome
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.filter { if case .dispatched = $0 { return true } else { return false } }.count, 1, "\(outcomes)")
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1)
    }

    func testMergedQueueItemCountsAsStartedNotASecondJob() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])], jenkinsStartDelayMs: 60_000)
        // Someone queued the identical build already; Jenkins answers 303 to the same item.
        let plan = try await planFor(1)
        let http = HTTPClientFactory.makeHTTPClient()
        let jenkins = JenkinsClient(
            http: http, serverURL: fixture.server.jenkinsURL, username: "bot",
            apiToken: Secret(CoordinatorFixture.jenkinsToken), logger: .init(label: "t"))
        let first = try await jenkins.startJob(path: plan.jobPath, parameters: plan.parameters)
        try await http.shutdown()
        XCTAssertFalse(first.merged)
        let report = await fixture.run()
        guard case let .dispatched(receipt)? = report.repos[0].outcomes.first else { return XCTFail("\(report)") }
        XCTAssertTrue(receipt.merged)
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1)
        let live = await fixture.liveLabels(1)
        XCTAssertEqual(live, ["status-03:planning"])
    }

    func testDryRunSendsNothingAndWritesNothing() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"]), .open(2, ["status-05:plan-ready"], branches: ["2-x"])])
        let report = await fixture.run(RunOptions(dryRun: true))
        XCTAssertEqual(report.repos[0].plans.compactMap(\.plan).map(\.issueNumber), [2, 1])
        XCTAssertNil(fixture.cacheBytes())
        let builds = await fixture.builds()
        XCTAssertTrue(builds.isEmpty)
        let writes = await fixture.server.requests().filter { $0.method != "GET" && !$0.path.hasSuffix("/graphql") }
        XCTAssertTrue(writes.isEmpty, "\(writes)")
    }

    // MARK: - Helpers

    private func planFor(_ number: Int) async throws -> DispatchPlan {
        var plan: DispatchPlan?
        try await fixture.service { service in
            let live = try await service.fetchLive().first { $0.number == number }!
            plan = try await service.preview(live).plan
        }
        return try XCTUnwrap(plan)
    }
}
