import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// `run --dry-run` predicts `run` (issue 15, item 5): one table over the scenarios of the dispatch
/// tests (DispatchIntegrationTests, DispatcherTests, FailureModeRegressionTests,
/// LinkedBranchesBatchTests, RunJSONCommandTests), each run twice on the same Sandbox and cache —
/// first the dry run, which changes nothing, then the real run.
///
/// The dry run cannot know what Jenkins and GitHub will answer to the writes, so what it plans
/// (and the interrupted dispatches it would finish) is compared with what the run *attempted*:
/// dispatched, recovered, failed after planning (Jenkins, labels), or skipped because the live
/// labels had changed. Failures before anything is sent and the other skips must be the same
/// issues, and the issues the dry run says a run would not try are exactly those the run never
/// reached.
final class DryRunAgreesWithRunTests: XCTestCase {
    private var fixture: CoordinatorFixture?

    override func tearDown() async throws {
        await fixture?.stop()
        fixture = nil
    }

    struct Case {
        var name: String
        var issues: [Scenario.Issue]
        /// Beside `acme/demo`.
        var extraRepos: [Scenario.Repository] = []
        var keepGoing = false
        var duplicateWindowSeconds = 60
        /// Before both runs: faults, an earlier run, a ledger line.
        var setup: (CoordinatorFixture) async throws -> Void = { _ in }

        init(
            name: String, issues: [Scenario.Issue], extraRepos: [Scenario.Repository] = [], keepGoing: Bool = false,
            duplicateWindowSeconds: Int = 60, setup: @escaping (CoordinatorFixture) async throws -> Void = { _ in }
        ) {
            self.name = name
            self.issues = issues
            self.extraRepos = extraRepos
            self.keepGoing = keepGoing
            self.duplicateWindowSeconds = duplicateWindowSeconds
            self.setup = setup
        }
    }

    static let createPlan = "status-02:awaiting-planning"
    static let implement = "status-05:plan-ready"
    static let createPR = "status-08:ready-pr"
    static let planning = "status-03:planning"

    static var cases: [Case] {
        [
            Case(name: "one create-plan on main", issues: [.open(1, [createPlan, "enhancement"])]),
            Case(name: "every workflow, each with its branch", issues: [
                .open(1, [createPlan]), .open(2, [implement], branches: ["2-impl"]), .open(3, [createPR], branches: ["3-pr"]),
                .open(4, [createPlan]),
            ]),
            Case(name: "no linked branch and several linked branches are skips", issues: [
                .open(1, [createPR]), .open(2, [implement], branches: ["a", "b"]), .open(3, [createPlan]),
            ]),
            Case(name: "nothing eligible: ignored, busy, human, conflict without a ledger line", issues: [
                .open(1, [createPlan, "blocked"]), .open(2, [planning]), .open(3, ["status-04:plan-review"]),
                .open(4, [createPlan, planning]),
            ]),
            Case(
                name: "linked-branches query failing, stopping at the first failure",
                issues: [.open(1, [createPlan]), .open(2, [implement], branches: ["2-impl"]), .open(3, [createPR], branches: ["3-pr"])],
                setup: { await $0.server.injectFault(.status(502, method: "POST", path: "/graphql", count: 1000)) }),
            Case(
                name: "linked-branches query failing, --keep-going",
                issues: [.open(1, [createPlan]), .open(2, [implement], branches: ["2-impl"]), .open(3, [createPR], branches: ["3-pr"])],
                keepGoing: true,
                setup: { await $0.server.injectFault(.status(502, method: "POST", path: "/graphql", count: 1000)) }),
            Case(
                name: "Jenkins refuses one build, --keep-going",
                issues: [.open(1, [createPlan]), .open(2, [createPlan])], keepGoing: true,
                setup: { await $0.server.injectFault(.status(500, method: "POST", path: "buildWithParameters", count: 1)) }),
            Case(
                name: "live labels changed inside the reuse window",
                issues: [.open(1, [createPlan]), .open(2, [createPlan])],
                setup: { fixture in
                    try await fixture.service { _ = try await $0.sync() }
                    _ = await fixture.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-04:plan-review"])
                }),
            Case(
                name: "Jenkins unreachable, --keep-going",
                issues: [.open(1, [createPlan]), .open(2, [implement], branches: ["2-impl"])], keepGoing: true,
                setup: { $0.config.jenkins.serverURL = "http://127.0.0.1:\(try closedLoopbackPort())" }),
            Case(
                name: "inside the reuse window after a run: nothing left to do",
                issues: [.open(1, [createPlan]), .open(2, [implement], branches: ["2-impl"])],
                setup: { _ = await $0.run() }),
            Case(
                name: "the example scenario's three repositories (conflicts, skips, priorities, a master branch)",
                issues: [], extraRepos: (try? Scenario.example().github.repositories) ?? []),
            Case(
                name: "a skip remembered inside the reuse window",
                issues: [.open(1, [createPlan]), .open(2, [implement])],
                setup: { _ = await $0.run() }),
            Case(
                name: "a failed label move is finished, not restarted",
                issues: [.open(1, [createPlan])], duplicateWindowSeconds: 0,
                setup: { fixture in
                    await fixture.server.injectFault(.status(500, method: "POST", path: "/issues/1/labels", count: 5))
                    _ = await fixture.run()
                    await fixture.server.clearFaults()
                }),
            Case(
                name: "a conflict an interrupted dispatch left is finished first",
                issues: [.open(1, [createPlan, planning]), .open(2, [createPlan])],
                setup: { fixture in
                    try fixture.store.ensureDirectory()
                    try HistoryLog(url: fixture.store.ledgerURL).append(HistoryRecord(
                        time: Date(), dispatchID: "d1", issue: 1, pickup: createPlan, busy: planning, step: .jobStarted(queueID: 9, merged: false)))
                }),
        ]
    }

    /// What one run came to, by issue.
    struct Tally: Equatable, CustomStringConvertible {
        /// Dry run: planned or to be finished. Run: dispatched, recovered, failed after planning,
        /// skipped for changed live labels.
        var taken: [Int] = []
        /// Failed before anything was sent.
        var failedFirst: [Int] = []
        /// Skipped for what the plan saw (branches, eligibility).
        var skipped: [Int] = []

        var description: String { "taken \(taken), failed first \(failedFirst), skipped \(skipped)" }
    }

    static func tally(dryRun report: RepoRunReport) -> Tally {
        var tally = Tally()
        tally.taken = report.finishing
        for plan in report.plans {
            switch plan {
            case let .ready(plan): tally.taken.append(plan.issueNumber)
            case let .skip(issue, _): tally.skipped.append(issue)
            }
        }
        for outcome in report.outcomes {
            guard case let .failed(failure) = outcome else { continue }
            XCTAssertEqual(failure.stage, .prepare, "a dry run fails only before anything is sent: \(failure)")
            tally.failedFirst.append(failure.issueNumber)
        }
        return tally
    }

    static func tally(run report: RepoRunReport) -> Tally {
        var tally = Tally()
        for outcome in report.outcomes {
            switch outcome {
            case let .dispatched(receipt), let .recovered(receipt): tally.taken.append(receipt.issueNumber)
            case let .failed(failure) where failure.stage == .prepare: tally.failedFirst.append(failure.issueNumber)
            case let .failed(failure): tally.taken.append(failure.issueNumber)
            case let .skipped(issue, .labelsChanged): tally.taken.append(issue)
            case let .skipped(issue, _): tally.skipped.append(issue)
            }
        }
        return tally
    }

    func testTheDryRunPlansWhatTheRunDispatchesInEveryDispatchScenario() async throws {
        var taken = 0
        for scenario in Self.cases {
            let fixture = try await CoordinatorFixture.start(
                issues: scenario.issues, extraRepos: scenario.extraRepos, duplicateWindowSeconds: scenario.duplicateWindowSeconds)
            self.fixture = fixture
            try await scenario.setup(fixture)
            let cacheBefore = fixture.cacheBytes()
            let buildsBefore = await fixture.builds().count

            let dry = await fixture.run(RunOptions(dryRun: true, keepGoing: scenario.keepGoing))
            XCTAssertEqual(fixture.cacheBytes(), cacheBefore, "\(scenario.name): the dry run writes nothing")
            let buildsAfterDryRun = await fixture.builds().count
            XCTAssertEqual(buildsAfterDryRun, buildsBefore, "\(scenario.name): the dry run starts nothing")
            let run = await fixture.run(RunOptions(keepGoing: scenario.keepGoing))

            XCTAssertEqual(dry.repos.map(\.repoName), run.repos.map(\.repoName), scenario.name)
            for (dryRepo, runRepo) in zip(dry.repos, run.repos) {
                let name = "\(scenario.name), \(dryRepo.repoName)"
                XCTAssertNil(dryRepo.error, name)
                XCTAssertNil(runRepo.error, name)
                let predicted = Self.tally(dryRun: dryRepo)
                let happened = Self.tally(run: runRepo)
                XCTAssertEqual(predicted, happened, "\(name): the dry run (\(predicted)) against the run (\(happened))")
                taken += happened.taken.count
                let reached = Set(runRepo.outcomes.map(\.issueNumber))
                XCTAssertTrue(reached.isDisjoint(with: dryRepo.notTried), "\(name): not tried \(dryRepo.notTried), reached \(reached)")
            }
            // Whether the run fails is foreseen too, unless Jenkins or GitHub refused a write.
            let refusedWrite = run.repos.flatMap(\.outcomes).contains { if case let .failed(f) = $0 { f.stage != .prepare } else { false } }
            if !refusedWrite {
                XCTAssertEqual(dry.stoppedEarly, run.stoppedEarly, scenario.name)
                XCTAssertEqual(dry.failed, run.failed, scenario.name)
            }
            await fixture.stop()
            self.fixture = nil
        }
        XCTAssertGreaterThanOrEqual(taken, 25, "the table is not vacuous: its runs dispatch")
    }

    /// The drift issue 15 names: with the linked-branches query failing, the dry run dropped #1
    /// (create-plan on main, no lookup needed), which `run --keep-going` dispatches.
    func testWithTheBranchQueryFailingTheDryRunSaysWhatEachModeWouldDo() async throws {
        let issues: [Scenario.Issue] = [
            .open(1, [Self.createPlan]), .open(2, [Self.implement], branches: ["2-impl"]), .open(3, [Self.createPR], branches: ["3-pr"]),
        ]
        let fixture = try await CoordinatorFixture.start(issues: issues)
        self.fixture = fixture
        await fixture.server.injectFault(.status(502, method: "POST", path: "/graphql", count: 1000))

        let stoppingReport = await fixture.run(RunOptions(dryRun: true))
        let stopping = try XCTUnwrap(stoppingReport.repos.first)
        XCTAssertEqual(stopping.outcomes.map(\.issueNumber), [3], "create-pr first, and it fails")
        XCTAssertEqual(stopping.plans, [])
        XCTAssertEqual(stopping.notTried, [2, 1], "the run stops at #3's failure")

        let goingReport = await fixture.run(RunOptions(dryRun: true, keepGoing: true))
        let going = try XCTUnwrap(goingReport.repos.first)
        XCTAssertEqual(going.outcomes.map(\.issueNumber), [3, 2])
        XCTAssertEqual(going.plans.compactMap(\.plan).map(\.issueNumber), [1], "create-plan needs no branch: it is dispatched")
        XCTAssertEqual(going.plans.compactMap(\.plan).first?.branch, "main")
        XCTAssertEqual(going.notTried, [])
    }

    /// The console's preview plans as the run does: with the branch query failing, #1 (create-plan
    /// on main) still shows the plan the run would dispatch; only the issues that need a branch fail.
    func testTheConsolePreviewWithTheBranchQueryFailingFailsOnlyTheIssuesThatNeedABranch() async throws {
        let issues: [Scenario.Issue] = [
            .open(1, [Self.createPlan]), .open(2, [Self.implement], branches: ["2-impl"]), .open(3, ["status-04:plan-review"]),
        ]
        let fixture = try await CoordinatorFixture.start(issues: issues)
        self.fixture = fixture
        await fixture.server.injectFault(.status(502, method: "POST", path: "/graphql", count: 1000))
        var plans: [Int: Result<PlanOutcome, DispatchFailure>] = [:]
        try await fixture.service { service in
            plans = await service.previewPlans(try await service.fetchLive())
        }
        XCTAssertEqual(try plans[1]?.get().plan?.branch, "main")
        guard case let .failure(failure)? = plans[2] else { return XCTFail("\(String(describing: plans[2]))") }
        XCTAssertTrue(failure.message.hasPrefix("linked branches could not be read: "), failure.message)
        guard case .success(.skip(3, .notEligible))? = plans[3] else { return XCTFail("\(String(describing: plans[3]))") }
    }
}
