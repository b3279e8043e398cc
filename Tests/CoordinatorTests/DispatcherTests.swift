import Foundation
import Logging
import XCTest
@testable import Coordinator

/// The dispatch core against in-memory fakes: the history's recovery rules and the order of steps.
final class DispatcherTests: XCTestCase {
    var dir: URL!
    var store: IssueCacheStore!
    var ledger: HistoryLog!
    let route = WorkflowMapping.standard.route(forPickup: "status-02:awaiting-planning")!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory()
        store = IssueCacheStore(directory: dir.path, repo: demoRepo.repo)
        ledger = HistoryLog(url: store.ledgerURL)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func service(_ github: FakeGitHub, _ jenkins: FakeJenkins) -> RepoService {
        fakeService(store: store, github: github, jenkins: jenkins)
    }

    /// Dispatches `plan` in a fresh locked session, as a run does.
    func dispatch(_ github: FakeGitHub, _ jenkins: FakeJenkins, _ plan: DispatchPlan) async throws -> DispatchOutcome {
        try await service(github, jenkins).withLock { await Dispatcher(session: $0, actor: "tester@host (run)").dispatch(plan) }
    }

    func finishInterrupted(_ github: FakeGitHub, _ jenkins: FakeJenkins, pickups: [String]) async throws -> DispatchOutcome? {
        try await service(github, jenkins).withLock {
            await Dispatcher(session: $0, actor: "tester@host (run)").finishInterrupted(issue: 1, pickups: pickups, jobPath: "J")
        }
    }

    /// The history as a new process reads it.
    var book: HistoryProjection { ledger.projection() }

    func plan(_ number: Int) -> DispatchPlan {
        DispatchPlanner().plan(issue: issue(number, ["status-02:awaiting-planning"]), route: route, repo: demoRepo, linkedBranches: nil).plan!
    }

    func testSuccessfulDispatchWritesTheLedgerInOrder() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        try store.save(IssueCache(issues: [1: issue(1, ["status-02:awaiting-planning"])]))
        let outcome = try await dispatch(github, FakeJenkins(), plan(1))
        guard case let .dispatched(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.labels, ["status-03:planning"])
        XCTAssertTrue(receipt.cacheUpdated)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .jobStarted, .labelsMoved, .done])
        XCTAssertEqual(ledger.records().first?.by, "tester@host (run)")
        XCTAssertEqual(book.recent(limit: 5).first?.queueID, 1)
    }

    func testJenkinsFailureChangesNeitherLabelsNorCache() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        try store.save(IssueCache(issues: [1: issue(1, ["status-02:awaiting-planning"])]))
        let before = try Data(contentsOf: store.fileURL)
        let jenkins = FakeJenkins()
        await jenkins.setFailure(.http(status: 500, url: "j", message: "Server Error"))
        let outcome = try await dispatch(github, jenkins, plan(1))
        XCTAssertTrue(outcome.isFailure)
        let labelCalls = await github.labelCalls
        XCTAssertEqual(labelCalls, 0)
        XCTAssertEqual(try Data(contentsOf: store.fileURL), before)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .failed])
        XCTAssertNil(book.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning"))
    }

    private let p02 = "status-02:awaiting-planning", b03 = "status-03:planning"

    /// The intent of a dispatch that stopped before Jenkins' answer was recorded.
    private func unresolvedIntent(_ id: String = "d1", at time: Date = Date(), parameters: [JobParameter]? = nil) throws {
        try ledger.append(HistoryRecord(
            time: time, dispatchID: id, issue: 1, pickup: p02, busy: b03,
            step: .intent(.init(workflow: nil, by: nil, jobPath: demoRepo.executorJobPath, parameters: parameters ?? plan(1).parameters))))
    }

    func testAnIntentWhoseJobIsInJenkinsIsFinishedNotStartedAgain() async throws {
        // Killed while Jenkins was answering: Jenkins has the job, so the labels are moved, no second job.
        try unresolvedIntent()
        let github = FakeGitHub([issue(1, [p02])])
        let jenkins = FakeJenkins()
        await jenkins.seed(path: demoRepo.executorJobPath, parameters: plan(1).parameters, at: Date())
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case let .recovered(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.evidence, .found(.queue))
        XCTAssertTrue(outcome.summary.contains("found in Jenkins' queue"), outcome.summary)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 1, "no second job")
        let labels = try await github.issue(number: 1).labels
        XCTAssertEqual(labels, [b03])
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .jobFound, .labelsMoved, .done])
        XCTAssertEqual(ledger.records()[1].foundIn, .queue)
        XCTAssertEqual(ledger.records()[1].queueID, 1)
    }

    func testAnIntentWhoseJobJenkinsNeverGotStartsTheJobOnce() async throws {
        // Killed after the intent, before the POST: no job anywhere, so it is started now, once.
        try unresolvedIntent()
        let github = FakeGitHub([issue(1, [p02])])
        let jenkins = FakeJenkins()
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case let .dispatched(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.evidence, .answered)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 1)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .jobAbsent, .intent, .jobStarted, .labelsMoved, .done])
        let first = try XCTUnwrap(ledger.records().first?.dispatchID)
        XCTAssertEqual(book.dispatches[first]?.stepDescription, "not started (no such job in Jenkins); dispatching again")
        let again = try await dispatch(github, jenkins, plan(1))
        guard case .skipped = again else { return XCTFail("\(again)") }
        let startedAfter = await jenkins.started.count
        XCTAssertEqual(startedAfter, 1)
    }

    func testAJobOfAnEarlierDispatchWithTheSameParametersDoesNotCount() async throws {
        // The same issue was planned before with the same parameters; that build is older than
        // this intent (and recorded against its own dispatch): it is not this dispatch's job.
        let hourAgo = Date().addingTimeInterval(-3600)
        let jenkins = FakeJenkins()
        await jenkins.seed(path: demoRepo.executorJobPath, parameters: plan(1).parameters, at: hourAgo)
        try unresolvedIntent()
        let github = FakeGitHub([issue(1, [p02])])
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case .dispatched = outcome else { return XCTFail("\(outcome)") }
        let started = await jenkins.started.count
        XCTAssertEqual(started, 2, "the old build did not count; a new job was started")
    }

    func testAQueueItemRecordedAgainstAnotherDispatchDoesNotCount() async throws {
        let jenkins = FakeJenkins()
        await jenkins.seed(path: demoRepo.executorJobPath, parameters: plan(1).parameters, at: Date())
        // Queue item 1 belongs to another dispatch (of a different pickup that had the same parameters).
        try ledger.append(HistoryRecord(
            time: Date(), dispatchID: "other", issue: 1, pickup: "status-05:plan-ready", busy: "status-06:implementing",
            step: .jobStarted(queueID: 1, merged: false)))
        try unresolvedIntent()
        let github = FakeGitHub([issue(1, [p02])])
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case .dispatched = outcome else { return XCTFail("\(outcome)") }
        let started = await jenkins.started.count
        XCTAssertEqual(started, 2)
    }

    func testALostAnswerIsResolvedInTheSameRunWhenTheJobWasQueued() async throws {
        let github = FakeGitHub([issue(1, [p02])])
        try store.save(IssueCache(issues: [1: issue(1, [p02])]))
        let jenkins = FakeJenkins()
        await jenkins.loseAnswers(1)
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case let .dispatched(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.evidence, .found(.queue))
        XCTAssertEqual(receipt.labels, [b03])
        XCTAssertTrue(receipt.cacheUpdated)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 1)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .answerLost, .jobFound, .labelsMoved, .done])
    }

    func testJenkinsDownWhileResolvingTouchesNothingAndAsksAgainNextTime() async throws {
        let github = FakeGitHub([issue(1, [p02])])
        try store.save(IssueCache(issues: [1: issue(1, [p02])]))
        let before = try Data(contentsOf: store.fileURL)
        let jenkins = FakeJenkins()
        await jenkins.loseAnswers(1)
        await jenkins.setFindFailure(.transport(url: "j", message: "connection refused"))

        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case let .failed(failure) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(failure.stage, .unresolved)
        XCTAssertTrue(failure.message.contains("could not be asked"), failure.message)
        let labelCalls = await github.labelCalls
        XCTAssertEqual(labelCalls, 0)
        XCTAssertEqual(try Data(contentsOf: store.fileURL), before)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .answerLost])

        // Still down on the next run: still nothing, and still no second job.
        let stillDown = try await dispatch(github, jenkins, plan(1))
        guard case let .failed(again) = stillDown else { return XCTFail("\(stillDown)") }
        XCTAssertEqual(again.stage, .unresolved)
        var started = await jenkins.started.count
        XCTAssertEqual(started, 1)

        // Back up: the job is found, the labels move, no second job.
        await jenkins.setFindFailure(nil)
        let recovered = try await dispatch(github, jenkins, plan(1))
        guard case .recovered = recovered else { return XCTFail("\(recovered)") }
        started = await jenkins.started.count
        XCTAssertEqual(started, 1)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .answerLost, .jobFound, .labelsMoved, .done])
    }

    func testALostRequestWithNoJobIsRequestedOnceMore() async throws {
        let github = FakeGitHub([issue(1, [p02])])
        let jenkins = FakeJenkins()
        await jenkins.dropRequests(1)
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case let .dispatched(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.evidence, .answered)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 1)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .answerLost, .jobAbsent, .intent, .jobStarted, .labelsMoved, .done])
    }

    func testTwoLostRequestsWithNoJobFailWithoutChangingAnything() async throws {
        let github = FakeGitHub([issue(1, [p02])])
        let jenkins = FakeJenkins()
        await jenkins.dropRequests(2)
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case let .failed(failure) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(failure.stage, .jenkins)
        XCTAssertFalse(failure.jobStarted)
        let labelCalls = await github.labelCalls
        XCTAssertEqual(labelCalls, 0)
        XCTAssertEqual(ledger.records().map(\.kind), [.intent, .answerLost, .jobAbsent, .intent, .answerLost, .jobAbsent])
        XCTAssertNil(book.unfinishedDispatch(issue: 1, pickup: p02))
    }

    func testAnIntentRecordedWithoutParametersFallsBackToThePlan() async throws {
        try ledger.append(.plain(.intent, id: "legacy", issue: 1, pickup: p02, busy: b03))
        let github = FakeGitHub([issue(1, [p02])])
        let jenkins = FakeJenkins()
        await jenkins.seed(path: demoRepo.executorJobPath, parameters: plan(1).parameters, at: Date())
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case .recovered = outcome else { return XCTFail("\(outcome)") }
        let started = await jenkins.started.count
        XCTAssertEqual(started, 1)
    }

    func testALaterPickupLabelIsANewDispatch() async throws {
        // Planning was dispatched and finished long ago; now the plan is ready: a new job is right.
        for kind in [HistoryStep.Kind.intent, .jobStarted, .labelsMoved, .done] {
            try ledger.append(.plain(kind, id: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning"))
        }
        XCTAssertNil(book.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning"))
        try ledger.append(.plain(.jobStarted, id: "x", issue: 1, pickup: "status-05:plan-ready", busy: "status-06:implementing"))
        XCTAssertNil(book.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning"))
        XCTAssertEqual(book.unfinishedDispatch(issue: 1, pickup: "status-05:plan-ready")?.dispatchID, "x")
    }

    func testATornLastLedgerLineIsIgnoredAndCannotSwallowTheNextRecord() throws {
        try ledger.append(.plain(.done, id: "a", issue: 1, pickup: "p", busy: "b"))
        let handle = try FileHandle(forWritingTo: store.ledgerURL)
        handle.seekToEndOfFile()
        handle.write(Data(#"{"dispatch_id":"b","issue":2,"#.utf8))
        try handle.close()
        XCTAssertEqual(ledger.records().map(\.dispatchID), ["a"])

        // The next record is appended on a line of its own, not glued to the torn one.
        try ledger.append(.plain(.intent, id: "c", issue: 3, pickup: "p", busy: "b"))
        XCTAssertEqual(ledger.records().map(\.dispatchID), ["a", "c"])
        try ledger.append(.plain(.done, id: "c", issue: 3, pickup: "p", busy: "b"))
        XCTAssertEqual(ledger.records().map(\.kind), [.done, .intent, .done])
        let text = String(decoding: try Data(contentsOf: store.ledgerURL), as: UTF8.self)
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, 5, "a, torn, c, c, and the final newline: \(text)")
    }

    func testTheHistoryReadsOnlyTheLinesAppendedSinceItsLastRead() throws {
        let pickup = "status-02:awaiting-planning"
        func record(_ id: String, _ issue: Int, _ kind: HistoryStep.Kind) -> HistoryRecord {
            .plain(kind, id: id, issue: issue, pickup: pickup, busy: "status-03:planning")
        }
        let history = RepoHistory(
            log: store.ledgerURL, checkpoint: store.historyCheckpointURL, archive: store.historyArchiveURL, logger: Logger(label: "test"))
        try ledger.append(record("a", 1, .intent))
        try ledger.append(record("a", 1, .jobStarted))
        XCTAssertEqual(history.current().unfinishedDispatch(issue: 1, pickup: pickup)?.lastStep, .jobStarted)
        try history.append(record("a", 1, .done))
        try ledger.append(record("b", 2, .intent))  // another process

        // The lines read before are not read again: overwriting them in place (same file, same
        // length) goes unseen, while a fresh read of the whole file loses them.
        let text = try Data(contentsOf: ledger.url)
        let firstLine = try XCTUnwrap(text.firstIndex(of: UInt8(ascii: "\n")))
        let handle = try FileHandle(forWritingTo: ledger.url)
        try handle.write(contentsOf: Data(repeating: UInt8(ascii: "x"), count: firstLine))
        try handle.close()
        XCTAssertEqual(ledger.records().map(\.kind), [.jobStarted, .done, .intent])

        let caughtUp = history.current()
        XCTAssertEqual(caughtUp.recordCount, 4)
        XCTAssertNil(caughtUp.unfinishedDispatch(issue: 1, pickup: pickup), "its own done is read back from the file")
        XCTAssertEqual(caughtUp.unfinishedDispatch(issue: 2, pickup: pickup)?.dispatchID, "b", "another process's intent is read")
        XCTAssertEqual(caughtUp.recordedJobs(otherThan: "b").queueIDs, [])

        // Another file in its place is read from its start.
        try FileManager.default.removeItem(at: ledger.url)
        try ledger.append(record("c", 3, .intent))
        XCTAssertEqual(Set(history.current().dispatches.keys), ["c"])
    }

    func testLabelsAreAddedBeforeThePickupIsRemoved() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        await github.setFailLabelWrites(true)
        let outcome = try await dispatch(github, FakeJenkins(), plan(1))
        guard case let .failed(failure) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(failure.stage, .labels)
        XCTAssertTrue(failure.jobStarted)
        XCTAssertEqual(book.unfinishedDispatch(issue: 1, pickup: "status-02:awaiting-planning")?.lastStep, .jobStarted)
    }

    func testIssueMissingFromTheCacheIsAWarningNotAFailure() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        let outcome = try await dispatch(github, FakeJenkins(), plan(1))
        guard case let .dispatched(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertFalse(receipt.cacheUpdated)
        XCTAssertEqual(receipt.cacheWarning?.contains("not in the cache"), true)
    }
}

extension DispatcherTests {
    func testAConflictLeftByAnInterruptedDispatchIsFinished() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning", "status-03:planning"])])
        try ledger.append(HistoryRecord(
            time: Date(), dispatchID: "d1", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            step: .jobStarted(queueID: 9, merged: false)))
        let jenkins = FakeJenkins()
        let outcome = try await finishInterrupted(github, jenkins, pickups: ["status-02:awaiting-planning"])
        guard case let .recovered(receipt)? = outcome else { return XCTFail("\(String(describing: outcome))") }
        XCTAssertEqual(receipt.labels, ["status-03:planning"])
        XCTAssertEqual(receipt.queueID, 9)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 0)
    }

    func testAConflictWithoutLedgerEntryIsLeftToTheOperator() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning", "status-03:planning"])])
        let outcome = try await finishInterrupted(github, FakeJenkins(), pickups: ["status-02:awaiting-planning"])
        XCTAssertNil(outcome)
        let labelCalls = await github.labelCalls
        XCTAssertEqual(labelCalls, 0)
    }

    func testAnUnfinishedEntryOvertakenByAPersonDoesNotSwallowANewDispatch() async throws {
        // The old dispatch read the issue at 09:00; since then a person removed and re-added the
        // pickup label (updated 10:00) and the busy label is not there: this is a new request.
        try ledger.append(HistoryRecord(
            time: Date(), dispatchID: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            step: .intent(.init(workflow: nil, by: nil, issueUpdatedAt: Timestamp.parse("2026-11-24T09:00:00Z")))))
        try ledger.append(.plain(.jobStarted, id: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning"))
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"], updated: "2026-11-24T10:00:00Z")])
        let jenkins = FakeJenkins()
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case .dispatched = outcome else { return XCTFail("\(outcome)") }
        let started = await jenkins.started.count
        XCTAssertEqual(started, 1)
        let oldEvents = ledger.records().filter { $0.dispatchID == "old" }.map(\.kind)
        XCTAssertEqual(oldEvents, [.intent, .jobStarted, .failed])
    }

    func testAnUnfinishedEntryForAnUnchangedIssueIsFinishedNotRepeated() async throws {
        try ledger.append(HistoryRecord(
            time: Date(), dispatchID: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            step: .intent(.init(workflow: nil, by: nil, issueUpdatedAt: Timestamp.parse("2026-11-24T09:00:00Z")))))
        try ledger.append(HistoryRecord(
            time: Date(), dispatchID: "old", issue: 1, pickup: "status-02:awaiting-planning", busy: "status-03:planning",
            step: .jobStarted(queueID: 3, merged: false)))
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"], updated: "2026-11-24T09:00:00Z")])
        let jenkins = FakeJenkins()
        let outcome = try await dispatch(github, jenkins, plan(1))
        guard case let .recovered(receipt) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(receipt.evidence, .recorded)
        let started = await jenkins.started.count
        XCTAssertEqual(started, 0)
        let asked = await jenkins.findCalls
        XCTAssertEqual(asked, 0, "a recorded start needs no question to Jenkins")
    }
}
