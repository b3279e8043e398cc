import Coordinator
import CoordinatorService
import Foundation
import Sandbox
import XCTest

/// The engine behind `serve`, fed deliveries by hand (the HTTP face has its own tests), against
/// the Sandbox over real HTTP: every dispatch goes through the core exactly as a run's does.
final class ServeEngineTests: XCTestCase {
    private var harness: ServeHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    private static func unlabelled(_ count: Int) -> [Scenario.Issue] {
        (1...count).map { Scenario.Issue(number: $0, title: "Issue \($0)", createdAt: "2026-11-20T08:00:00Z") }
    }

    /// Asks for a poll and waits for it: the lane handles its queue first, so every event
    /// submitted before has been handled when this returns.
    private func settle(_ harness: ServeHarness, repos: Int = 1) async throws {
        let before = harness.monitor.polls.count
        harness.engine.pollAll()
        try await waitUntil("a poll after the queued events", timeout: .seconds(30)) {
            harness.monitor.polls.count >= before + repos
        }
    }

    func testARelabelIsDispatchedAtOnceWithoutAPoll() async throws {
        let harness = try await ServeHarness.start(issues: Self.unlabelled(3))
        self.harness = harness
        let pollsAtStart = harness.monitor.polls.count
        _ = await harness.server.setLabels(owner: "acme", repo: "demo", number: 2, labels: ["status-02:awaiting-planning"])

        harness.engine.submit(try await harness.event("labeled", issue: 2))

        try await waitUntil("the busy label on #2", timeout: .seconds(10)) {
            await harness.labels(2) == ["status-03:planning"]
        }
        try await waitUntil("the engine reports the dispatch", timeout: .seconds(10)) { !harness.monitor.outcomes.isEmpty }
        let builds = await harness.builds()
        XCTAssertEqual(builds.count, 1)
        XCTAssertEqual(builds.first?.parameters["BRANCH_NAME"], "main")
        let cached = try await harness.cachedLabels(2)
        XCTAssertEqual(cached, ["status-03:planning"], "the cache holds the new labels at once")
        XCTAssertEqual(harness.monitor.polls.count, pollsAtStart, "no poll was needed")
        XCTAssertEqual(harness.monitor.latencies.count, 1)
        guard case .dispatched = harness.monitor.outcomes.last?.outcome else {
            return XCTFail("expected a dispatch, got \(String(describing: harness.monitor.outcomes.last))")
        }
    }

    func testRedeliveriesAndTwoDeliveriesOfOneChangeStartOneBuild() async throws {
        let harness = try await ServeHarness.start(issues: Self.unlabelled(2))
        self.harness = harness
        _ = await harness.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-02:awaiting-planning"])
        let first = try await harness.event("labeled", issue: 1)
        let second = try await harness.event("labeled", issue: 1)

        harness.engine.submit(first)
        try await waitUntil("one build", timeout: .seconds(10)) { await harness.builds().count == 1 }
        harness.engine.submit(first)
        harness.engine.submit(second)
        try await settle(harness)

        let (builds, live, cached) = (await harness.builds(), await harness.labels(1), try await harness.cachedLabels(1))
        XCTAssertEqual(builds.count, 1)
        XCTAssertEqual(live, ["status-03:planning"])
        XCTAssertEqual(cached, ["status-03:planning"], "an old delivery did not put the pickup label back")
    }

    func testAnOlderDeliveryNeverMovesTheCacheBackwards() async throws {
        let harness = try await ServeHarness.start(issues: Self.unlabelled(1))
        self.harness = harness
        _ = await harness.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["blocked"])
        let newer = try await harness.event("labeled", issue: 1)
        var older = newer
        older.payload.issue.labels = ["status-02:awaiting-planning"]
        older.payload.issue.updatedAt = newer.payload.issue.updatedAt.map { $0.addingTimeInterval(-60) }

        harness.engine.submit(newer)
        try await settle(harness)
        harness.engine.submit(older)
        try await settle(harness)

        let (cached, builds) = (try await harness.cachedLabels(1), await harness.builds())
        XCTAssertEqual(cached, ["blocked"])
        XCTAssertEqual(builds.count, 0)
    }

    func testADeletedIssueLeavesTheCache() async throws {
        let harness = try await ServeHarness.start(issues: Self.unlabelled(2))
        self.harness = harness
        let before = try await harness.cachedLabels(2)
        XCTAssertNotNil(before)
        harness.engine.submit(try await harness.event("deleted", issue: 2))
        try await settle(harness)
        // The poll lists changes only since its cursor; the deleted issue did not come back.
        let (gone, kept) = (try await harness.cachedLabels(2), try await harness.cachedLabels(1))
        XCTAssertNil(gone)
        XCTAssertNotNil(kept)
    }

    func testABurstAcrossThreeRepositoriesHandlesEveryIssueOnce() async throws {
        let names = ["alpha", "beta", "gamma"]
        let perRepo = 40
        let harness = try await ServeHarness.start(repos: names.map {
            Scenario.Repository(owner: "acme", name: $0, issues: Self.unlabelled(perRepo))
        })
        self.harness = harness
        var events: [IssueEvent] = []
        for name in names {
            for number in 1...perRepo {
                _ = await harness.server.setLabels(owner: "acme", repo: name, number: number, labels: ["status-02:awaiting-planning"])
                events.append(try await harness.event("labeled", issue: number, repo: name))
            }
        }
        // 1 000 deliveries: every change delivered several times, under new ids and again.
        var burst: [IssueEvent] = []
        while burst.count < 1_000 {
            var event = events[burst.count % events.count]
            if burst.count % 3 == 0 { event.delivery = UUID().uuidString }
            burst.append(event)
        }
        for event in burst { harness.engine.submit(event) }
        let queued = harness.engine.pollState().map(\.queued)
        XCTAssertTrue(queued.allSatisfy { $0 <= perRepo }, "the queue holds one entry per issue, not per delivery: \(queued)")

        try await waitUntil("every issue dispatched", timeout: .seconds(60)) {
            await harness.server.builds().count >= names.count * perRepo
        }
        try await settle(harness, repos: names.count)
        for name in names {
            let builds = await harness.builds(of: name)
            XCTAssertEqual(builds.count, perRepo, name)
            let issues = Set(builds.compactMap { $0.parameters["COMMAND"] })
            XCTAssertEqual(issues.count, perRepo, "\(name): one build per issue")
            let service = try XCTUnwrap(harness.workspace.repos.first { $0.repo.name == name })
            let cached = try await service.readCache().cache
            XCTAssertTrue(cached.issues.values.allSatisfy { $0.labels == ["status-03:planning"] }, name)
        }
    }

    func testHealthFailsWhileARepositoryIsStuckBehindALockHeldElsewhere() async throws {
        let harness = try await ServeHarness.start(issues: Self.unlabelled(1), stallLimit: .milliseconds(300))
        self.harness = harness
        let healthy = await harness.engine.healthProblem()
        XCTAssertNil(healthy)
        let service = try XCTUnwrap(harness.workspace.repos.first)
        _ = await harness.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-02:awaiting-planning"])
        let event = try await harness.event("labeled", issue: 1)
        try await RepoLock.withLock(path: try XCTUnwrap(service.fileStore).lockPath) {
            harness.engine.submit(event)
            try await waitUntil("health reports the stalled repository", timeout: .seconds(10)) {
                await harness.engine.healthProblem()?.contains("demo: one batch has taken") == true
            }
        }
        try await waitUntil("the dispatch once the lock is free", timeout: .seconds(10)) { await harness.builds().count == 1 }
        try await waitUntil("healthy again", timeout: .seconds(10)) { await harness.engine.healthProblem() == nil }
    }
}
