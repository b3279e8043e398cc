import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class DispatchReducerTests: XCTestCase {
    private let move109 = LabelMove(remove: "status-08:ready-pr", add: "status-09:pr-creating")

    func testDAsksForAConfirmationNamingTheIssueTheJobAndTheLabelMove() {
        var state = Fixtures.loadedState()
        XCTAssertEqual(press(&state, .char("d")), [])
        XCTAssertEqual(state.modal, .confirmDispatch(
            repo: "demo", jobPath: "Coordinator/demo/executor",
            issues: [DispatchCandidate(number: 109, title: "Open PR for lock handling", labelMove: move109, workflow: .createPR)]))
    }

    func testYConfirmsTheDispatchAndMarksTheRowInFlight() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"))
        XCTAssertEqual(press(&state, .char("y")), [.dispatch(repo: "demo", issues: [109])])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.currentRepo?.dispatches[109], .inFlight)
        XCTAssertEqual(state.currentRepo?.selectedRow?.marker, .dispatched)
        XCTAssertEqual(state.currentRepo?.busy, 1)
        XCTAssertEqual(state.runningTasks.map(\.message), ["dispatching #109"])
    }

    func testADispatchWaitingForTheLockSaysForWhomInsteadOfLookingFrozen() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"))
        press(&state, .char("y"))
        var expected = state
        let cron = RepoLock.Holder(pid: 4242, host: "build-host", command: "coordinator run --all", since: Fixtures.t0)
        XCTAssertEqual(reduce(&state, .lockWaiting(repo: "demo", holder: cron)), [])
        let key = TaskKey(.dispatch, repo: "demo", issue: 109)
        expected.running[key]?.message = "dispatching #109: waiting for a run of PID 4242 on build-host (coordinator run --all)"
        XCTAssertEqual(state, expected, "only the task's words change")
        XCTAssertTrue(render(state, size: state.size).plainText.contains("waiting for a run of PID 4242 on build-host"))
        XCTAssertEqual(reduce(&state, .lockWaiting(repo: "other", holder: nil)), [])
        XCTAssertEqual(state, expected, "another repo's wait changes nothing here")
    }

    func testNoIsTheDefaultEveryOtherKeyCancels() {
        for key: Key in [.char("n"), .escape, .enter, .char("Y"), .char("d"), .char(" ")] {
            var state = Fixtures.loadedState()
            press(&state, .char("d"))
            XCTAssertEqual(press(&state, key), [], key.label)
            XCTAssertNil(state.modal, key.label)
            XCTAssertNil(state.currentRepo?.dispatches[109], key.label)
            XCTAssertEqual(state.result?.message, "dispatch cancelled", key.label)
        }
    }

    func testAConflictIsNotOfferedForDispatch() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"), .char("v"), .char("v"), .char("/"))
        type(&state, "Half-moved")
        press(&state, .enter)
        XCTAssertEqual(state.selectedNumber, 113)
        XCTAssertEqual(press(&state, .char("d")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.kind, .notice)
        XCTAssertTrue(state.result!.message.hasPrefix("#113 cannot be dispatched: conflict"), state.result!.message)
    }

    func testADispatchedIssueUpdatesItsLabelsReloadsTheCacheAndIsRefusedAfterwards() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        let at = Fixtures.t0.addingTimeInterval(20)
        let effects = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(Fixtures.receipt109), at: at))
        XCTAssertEqual(effects, [.loadCache(repo: "demo"), .fetchRateLimit])
        let repo = state.currentRepo!
        XCTAssertEqual(repo.dispatches[109], .dispatched(Fixtures.receipt109, at: at))
        XCTAssertEqual(repo.live?[109]?.labels, ["status-09:pr-creating"])
        XCTAssertEqual(repo.busy, 0)
        XCTAssertEqual(state.result?.kind, .success)
        XCTAssertEqual(state.result?.message, "dispatched #109 (queue item 7); labels moved, cache updated")
        // Still listed with its arrow, and the cursor stays on it.
        XCTAssertEqual(state.selectedNumber, 109)
        XCTAssertEqual(state.selectedRow?.marker, .dispatched)

        // The core wrote the cache; reading it back shows the new labels.
        var cached = Fixtures.byNumber(Fixtures.cached)
        cached[109]?.labels = ["status-09:pr-creating"]
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: cached))))
        XCTAssertEqual(state.selectedRow?.cachedStatus, "status-09:pr-creating")
        XCTAssertEqual(state.selectedRow?.diff, .inSync)

        XCTAssertEqual(press(&state, .char("d")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.message, "#109 cannot be dispatched: not eligible: a bot is busy ('status-09:pr-creating')")
    }

    func testAFailedDispatchIsAnErrorThatStaysUntilDismissed() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        let failure = DispatchFailure(issueNumber: 109, stage: .jenkins, message: "Jenkins answered 500", jobStarted: false)
        _ = reduce(&state, .dispatchFinished(repo: "demo", .failed(failure), at: Fixtures.t0))
        XCTAssertEqual(state.currentRepo?.dispatches[109], .failed(failure))
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.result?.message, "dispatch #109 failed: jenkins: Jenkins answered 500")
        XCTAssertEqual(state.currentRepo?.counts.errors, 1)
        _ = reduce(&state, .tick(Fixtures.t0.addingTimeInterval(600)))
        XCTAssertEqual(state.result?.kind, .failure, "errors do not fade")
        // The issue is still eligible: nothing moved.
        XCTAssertEqual(state.selectedRow?.eligibility.route?.workflow, .createPR)
        press(&state, .escape)
        XCTAssertNil(state.result)
    }

    func testASkippedDispatchIsANoticeAndRefreshesTheRepo() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        let effects = reduce(&state, .dispatchFinished(repo: "demo", .skipped(issue: 109, reason: .noLinkedBranch), at: Fixtures.t0))
        XCTAssertEqual(effects, [.loadCache(repo: "demo"), .fetchRateLimit, .fetchLive(repo: "demo")])
        XCTAssertEqual(state.result?.kind, .notice)
        XCTAssertEqual(state.currentRepo?.dispatches[109], .skipped(.noLinkedBranch))
        // The refresh it started does not wipe the notice: the operator reads why nothing happened.
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(Fixtures.live), at: Fixtures.t0))
        XCTAssertEqual(state.result?.kind, .notice)
        XCTAssertTrue(state.result?.message.hasPrefix("skipped #109: ") == true, "\(String(describing: state.result))")
        // Once it faded, a refresh reports as ever.
        _ = reduce(&state, .tick(state.now.addingTimeInterval(TaskResult.fadeSeconds + 1)))
        press(&state, .char("r"))
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(Fixtures.live), at: Fixtures.t0))
        XCTAssertEqual(state.result?.kind, .success)
        XCTAssertTrue(state.result?.message.hasPrefix("demo: 7 open issues live") == true, "\(String(describing: state.result))")
    }

    func testACacheWarningMakesASuccessfulDispatchAnError() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        var receipt = Fixtures.receipt109
        receipt.cacheUpdated = false
        receipt.cacheWarning = "disk full"
        _ = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(receipt), at: Fixtures.t0))
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.result?.message, "dispatched #109 (queue item 7); cache not updated: disk full")
    }

    func testShiftDListsEveryEligibleIssueInDispatchOrderAndDispatchesThemAll() {
        var state = Fixtures.loadedState()
        press(&state, .char("D"))
        guard case let .confirmDispatch(repo, _, issues)? = state.modal else { return XCTFail("no confirmation") }
        XCTAssertEqual(repo, "demo")
        XCTAssertEqual(issues.map(\.number), [109, 104, 101, 102, 130])
        XCTAssertEqual(press(&state, .char("y")), [.dispatch(repo: "demo", issues: [109, 104, 101, 102, 130])])
        XCTAssertEqual(state.currentRepo?.busy, 5)
    }

    func testShiftDWithNothingEligibleSaysSo() {
        var state = Fixtures.loadedState()
        press(&state, .char("h"), .char("j"), .char("D"))
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.message, "tools: no eligible issue to dispatch")
    }

    func testReadOnlyRefusesDispatchDispatchAllAndSync() {
        var state = Fixtures.loadedState(readOnly: true)
        for key: Key in [.char("d"), .char("D"), .char("s")] {
            XCTAssertEqual(press(&state, key), [], key.label)
            XCTAssertNil(state.modal, key.label)
            XCTAssertEqual(state.result?.kind, .notice)
            XCTAssertTrue(state.result!.message.hasPrefix("read-only:"), state.result!.message)
        }
        XCTAssertEqual(press(&state, .char("r")), [.fetchLive(repo: "demo")], "reading stays allowed")
    }
}
