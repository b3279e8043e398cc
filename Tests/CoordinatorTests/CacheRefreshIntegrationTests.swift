import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// Refresh against the Sandbox: conditional requests, merges and the written file.
final class CacheRefreshIntegrationTests: XCTestCase {
    var fixture: CoordinatorFixture!

    override func tearDown() async throws {
        await fixture?.stop()
        fixture = nil
    }

    func testAnUnchangedRepositoryCostsOneNotModified() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"])])
        try await fixture.service { _ = try await $0.sync() }
        try fixture.ageLastChecked()
        _ = await fixture.run()
        XCTAssertNotNil(try fixture.cache().listValidator)
        try fixture.ageLastChecked()
        let report = await fixture.run()
        XCTAssertEqual(report.repos.first?.refresh, .notModified)
        let statuses = await fixture.server.requests().filter { $0.path.hasSuffix("/issues") }.map(\.status)
        XCTAssertEqual(statuses, [200, 200, 304])
        XCTAssertEqual(try fixture.cache().issues[1]?.labels, ["status-04:plan-review"])
    }

    func testTheSecondIncrementalAfterAFullRefreshOfFreshlyEditedIssuesIsANotModified() async throws {
        // Issues edited just before the full refresh carry an updated_at at (or, by a second of
        // Date-header rounding, after) the fetch time. The first incremental listing is a 200 —
        // there is no validator for its URL yet — and must leave the cursor where it was, so the
        // second is already the steady state: one 304.
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"]), .open(2, ["status-04:plan-review"])])
        for round in 0..<5 {
            _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-04:plan-review", "round-\(round)"])
            _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 2, labels: ["status-04:plan-review", "round-\(round)"])
            try await fixture.service { _ = try await $0.sync() }
            try fixture.ageLastChecked()
            _ = await fixture.run()
            try fixture.ageLastChecked()
            let report = await fixture.run()
            XCTAssertEqual(report.repos.first?.refresh, .notModified, "round \(round)")
        }
    }

    func testAChangeAfterANotModifiedIsStillSeen() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"])])
        try await fixture.service { _ = try await $0.sync() }
        try fixture.ageLastChecked()
        _ = await fixture.run()
        _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-05:plan-ready"])
        try fixture.ageLastChecked()
        let report = await fixture.run()
        XCTAssertEqual(report.repos.first?.refresh, .incremental)
        let live = await fixture.liveLabels(1)
        XCTAssertEqual(try fixture.cache().issues[1]?.labels, ["status-05:plan-ready"])
        XCTAssertEqual(live, ["status-05:plan-ready"], "no linked branch: skipped, labels untouched")
    }

    func testPullRequestsNeverEnterTheCache() async throws {
        var pr = Scenario.Issue.open(2, ["status-02:awaiting-planning"])
        pr.pullRequest = true
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"]), pr])
        try await fixture.service { _ = try await $0.sync() }
        XCTAssertEqual(try fixture.cache().issues.keys.sorted(), [1])
    }

    func testFullRefreshWalksEveryPage() async throws {
        fixture = try await .start(issues: (1...250).map { .open($0, ["status-04:plan-review"]) })
        try await fixture.service { _ = try await $0.sync() }
        XCTAssertEqual(try fixture.cache().issues.count, 250)
        let pages = await fixture.server.requests().filter { $0.path.hasSuffix("/issues") }.count
        XCTAssertEqual(pages, 3)
    }

    func testDiffComparesWithoutWriting() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"]), .open(2, ["status-02:awaiting-planning"])])
        try await fixture.service { _ = try await $0.sync() }
        let before = fixture.cacheBytes()
        _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-05:plan-ready"])
        _ = await fixture.server.close(owner: "acme", repo: "demo", number: 2)
        _ = await fixture.server.createIssue(owner: "acme", repo: "demo", title: "New", labels: ["status-01:created"])
        var diff: CacheDiff?
        try await fixture.service { diff = try await $0.diff() }
        let entries = try XCTUnwrap(diff).stale
        XCTAssertEqual(entries.count, 3)
        XCTAssertEqual(entries[0].kind, .labelsDiffer(onlyCached: ["status-04:plan-review"], onlyLive: ["status-05:plan-ready"]))
        XCTAssertEqual(entries[1].kind, .onlyInCache)
        XCTAssertEqual(entries[2].kind, .onlyLive)
        XCTAssertEqual(fixture.cacheBytes(), before)
    }

    func testReadingTheCacheDoesNotWaitForARunHoldingTheLock() async throws {
        fixture = try await .start(issues: [.open(1, ["status-04:plan-review"])])
        try await fixture.service { _ = try await $0.sync() }
        let held = try await RepoLock.acquire(path: fixture.store.lockPath)
        defer { held.release() }
        let started = ContinuousClock.now
        var cached: IssueCache?
        try await fixture.service { cached = try await $0.readCache().cache }
        XCTAssertEqual(cached?.issues.keys.sorted(), [1])
        // The lock wait gives up after minutes; anything near that means the read waited for it.
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(30))
    }
}
