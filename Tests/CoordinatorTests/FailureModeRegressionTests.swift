import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// One regression test per failure mode of the upstream tool (SPEC §8), named after it.
final class FailureModeRegressionTests: XCTestCase {
    var fixture: CoordinatorFixture!

    override func tearDown() async throws {
        await fixture?.stop()
        fixture = nil
    }


    func testFailureMode01_SinceIsSentInUTCWhateverTheLocalZone() async throws {
        let previous = ProcessInfo.processInfo.environment["TZ"]
        setenv("TZ", "Asia/Tokyo", 1)
        tzset()
        defer {
            if let previous { setenv("TZ", previous, 1) } else { unsetenv("TZ") }
            tzset()
        }
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"])])
        try await fixture.service { _ = try await $0.sync() }
        var cache = try fixture.cache()
        cache.updatesCoveredThrough = Timestamp.parse("2026-11-24T09:59:12Z")
        cache.lastChecked = Date().addingTimeInterval(-3600)
        try fixture.store.save(cache)
        _ = await fixture.run()
        let since = await fixture.server.requests().compactMap { $0.query.components(separatedBy: "&").first { $0.hasPrefix("since=") } }.last
        XCTAssertEqual(since?.removingPercentEncoding, "since=2026-11-24T09:54:12Z")
    }

    func testFailureMode02_FailedRefreshKeepsFileAndCursor() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"])], duplicateWindowSeconds: 0)
        try await fixture.service { _ = try await $0.sync() }
        let before = fixture.cacheBytes()
        await fixture.server.injectFault(.status(500, method: "GET", path: "/repos/acme/demo/issues", count: 10))
        let report = await fixture.run()
        XCTAssertTrue(report.failed)
        XCTAssertNotNil(report.repos.first?.error)
        XCTAssertEqual(fixture.cacheBytes(), before, "an outage must not look like 'no changes'")
    }

    func testFailureMode03_FullRefreshAgeIsMeasuredFromTheLastFullRefresh() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"])])
        try await fixture.service { _ = try await $0.sync() }
        var cache = try fixture.cache()
        cache.lastChecked = Date().addingTimeInterval(-120)
        cache.lastFullRefresh = Date().addingTimeInterval(-2 * 86400)
        try fixture.store.save(cache)
        let report = await fixture.run()
        XCTAssertEqual(report.repos.first?.refresh, .full)
    }

    func testFailureMode04_FullRefreshReplacesTheIssueMap() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"]), .open(2, ["status-02:awaiting-planning"])])
        try await fixture.service { _ = try await $0.sync() }
        _ = await fixture.server.close(owner: "acme", repo: "demo", number: 2)
        _ = await fixture.run(RunOptions(forceRefresh: true))
        XCTAssertEqual(try fixture.cache().issues.keys.sorted(), [1])
        let builds = await fixture.builds()
        XCTAssertTrue(builds.isEmpty)
    }

    func testFailureMode05_IncrementalRefreshSeesClosures() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"]), .open(2, ["status-02:awaiting-planning"])])
        try await fixture.service { _ = try await $0.sync() }
        _ = await fixture.server.close(owner: "acme", repo: "demo", number: 2)
        try fixture.ageLastChecked()
        let report = await fixture.run()
        XCTAssertEqual(report.repos.first?.refresh, .incremental)
        XCTAssertEqual(try fixture.cache().issues[2]?.state, .closed)
        let builds = await fixture.builds()
        XCTAssertTrue(builds.isEmpty, "a closed issue is never eligible")
        let listing = await fixture.server.requests().last { $0.path.hasSuffix("/issues") }
        XCTAssertEqual(listing?.query.contains("state=all"), true)
    }

    func testFailureMode06_CursorFollowsGitHubsUpdatedAtNotTheWallClock() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"])])
        try await fixture.service { _ = try await $0.sync() }
        var cache = try fixture.cache()
        cache.updatesCoveredThrough = Timestamp.parse("2026-11-01T00:00:00Z")
        cache.lastChecked = Date().addingTimeInterval(-3600)
        try fixture.store.save(cache)
        _ = await fixture.run()
        // The only update GitHub shows is issue 1's, from the scenario; not "now".
        XCTAssertEqual(try fixture.cache().updatesCoveredThrough, Timestamp.parse("2026-11-02T08:00:00Z"))
    }

    func testFailureMode07_AnIssueWithoutBranchDoesNotAbortTheRun() async throws {
        fixture = try await .start(issues: [.open(1, ["status-08:ready-pr"]), .open(2, ["status-02:awaiting-planning"])])
        let report = await fixture.run()
        XCTAssertFalse(report.failed)
        XCTAssertEqual(report.repos[0].outcomes.first, .skipped(issue: 1, reason: .noLinkedBranch))
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1)
        let live = await fixture.liveLabels(2)
        XCTAssertEqual(live, ["status-03:planning"])
    }

    func testFailureMode08_ASkipLeavesTheCacheEntryEligible() async throws {
        fixture = try await .start(issues: [.open(1, ["status-05:plan-ready"])])
        _ = await fixture.run()
        XCTAssertEqual(try fixture.cache().issues[1]?.labels, ["status-05:plan-ready"])
        // Once a branch is linked, the next run that asks GitHub dispatches it: nothing hid the
        // issue until a full refresh. (Inside the reuse window a run asks GitHub nothing, not even
        // for branches: RequestBudgetTests.)
        _ = await fixture.server.setLinkedBranches(owner: "acme", repo: "demo", number: 1, branches: ["1-x"])
        try fixture.ageLastChecked()
        let report = await fixture.run()
        XCTAssertEqual(report.repos[0].refresh, .incremental, "not hidden until a full refresh")
        guard case .dispatched? = report.repos[0].outcomes.first else { return XCTFail("\(report)") }
    }

    func testFailureMode09_SeveralLinkedBranchesAreASkipNotAGuess() async throws {
        fixture = try await .start(issues: [.open(1, ["status-05:plan-ready"], branches: ["1-a", "1-b"])])
        let report = await fixture.run()
        XCTAssertEqual(report.repos[0].outcomes, [.skipped(issue: 1, reason: .severalLinkedBranches(["1-a", "1-b"]))])
        let builds = await fixture.builds()
        XCTAssertTrue(builds.isEmpty)
    }

    func testFailureMode10_CacheFileNamesIncludeTheHost() {
        let dotCom = IssueCacheStore(directory: "/c", repo: RepoURL(parsing: "https://github.com/acme/demo")!)
        let enterprise = IssueCacheStore(directory: "/c", repo: RepoURL(parsing: "https://ghe.acme.io/acme/demo")!)
        XCTAssertNotEqual(dotCom.fileURL, enterprise.fileURL)
        XCTAssertEqual(enterprise.fileURL.lastPathComponent, "ghe_acme_io_acme_demo.issues.json")
        XCTAssertNotEqual(dotCom.lockPath, enterprise.lockPath)
    }

    func testFailureMode11_LogLevelNoneIsNeverSentToJenkins() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])])
        let workspace = fixture.workspace(logLevel: "None")
        _ = await CoordinatorRun(services: workspace.repos, actor: "test").run(RunOptions())
        await workspace.shutdown()
        let command = await fixture.builds().first?.parameters["COMMAND"] ?? ""
        XCTAssertTrue(command.contains("--log-level INFO "), command)
        XCTAssertFalse(command.contains("None"), command)
    }

    func testFailureMode12_OneParserAcceptsRepositoryNamesWithDots() async throws {
        fixture = try await .start(
            issues: [], extraRepos: [.init(owner: "acme", name: "web.site", issues: [.open(4, ["status-02:awaiting-planning"])])])
        let text = "git@github.com:acme/web.site.git"
        let config = try ConfigLoader.parse("""
            [github]
            token = "x"
            [jenkins]
            server_url = "http://j"
            username = "u"
            api_token = "t"
            [coordinator.repos.site]
            repo_url = "\(text)"
            executor_job_path = "Coordinator/web.site/executor"
            github_credentials_id = "pat"
            """, path: "c.toml")
        XCTAssertEqual(config.repos[0].repo, fixture.config.repos[1].repo)
        _ = await fixture.run()
        let builds = await fixture.builds()
        XCTAssertEqual(builds.map(\.jobPath), ["Coordinator/web.site/executor"])
        let live = await fixture.liveLabels(4, repo: "web.site")
        XCTAssertEqual(live, ["status-03:planning"])
    }

    func testFailureMode13_AFailedLabelMoveIsFinishedNotRestarted() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"])], duplicateWindowSeconds: 0)
        await fixture.server.injectFault(.status(500, method: "POST", path: "/issues/1/labels", count: 5))
        let first = await fixture.run()
        guard case let .failed(failure)? = first.repos[0].outcomes.first else { return XCTFail("\(first)") }
        XCTAssertEqual(failure.stage, .labels)
        XCTAssertTrue(failure.jobStarted)
        await fixture.server.clearFaults()

        let second = await fixture.run()
        guard case .recovered? = second.repos[0].outcomes.first else { return XCTFail("\(second)") }
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 1, "no second job")
        let live = await fixture.liveLabels(1)
        XCTAssertEqual(live, ["status-03:planning"])
        XCTAssertEqual(try fixture.cache().issues[1]?.labels, live)
        let third = await fixture.run()
        XCTAssertTrue(third.repos[0].outcomes.isEmpty)
    }

    func testFailureMode14_AFailedQueueStatusReadDoesNotAbortTheRun() async throws {
        fixture = try await .start(issues: [.open(1, ["status-02:awaiting-planning"]), .open(2, ["status-02:awaiting-planning"])])
        await fixture.server.injectFault(.status(500, method: "GET", path: "/queue/item/", count: 10))
        let report = await fixture.run()
        XCTAssertFalse(report.failed, "\(report)")
        XCTAssertEqual(report.repos[0].outcomes.count, 2)
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 2)
    }

    func testFailureMode15_OverlappingRunsDispatchEachIssueOnce() async throws {
        fixture = try await .start(
            issues: (1...6).map { .open($0, ["status-02:awaiting-planning"]) }, duplicateWindowSeconds: 0)
        let fixture = self.fixture!
        let reports = await withTaskGroup(of: RunReport.self) { group in
            for _ in 0..<3 { group.addTask { await fixture.run() } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertFalse(reports.contains(where: \.failed))
        let builds = await fixture.builds()
        XCTAssertEqual(builds.count, 6)
        for number in 1...6 {
            let perIssue = await fixture.builds(issue: number)
            XCTAssertEqual(perIssue.count, 1, "#\(number)")
        }
        let cache = try fixture.cache()
        for number in 1...6 { XCTAssertEqual(cache.issues[number]?.labels, ["status-03:planning"]) }
    }
}
