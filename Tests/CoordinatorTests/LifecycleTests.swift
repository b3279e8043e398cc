import Foundation
import XCTest
@testable import Coordinator

/// After the dispatch (SPEC §10): each stuck rule, each build state as Jenkins reports it, the
/// ledger notes that make a finished build asked once, busy-since from GitHub's issue events, and
/// unstick.
final class LifecycleTests: XCTestCase {
    var dir: URL!
    var store: IssueCacheStore!
    var ledger: HistoryLog!
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let implementing = "status-06:implementing"

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory()
        store = IssueCacheStore(directory: dir.path, repo: demoRepo.repo)
        ledger = HistoryLog(url: store.ledgerURL)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    // MARK: The stuck rules

    func testEachStuckRule() {
        let rules = StuckRules()
        let hour: TimeInterval = 3600
        // Over the timeout.
        XCTAssertEqual(
            rules.assess(busySince: now - 3 * hour, timeout: 2 * hour, build: nil, now: now),
            .overTimeout(busyFor: 3 * hour, limit: 2 * hour))
        // Inside the timeout, build running: fine.
        XCTAssertNil(rules.assess(busySince: now - hour, timeout: 2 * hour, build: BuildStatus(state: .running, number: 4), now: now))
        XCTAssertNil(rules.assess(busySince: now - hour, timeout: 2 * hour, build: BuildStatus(state: .queued), now: now))
        // Build ended longer than the grace period ago; and not yet.
        let ended = BuildStatus(state: .failure, number: 4, duration: 60, finishedAt: now - 11 * 60)
        XCTAssertEqual(rules.assess(busySince: now - 20 * 60, timeout: 2 * hour, build: ended, now: now), .buildEnded(.failure, ago: 11 * 60))
        let justEnded = BuildStatus(state: .success, number: 4, duration: 60, finishedAt: now - 5 * 60)
        XCTAssertNil(rules.assess(busySince: now - 20 * 60, timeout: 2 * hour, build: justEnded, now: now))
        // Queue item cancelled; build not found — at once.
        XCTAssertEqual(rules.assess(busySince: now - 60, timeout: 2 * hour, build: BuildStatus(state: .cancelled), now: now), .queueItemCancelled)
        XCTAssertEqual(rules.assess(busySince: now - 60, timeout: 2 * hour, build: BuildStatus(state: .unknown), now: now), .buildNotFound)
        // Nothing known: not stuck.
        XCTAssertNil(rules.assess(busySince: nil, timeout: 2 * hour, build: nil, now: now))
        XCTAssertTrue(StuckReason.overTimeout(busyFor: 3 * hour, limit: 2 * hour).description.contains("3h"))
    }

    // MARK: Build states through the watch

    /// A dispatch of #1 from plan-ready to implementing, recorded as the dispatcher does.
    func recordDispatch(issue number: Int = 1, queueID: Int? = 7, buildURL: String? = nil, at time: Date) throws {
        let id = UUID().uuidString
        let steps: [(HistoryStep, TimeInterval)] = [
            (.intent(.init(workflow: "implement", by: "alice@host (run)", jobPath: "Folder/Sub/Job")), 0),
            (.jobStarted(queueID: queueID, merged: false), 1), (.labelsMoved, 2), (.done(queueID: queueID, buildURL: buildURL, message: nil), 3),
        ]
        for (step, offset) in steps {
            try ledger.append(HistoryRecord(time: time + offset, dispatchID: id, issue: number, pickup: "status-05:plan-ready", busy: implementing, step: step))
        }
    }

    func busyIssue(_ number: Int = 1) -> Issue {
        issue(number, [implementing, "bug"])
    }

    func survey(_ jenkins: FakeJenkins, github: FakeGitHub? = nil, at time: Date? = nil, watch: BusyWatch? = nil) async -> BusyIssue? {
        let github = github ?? FakeGitHub([busyIssue()])
        let watch = watch ?? BusyWatch(service: fakeService(store: store, github: github, jenkins: jenkins))
        return await watch.survey([busyIssue(), issue(2, ["status-05:plan-ready"])], now: time ?? now).first
    }

    func testQueuedRunningAndFinishedBuilds() async throws {
        try recordDispatch(at: now - 600)
        let jenkins = FakeJenkins()
        await jenkins.setQueueItem(QueueItem(id: 7, why: "Waiting for next available executor", cancelled: false, buildNumber: nil, buildURL: nil), id: 7)
        let queued = await survey(jenkins)
        XCTAssertEqual(queued?.build?.state, .queued)
        XCTAssertEqual(queued?.busySince, now - 600 + 2, "busy since the labels moved, from the ledger")
        XCTAssertEqual(queued?.busySinceSource, .ledger)
        XCTAssertEqual(queued?.dispatchedBy, "alice@host (run)")
        XCTAssertNil(queued?.stuck)

        await jenkins.setQueueItem(QueueItem(id: 7, why: nil, cancelled: false, buildNumber: 12, buildURL: "http://j/12/"), id: 7)
        await jenkins.setBuild(JenkinsBuild(number: 12, building: true, result: nil, durationMS: nil, startedAt: now - 300), number: 12)
        let running = await survey(jenkins)
        XCTAssertEqual(running?.build, BuildStatus(state: .running, number: 12))
        XCTAssertEqual(ledger.records().last?.kind, .buildStarted, "the build number is recorded while Jenkins knows the queue item")
        XCTAssertEqual(ledger.records().last?.buildNumber, 12)

        for (result, state) in [("FAILURE", BuildState.failure), ("UNSTABLE", .unstable), ("ABORTED", .aborted), ("SUCCESS", .success)] {
            await jenkins.setBuild(JenkinsBuild(number: 12, building: false, result: result, durationMS: 120_000, startedAt: now - 1500), number: 12)
            let watch = BusyWatch(service: fakeService(store: store, github: FakeGitHub([busyIssue()]), jenkins: jenkins))
            // A fresh ledger note per result: drop the previous one.
            let kept = ledger.records().filter { $0.kind != .buildFinished }
            try FileManager.default.removeItem(at: ledger.url)
            for record in kept { try ledger.append(record) }
            let finished = await survey(jenkins, watch: watch)
            XCTAssertEqual(finished?.build?.state, state, result)
            XCTAssertEqual(finished?.build?.duration, 120)
            XCTAssertEqual(finished?.build?.finishedAt, now - 1500 + 120)
            XCTAssertEqual(finished?.stuck, .buildEnded(state, ago: 1380), "ended 23 minutes ago, past the 10-minute grace")
        }
        XCTAssertEqual(ledger.records().filter { $0.kind == .buildFinished }.map(\.result), ["SUCCESS"])
    }

    func testAFinishedBuildIsAskedOnce() async throws {
        try recordDispatch(buildURL: "http://jenkins/job/Folder/job/Sub/job/Job/12/", at: now - 600)
        let jenkins = FakeJenkins()
        await jenkins.setBuild(JenkinsBuild(number: 12, building: false, result: "FAILURE", durationMS: 5000, startedAt: now - 400), number: 12)
        let first = await survey(jenkins)
        XCTAssertEqual(first?.build?.number, 12, "the number comes from the build URL the dispatch recorded")
        XCTAssertEqual(first?.build?.state, .failure)
        let reads = await jenkins.buildReads
        XCTAssertEqual(reads, 1)
        // A new watch (another process, a later run) reads the ledger's note instead of Jenkins.
        let again = await survey(jenkins)
        XCTAssertEqual(again?.build?.state, .failure)
        XCTAssertEqual(again?.build?.duration, 5)
        let readsAfter = await jenkins.buildReads
        XCTAssertEqual(readsAfter, 1)
    }

    func testARunningBuildIsAskedAtMostEveryThirtySeconds() async throws {
        try recordDispatch(buildURL: "http://jenkins/job/x/12/", at: now - 600)
        let jenkins = FakeJenkins()
        await jenkins.setBuild(JenkinsBuild(number: 12, building: true, result: nil, durationMS: nil, startedAt: now - 400), number: 12)
        let watch = BusyWatch(service: fakeService(store: store, github: FakeGitHub([busyIssue()]), jenkins: jenkins))
        _ = await survey(jenkins, at: now, watch: watch)
        _ = await survey(jenkins, at: now + 29, watch: watch)
        var reads = await jenkins.buildReads
        XCTAssertEqual(reads, 1)
        _ = await survey(jenkins, at: now + 31, watch: watch)
        reads = await jenkins.buildReads
        XCTAssertEqual(reads, 2)
    }

    func testAWatchReadsOnlyWhatWasAppendedAndLearnsWhatOthersNoted() async throws {
        try recordDispatch(buildURL: "http://jenkins/job/x/12/", at: now - 600)
        let jenkins = FakeJenkins()
        await jenkins.setBuild(JenkinsBuild(number: 12, building: true, result: nil, durationMS: nil, startedAt: now - 400), number: 12)
        let watch = BusyWatch(service: fakeService(store: store, github: FakeGitHub([busyIssue()]), jenkins: jenkins))
        let running = await survey(jenkins, at: now, watch: watch)
        XCTAssertEqual(running?.build?.state, .running)

        // Another process notes the build's end: the same watch learns it from the ledger.
        let dispatchID = try XCTUnwrap(ledger.records().last?.dispatchID)
        try ledger.append(HistoryRecord(
            time: now + 10, dispatchID: dispatchID, issue: 1, pickup: "status-05:plan-ready", busy: implementing,
            step: .buildFinished(.init(buildNumber: 12, result: "FAILURE", durationMS: 5000, finishedAt: now - 395))))
        let ended = await survey(jenkins, at: now + 31, watch: watch)
        XCTAssertEqual(ended?.build?.state, .failure)
        XCTAssertEqual(ended?.build?.duration, 5)
        let reads = await jenkins.buildReads
        XCTAssertEqual(reads, 1, "the ledger answered, not Jenkins")

        // A reset of #1 appended later closes the trail: busy-since is no longer ours.
        try ledger.append(.plain(.reset, id: "reset-1", issue: 1, pickup: "status-05:plan-ready", busy: implementing, at: now + 40))
        let reset = await survey(jenkins, at: now + 41, watch: watch)
        XCTAssertNil(reset?.build)
        XCTAssertNotEqual(reset?.busySinceSource, .ledger)
    }

    func testTheLedgerIsReadOnFromWhereTheLastReadStopped() throws {
        func record(_ id: String, _ kind: HistoryStep.Kind) -> HistoryRecord {
            .plain(kind, id: id, issue: 1, pickup: "status-05:plan-ready", busy: implementing, at: now)
        }
        let none = ledger.read(after: nil)
        XCTAssertEqual(none.records, [])
        XCTAssertNil(none.position)
        XCTAssertFalse(none.restarted)

        try ledger.append(record("a", .intent))
        try ledger.append(record("a", .jobStarted))
        let first = ledger.read(after: nil)
        XCTAssertEqual(first.records.map(\.kind), [.intent, .jobStarted])
        XCTAssertFalse(first.restarted)
        XCTAssertEqual(ledger.read(after: first.position).records, [], "nothing new")

        // A line still being written (or torn by a crash) is left for the next read.
        let handle = try FileHandle(forWritingTo: ledger.url)
        handle.seekToEndOfFile()
        handle.write(Data(#"{"dispatch_id":"b","issue":2,"#.utf8))
        try handle.close()
        let partial = ledger.read(after: first.position)
        XCTAssertEqual(partial.records, [])
        XCTAssertEqual(partial.position, first.position)
        try ledger.append(record("c", .done))
        let next = ledger.read(after: partial.position)
        XCTAssertEqual(next.records.map(\.dispatchID), ["c"], "the torn line is skipped, the one after it read")
        XCTAssertFalse(next.restarted)
        XCTAssertEqual(ledger.records().map(\.dispatchID), ["a", "a", "c"], "a read from the start sees the same")

        // Another file in its place is read from its start, and the reader is told.
        try FileManager.default.removeItem(at: ledger.url)
        try ledger.append(record("d", .intent))
        let replaced = ledger.read(after: next.position)
        XCTAssertTrue(replaced.restarted)
        XCTAssertEqual(replaced.records.map(\.dispatchID), ["d"])
        try FileManager.default.removeItem(at: ledger.url)
        let gone = ledger.read(after: replaced.position)
        XCTAssertTrue(gone.restarted)
        XCTAssertEqual(gone.records, [])
    }

    func testCancelledQueueItemAndForgottenOnes() async throws {
        try recordDispatch(at: now - 600)
        let jenkins = FakeJenkins()
        await jenkins.setQueueItem(QueueItem(id: 7, why: nil, cancelled: true, buildNumber: nil, buildURL: nil), id: 7)
        let cancelled = await survey(jenkins)
        XCTAssertEqual(cancelled?.build?.state, .cancelled)
        XCTAssertEqual(cancelled?.stuck, .queueItemCancelled)
        XCTAssertEqual(ledger.records().last?.result, "CANCELLED")

        // Jenkins forgot the queue item: the job's builds say which build it became.
        try FileManager.default.removeItem(at: ledger.url)
        try recordDispatch(queueID: 8, at: now - 600)
        let forgetful = FakeJenkins()
        await forgetful.setBuild(JenkinsBuild(number: 3, building: true, result: nil, durationMS: nil, startedAt: now - 100), number: 3, queueItem: 8)
        let found = await survey(forgetful)
        XCTAssertEqual(found?.build, BuildStatus(state: .running, number: 3))

        // …and when no build came from it either: unknown, stuck.
        try FileManager.default.removeItem(at: ledger.url)
        try recordDispatch(queueID: 9, at: now - 600)
        let lost = await survey(forgetful)
        XCTAssertEqual(lost?.build?.state, .unknown)
        XCTAssertEqual(lost?.stuck, .buildNotFound)
    }

    func testJenkinsDownIsNotStuck() async throws {
        try recordDispatch(at: now - 600)
        let jenkins = FakeJenkins()
        await jenkins.setFailure(.transport(url: "fake", message: "connection refused"))
        let seen = await survey(jenkins)
        XCTAssertNil(seen?.build, "not knowing is not a build state")
        XCTAssertNil(seen?.stuck)
    }

    func testABuildNoteDoesNotHideAnUnfinishedDispatch() throws {
        // An older dispatch, done; a newer one whose labels have not moved.
        try recordDispatch(at: now - 7200)
        let older = ledger.records()[0].dispatchID
        try ledger.append(HistoryRecord(
            time: now - 60, dispatchID: "newer", issue: 1, pickup: "status-05:plan-ready", busy: implementing,
            step: .jobStarted(queueID: 9, merged: false)))
        try ledger.append(HistoryRecord(
            time: now, dispatchID: older, issue: 1, pickup: "status-05:plan-ready", busy: implementing,
            step: .buildFinished(.init(buildNumber: 2, result: "SUCCESS"))))
        XCTAssertEqual(ledger.projection().unfinishedDispatch(issue: 1, pickup: "status-05:plan-ready")?.dispatchID, "newer")
        // A note on the unfinished dispatch itself leaves it unfinished too.
        try ledger.append(HistoryRecord(
            time: now, dispatchID: "newer", issue: 1, pickup: "status-05:plan-ready", busy: implementing, step: .buildStarted(buildNumber: 3)))
        XCTAssertNotNil(ledger.projection().unfinishedDispatch(issue: 1, pickup: "status-05:plan-ready"))
        // The recent view keeps the step and adds the build.
        let recent = ledger.projection().recent(limit: 5)
        XCTAssertEqual(recent.first { $0.dispatchID == older }?.lastStep, .done)
        XCTAssertEqual(recent.first { $0.dispatchID == older }?.buildEnd?.result, "SUCCESS")
    }

    // MARK: Busy since, from GitHub's label events

    func testBusySinceComesFromIssueEventsWhenWeDidNotDispatchIt() async throws {
        let github = FakeGitHub([busyIssue()])
        await github.setEvents(1, [
            IssueLabelEvent(action: .labeled, label: implementing, at: now - 9000, actor: "bot"),
            IssueLabelEvent(action: .unlabeled, label: implementing, at: now - 8000, actor: "bot"),
            IssueLabelEvent(action: .labeled, label: "bug", at: now - 7500, actor: "alice"),
            IssueLabelEvent(action: .labeled, label: implementing, at: now - 7300, actor: "bot"),
        ])
        let watch = BusyWatch(service: fakeService(store: store, github: github, jenkins: FakeJenkins()))
        let seen = await watch.survey([busyIssue()], now: now).first
        XCTAssertEqual(seen?.busySince, now - 7300, "the last labeled event of the busy label")
        XCTAssertEqual(seen?.busySinceSource, .events)
        XCTAssertNil(seen?.build)
        XCTAssertEqual(seen?.stuck, .overTimeout(busyFor: 7300, limit: 7200), "implement's timeout is 120 minutes")
        // Asked in one batched lookup, and remembered until the issue's updated_at changes.
        _ = await watch.survey([busyIssue()], now: now)
        var calls = await github.lastLabeledCalls
        XCTAssertEqual(calls, [[1]])
        _ = await watch.survey([issue(1, [implementing], updated: "2026-11-25T09:00:00Z")], now: now)
        calls = await github.lastLabeledCalls
        XCTAssertEqual(calls, [[1], [1]])
        let restCalls = await github.eventCalls
        XCTAssertEqual(restCalls, 0, "the REST events only for what the batch cannot answer")
    }

    func testOnlyOpenIssuesWithABusyLabelAreSurveyedStuckFirst() async throws {
        let github = FakeGitHub()
        await github.set(issue(3, ["status-03:planning"]))
        await github.setEvents(3, [IssueLabelEvent(action: .labeled, label: "status-03:planning", at: now - 60, actor: "bot")])
        await github.set(issue(5, ["status-09:pr-creating"]))
        await github.setEvents(5, [IssueLabelEvent(action: .labeled, label: "status-09:pr-creating", at: now - 3600, actor: "bot")])
        let watch = BusyWatch(service: fakeService(store: store, github: github, jenkins: FakeJenkins()))
        let seen = await watch.survey([
            issue(3, ["status-03:planning"]), issue(4, ["status-06:implementing"], state: .closed),
            issue(5, ["status-09:pr-creating"]), issue(6, ["status-02:awaiting-planning"]),
        ], now: now)
        XCTAssertEqual(seen.map(\.number), [5, 3])
        XCTAssertEqual(seen.map(\.isStuck), [true, false])
    }

    // MARK: Unstick

    func testUnstickToPickupMovesLabelsCacheAndLedger() async throws {
        let github = FakeGitHub([busyIssue()])
        try store.save(IssueCache(issues: [1: busyIssue()]))
        let service = fakeService(store: store, github: github, jenkins: FakeJenkins())
        XCTAssertEqual(try service.unstickMove(busyLabel: implementing, to: .pickup), LabelMove(remove: implementing, add: "status-05:plan-ready"))
        let result = try await service.unstick(issueNumber: 1, to: .pickup, by: "op@host (console)")
        XCTAssertEqual(result.move.summary, "status-06:implementing → status-05:plan-ready")
        XCTAssertEqual(Set(result.labels), ["bug", "status-05:plan-ready"])
        XCTAssertTrue(result.cacheUpdated)
        let cached = try await service.readCache().cache.issues[1]
        XCTAssertEqual(Set(cached?.labels ?? []), ["bug", "status-05:plan-ready"])
        let reset = try XCTUnwrap(ledger.records().last)
        XCTAssertEqual(reset.kind, .reset)
        XCTAssertEqual(reset.by, "op@host (console)")
        XCTAssertEqual(reset.busy, implementing)
        // Eligible again: the next run dispatches it.
        XCTAssertEqual(service.rules.classify(try XCTUnwrap(cached)).route?.pickupLabel, "status-05:plan-ready")
        // The reset closes the old dispatch's trail: nothing stays busy on its account.
        XCTAssertNil(ledger.projection().trail(issue: 1))
    }

    func testUnstickToFailureAndRefusals() async throws {
        let github = FakeGitHub([busyIssue(), issue(2, ["status-05:plan-ready"]), issue(3, [implementing], state: .closed)])
        let service = fakeService(store: store, github: github, jenkins: FakeJenkins())
        let result = try await service.unstick(issueNumber: 1, to: .failure, by: "op")
        XCTAssertEqual(result.move, LabelMove(remove: implementing, add: "status-06f:implementing-failed"))
        XCTAssertFalse(result.cacheUpdated, "not cached: nothing written, the move stands")
        let labels = try await github.issue(number: 1).labels
        XCTAssertEqual(Set(labels), ["bug", "status-06f:implementing-failed"])

        do {
            _ = try await service.unstick(issueNumber: 2, to: .pickup, by: "op")
            XCTFail("an issue without a busy label is refused")
        } catch let error as UnstickError {
            XCTAssertEqual(error, .notBusy(issue: 2, labels: ["status-05:plan-ready"]))
        }
        do {
            _ = try await service.unstick(issueNumber: 3, to: .pickup, by: "op")
            XCTFail("a closed issue is refused")
        } catch let error as UnstickError {
            XCTAssertEqual(error, .closed(issue: 3))
        }
        XCTAssertThrowsError(try service.unstickMove(busyLabel: "status-99:unknown", to: .pickup))
        let writes = await github.labelCalls
        XCTAssertEqual(writes, 2, "only the first unstick wrote")
    }
}
