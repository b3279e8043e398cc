import Foundation
import Logging
import XCTest
@testable import Coordinator

/// The dispatch core against in-memory fakes: the ledger's recovery rules and the order of steps.
final class DispatcherTests: XCTestCase {
    var dir: URL!
    var store: IssueCacheStore!
    var ledger: DispatchLedger!
    let route = WorkflowMapping.standard.route(forPickup: "status-02:awaiting-planning")!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory()
        store = IssueCacheStore(directory: dir.path, repo: demoRepo.repo)
        ledger = DispatchLedger(url: store.ledgerURL)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func dispatcher(_ github: FakeGitHub, _ jenkins: FakeJenkins) -> Dispatcher {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Dispatcher(issues: github, labels: github, jobs: jenkins, store: store, ledger: ledger, rules: WorkflowRules(), actor: "tester@host (run)", logger: logger)
    }

    func plan(_ number: Int) -> DispatchPlan {
        DispatchPlanner().plan(issue: issue(number, ["status-02:awaiting-planning"]), route: route, repo: demoRepo, linkedBranches: nil).plan!
    }

    func testSuccessfulDispatchWritesTheLedgerInOrder() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        try store.save(IssueCache(issues: [1: issue(1, ["status-02:awaiting-planning"])]))
        let outcome = await dispatcher(github, FakeJenkins()).dispatch(plan(1))
        guard case let .dispatched(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.labels, ["status-03:planning"])
        XCTAssertTrue(receipt.cacheUpdated)
        XCTAssertEqual(ledger.records().map(\.event), [.intent, .jobStarted, .labelsMoved, .done])
        XCTAssertEqual(ledger.records().first?.by, "tester@host (run)")
        XCTAssertEqual(ledger.recentDispatches(limit: 5).first?.queueID, 1)
    }

    func testJenkinsFailureChangesNeitherLabelsNorCache() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        try store.save(IssueCache(issues: [1: issue(1, ["status-02:awaiting-planning"])]))
        let before = try Data(contentsOf: store.fileURL)
        let jenkins = FakeJenkins()
        await jenkins.setFailure(.http(status: 500, url: "j", message: "Server Error"))
        let outcome = await dispatcher(github, jenkins).dispatch(plan(1))
        XCTAssertTrue(outcome.isFailure)
        let labelCalls = await github.labelCalls
        XCTAssertEqual(labelCalls, 0)
        XCTAssertEqual(try Data(contentsOf: store.fileURL), before)
        XCTAssertEqual(ledger.records().map(\.event), [.intent, .failed])
        XCTAssertNil(ledger.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning"))
    }

    func testAnIntentWithoutJenkinsAnswerIsNeverStartedAgain() async throws {
        // A crash while Jenkins was answering: the job may exist, so it is finished, not repeated.
        try ledger.append(LedgerRecord(
            time: Date(), dispatchID: "d1", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning", event: .intent))
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        let jenkins = FakeJenkins()
        let outcome = await dispatcher(github, jenkins).dispatch(plan(1))
        guard case .recovered = outcome else { return XCTFail("\(outcome)") }
        let started = await jenkins.started.count
        XCTAssertEqual(started, 0)
        let labels = try await github.issue(number: 1).labels
        XCTAssertEqual(labels, ["status-03:planning"])
        XCTAssertEqual(ledger.records().last?.event, .done)
    }

    func testALaterPickupLabelIsANewDispatch() async throws {
        // Planning was dispatched and finished long ago; now the plan is ready: a new job is right.
        for event in [LedgerEvent.intent, .jobStarted, .labelsMoved, .done] {
            try ledger.append(LedgerRecord(time: Date(), dispatchID: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning", event: event))
        }
        XCTAssertNil(ledger.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning"))
        try ledger.append(LedgerRecord(time: Date(), dispatchID: "x", issue: 1, pickup: "status-05:plan-ready", busy: "status-06:implementing", event: .jobStarted))
        XCTAssertNil(ledger.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning"))
        XCTAssertEqual(ledger.unfinishedDispatch(issue: 1, pickup: "status-05:plan-ready")?.count, 1)
    }

    func testATornLastLedgerLineIsIgnored() throws {
        try ledger.append(LedgerRecord(time: Date(), dispatchID: "a", issue: 1, pickup: "p", busy: "b", event: .done))
        let handle = try FileHandle(forWritingTo: store.ledgerURL)
        handle.seekToEndOfFile()
        handle.write(Data(#"{"dispatch_id":"b","issue":2,"#.utf8))
        try handle.close()
        XCTAssertEqual(ledger.records().map(\.dispatchID), ["a"])
    }

    func testLabelsAreAddedBeforeThePickupIsRemoved() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        await github.setFailLabelWrites(true)
        let outcome = await dispatcher(github, FakeJenkins()).dispatch(plan(1))
        guard case let .failed(failure) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(failure.stage, .labels)
        XCTAssertTrue(failure.jobStarted)
        XCTAssertEqual(ledger.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning")?.last?.event, .jobStarted)
    }

    func testIssueMissingFromTheCacheIsAWarningNotAFailure() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        let outcome = await dispatcher(github, FakeJenkins()).dispatch(plan(1))
        guard case let .dispatched(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertFalse(receipt.cacheUpdated)
        XCTAssertEqual(receipt.cacheWarning?.contains("not in the cache"), true)
    }
}

extension DispatcherTests {
    func testAConflictLeftByAnInterruptedDispatchIsFinished() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning", "status-03:planning"])])
        try ledger.append(LedgerRecord(
            time: Date(), dispatchID: "d1", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            event: .jobStarted, queueID: 9))
        let jenkins = FakeJenkins()
        let outcome = await dispatcher(github, jenkins).finishInterrupted(issue: 1, pickups: ["status-02:awaiting-planning"], jobPath: "J")
        guard case let .recovered(receipt)? = outcome else { return XCTFail("\(String(describing: outcome))") }
        XCTAssertEqual(receipt.labels, ["status-03:planning"])
        XCTAssertEqual(receipt.queueID, 9)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 0)
    }

    func testAConflictWithoutLedgerEntryIsLeftToTheOperator() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning", "status-03:planning"])])
        let outcome = await dispatcher(github, FakeJenkins()).finishInterrupted(issue: 1, pickups: ["status-02:awaiting-planning"], jobPath: "J")
        XCTAssertNil(outcome)
        let labelCalls = await github.labelCalls
        XCTAssertEqual(labelCalls, 0)
    }

    func testAnUnfinishedEntryOvertakenByAPersonDoesNotSwallowANewDispatch() async throws {
        // The old dispatch read the issue at 09:00; since then a person removed and re-added the
        // pickup label (updated 10:00) and the busy label is not there: this is a new request.
        try ledger.append(LedgerRecord(
            time: Date(), dispatchID: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            event: .intent, issueUpdatedAt: Timestamp.parse("2026-11-24T09:00:00Z")))
        try ledger.append(LedgerRecord(
            time: Date(), dispatchID: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning", event: .jobStarted))
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"], updated: "2026-11-24T10:00:00Z")])
        let jenkins = FakeJenkins()
        let outcome = await dispatcher(github, jenkins).dispatch(plan(1))
        guard case .dispatched = outcome else { return XCTFail("\(outcome)") }
        let started = await jenkins.started.count
        XCTAssertEqual(started, 1)
        let oldEvents = ledger.records().filter { $0.dispatchID == "old" }.map(\.event)
        XCTAssertEqual(oldEvents, [.intent, .jobStarted, .failed])
    }

    func testAnUnfinishedEntryForAnUnchangedIssueIsFinishedNotRepeated() async throws {
        try ledger.append(LedgerRecord(
            time: Date(), dispatchID: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            event: .intent, issueUpdatedAt: Timestamp.parse("2026-11-24T09:00:00Z")))
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"], updated: "2026-11-24T09:00:00Z")])
        let jenkins = FakeJenkins()
        let outcome = await dispatcher(github, jenkins).dispatch(plan(1))
        guard case .recovered = outcome else { return XCTFail("\(outcome)") }
        let started = await jenkins.started.count
        XCTAssertEqual(started, 0)
    }
}
