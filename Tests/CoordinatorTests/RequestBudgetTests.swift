import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// How many GitHub requests a run costs, counted on the Sandbox: requests are the budget that
/// matters on GitHub (rate limits), and they are exact, so these are ordinary tests.
final class RequestBudgetTests: XCTestCase {
    var fixture: CoordinatorFixture!

    override func tearDown() async throws {
        await fixture?.stop()
        fixture = nil
    }

    /// 1 000 issues: every 40th waits for implementation (needs its linked branch), every 40th
    /// plus one waits for planning, the rest are with a human.
    static func issues() -> [Scenario.Issue] {
        (1...1000).map { n in
            switch n % 40 {
            case 0: .open(n, ["status-05:plan-ready"], branches: ["\(n)-feature"])
            case 1: .open(n, ["status-02:awaiting-planning"])
            default: .open(n, ["status-04:plan-review"])
            }
        }
    }

    private func githubRequests(since start: Int) async -> [SandboxRequestRecord] {
        let all = await fixture.server.requests()
        return all.dropFirst(start).filter { !$0.path.hasPrefix("/jenkins") }
    }

    func testADryRunOverTwentyRepositoriesOfAThousandIssuesCostsAtMostFortyRequests() async throws {
        let extra = (2...20).map { Scenario.Repository(owner: "acme", name: "repo\($0)", issues: Self.issues()) }
        fixture = try await .start(issues: Self.issues(), extraRepos: extra)
        let workspace = fixture.workspace()
        for service in workspace.repos {
            let synced = try await service.sync()
            var aged = synced
            aged.lastChecked = Date().addingTimeInterval(-3600)
            try XCTUnwrap(service.fileStore).save(aged)
        }
        let start = await fixture.server.requests().count

        let report = await CoordinatorRun(services: workspace.repos, actor: "test (run)").run(RunOptions(dryRun: true))
        await workspace.shutdown()

        XCTAssertFalse(report.failed, "\(report.repos.compactMap(\.error))")
        let plans = report.repos.flatMap(\.plans)
        XCTAssertEqual(plans.count, 20 * 50)
        XCTAssertEqual(plans.compactMap(\.plan).filter { $0.branch.hasSuffix("-feature") }.count, 20 * 25, "every linked branch was found")
        let requests = await githubRequests(since: start)
        XCTAssertEqual(requests.filter { $0.path.hasSuffix("/issues") }.count, 20, "one listing per repository")
        XCTAssertEqual(requests.filter { $0.path.hasSuffix("/graphql") }.count, 20, "one branch lookup per repository (25 issues each)")
        XCTAssertLessThanOrEqual(requests.count, 40, "\(requests.map(\.path))")
    }

    func testTheConsolesPreviewOfARepositoryTakesOneBranchLookup() async throws {
        fixture = try await .start(issues: Self.issues())
        let start = await fixture.server.requests().count
        let issues = Self.issues().filter { $0.number % 40 < 2 }.compactMap { scenario in
            Issue(number: scenario.number, title: scenario.title, state: .open, labels: scenario.labels, user: "alice",
                  updatedAt: Timestamp.parse("2026-11-02T08:00:00Z"), url: "")
        }
        var plans: [Int: Result<PlanOutcome, DispatchFailure>] = [:]
        await fixture.service { plans = await $0.previewPlans(issues) }
        XCTAssertEqual(plans.count, 50)
        XCTAssertEqual(plans.values.compactMap { try? $0.get().plan }.count, 50)
        let asked = await githubRequests(since: start)
        XCTAssertEqual(asked.map(\.path), ["/graphql"], "25 linked branches in one request")
    }

    func testARunInsideTheReuseWindowAsksGitHubNothingForIssuesItSkippedBefore() async throws {
        fixture = try await .start(issues: [
            .open(1, ["status-05:plan-ready"]),  // no linked branch: skipped
            .open(2, ["status-08:ready-pr"], branches: ["2-a", "2-b"]),  // two: skipped
            .open(3, ["status-02:awaiting-planning"]),  // dispatched
        ])
        let first = await fixture.run()
        XCTAssertEqual(first.repos.first?.outcomes.map { String($0.summary.prefix(13)) }, ["#2 skipped: s", "#1 skipped: n", "#3 dispatched"])
        let start = await fixture.server.requests().count

        let second = await fixture.run()
        XCTAssertEqual(second.repos.first?.refresh, .reused)
        XCTAssertEqual(second.repos.first?.outcomes, first.repos.first?.outcomes.prefix(2).map { $0 })
        let asked = await githubRequests(since: start)
        XCTAssertEqual(asked.map(\.path), [], "inside the reuse window a run makes no API call")
        let notes = SkipNotes.read(fixture.store.skipNotesURL).byIssue
        XCTAssertEqual(notes.mapValues(\.branches), [1: [], 2: ["2-a", "2-b"]])

        // Outside the window both are checked again, in one request; a branch linked since counts.
        _ = await fixture.server.setLinkedBranches(owner: "acme", repo: "demo", number: 1, branches: ["1-feature"])
        try fixture.ageLastChecked()
        let start3 = await fixture.server.requests().count
        let third = await fixture.run()
        XCTAssertEqual(third.repos.first?.outcomes.map { String($0.summary.prefix(13)) }, ["#2 skipped: s", "#1 dispatched"])
        let graphQL = await githubRequests(since: start3).filter { $0.path.hasSuffix("/graphql") }
        XCTAssertEqual(graphQL.count, 1)
    }
}

/// What `coordinator status` costs on a repository where someone else's bot holds many issues
/// busy: busy-since is asked in batches once, then remembered across processes (SPEC §12).
final class BusySinceRequestBudgetTests: XCTestCase {
    var fixture: CoordinatorFixture!
    let implementing = "status-06:implementing"

    override func tearDown() async throws {
        await fixture?.stop()
        fixture = nil
    }

    private func githubRequests(since start: Int) async -> [SandboxRequestRecord] {
        await fixture.server.requests().dropFirst(start).filter { !$0.path.hasPrefix("/jenkins") }
    }

    /// `coordinator status` as a new process runs it: a new workspace, the cache as a run left it,
    /// a new `BusyWatch` per repository.
    private func status() async throws -> [StatusReport] {
        let workspace = fixture.workspace()
        let now = Date()
        do {
            let reports = try await StatusReport.of(workspace.repos, now: now) { service, issues in
                await BusyWatch(service: service).survey(issues, now: now)
            }
            await workspace.shutdown()
            return reports
        } catch {
            await workspace.shutdown()
            throw error
        }
    }

    /// 2 000 open issues a bot of someone else's set busy (none in our history), cached.
    private func startWithTwoThousandBusyIssues() async throws {
        fixture = try await .start(issues: (1...2000).map { .open($0, [implementing]) })
        await fixture.service { service in _ = try? await service.sync() }
        XCTAssertEqual(try fixture.cache().issues.count, 2000)
    }

    func testTheFirstStatusAsksFortyBatchesAndTheNextProcessNothing() async throws {
        try await startWithTwoThousandBusyIssues()
        let start = await fixture.server.requests().count

        let first = try await status()

        let asked = await githubRequests(since: start)
        XCTAssertLessThanOrEqual(asked.count, 40, "busy-since of 2000 issues in batches of 50")
        XCTAssertEqual(asked.count, 40, "one request per 50 issues, none per issue")
        XCTAssertEqual(Set(asked.map(\.path)), ["/graphql"])
        let busy = first.first?.busy ?? []
        XCTAssertEqual(busy.count, 2000)
        XCTAssertEqual(busy.filter { $0.busySince != nil && $0.busySinceSource == "events" }.count, 2000)

        let second = await fixture.server.requests().count
        let again = try await status()
        let askedAgain = await githubRequests(since: second)
        XCTAssertEqual(askedAgain.map(\.path), [], "nothing changed: the notes answer")
        XCTAssertEqual(again.first?.busy?.map(\.busySince), busy.map(\.busySince))
    }

    func testOnlyTheIssueThatChangedIsAskedAgain() async throws {
        try await startWithTwoThousandBusyIssues()
        _ = try await status()
        // Someone adds a label to #7: its updated_at moves; the next refresh brings that to the cache.
        _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 7, labels: [implementing, "bug"])
        try fixture.ageLastChecked()
        await fixture.service { service in _ = try? await service.sync() }
        let start = await fixture.server.requests().count

        let reports = try await status()

        let asked = await githubRequests(since: start)
        XCTAssertEqual(asked.map(\.path), ["/graphql"], "one lookup, for #7")
        XCTAssertEqual(reports.first?.busy?.count, 2000)
        let notes = BusySinceNotes.read(fixture.store.busySinceURL).notes.byIssue
        XCTAssertEqual(notes.count, 2000)
        XCTAssertEqual(notes[7]?.issueUpdatedAt, try fixture.cache().issues[7]?.updatedAt)
    }
}

/// The skip notes file: read leniently, written crash-safely, removed when empty.
final class SkipNotesTests: XCTestCase {
    func testNotesRoundTripAndAnUnreadableFileIsNoNotes() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("github_com_acme_demo.skips.json")
        let notes = SkipNotes([
            4: SkipNote(branches: [], issueUpdatedAt: Timestamp.parse("2026-11-24T09:00:00Z")!, pickup: "status-05:plan-ready"),
            5: SkipNote(branches: ["5-a", "5-b"], issueUpdatedAt: Timestamp.parse("2026-11-24T09:01:00Z")!, pickup: "status-08:ready-pr"),
        ])
        try notes.write(to: url)
        XCTAssertEqual(SkipNotes.read(url), notes)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int, 0o600)
        XCTAssertEqual(notes.branches(of: issue(4, [], updated: "2026-11-24T09:00:00Z"), pickup: "status-05:plan-ready"), [])
        XCTAssertNil(notes.branches(of: issue(4, [], updated: "2026-11-24T09:30:00Z"), pickup: "status-05:plan-ready"), "changed since")
        XCTAssertNil(notes.branches(of: issue(4, [], updated: "2026-11-24T09:00:00Z"), pickup: "status-02:awaiting-planning"))

        try Data("{\"version\":1,\"issues\":{\"4\":{\"pickup\":8}}".utf8).write(to: url)
        XCTAssertEqual(SkipNotes.read(url), SkipNotes())
        try SkipNotes().write(to: url)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }
}
