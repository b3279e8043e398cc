import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The busy view and unstick: `v` reaches it, it surveys builds, `u` → choose → confirm → effect.
final class BusyViewReducerTests: XCTestCase {
    private let pickup111 = LabelMove(remove: "status-09:pr-creating", add: "status-08:ready-pr")
    private let failure111 = LabelMove(remove: "status-09:pr-creating", add: "status-09f:pr-creating-failed")

    private func demoIssues(_ state: ConsoleState) -> [Issue] {
        state.repos[0].live!.values.sorted { $0.number < $1.number }
    }

    func testVCyclesEligibleStaleBusyAndAllAndTheBusyViewSurveysEveryRepo() {
        var state = Fixtures.busyState()
        XCTAssertEqual(press(&state, .char("v")).filter { if case .surveyBusy = $0 { return true } else { return false } }, [])
        XCTAssertEqual(state.view, .stale)
        let effects = press(&state, .char("v"))
        XCTAssertEqual(state.view, .busy)
        XCTAssertEqual(effects, [.surveyBusy(repo: "demo", issues: demoIssues(state)), .surveyBusy(repo: "tools", issues: [])])
        XCTAssertTrue(state.repos.allSatisfy(\.surveying))
        XCTAssertEqual(press(&state, .char("v")), [])
        XCTAssertEqual(state.view, .all)
        press(&state, .char("v"))
        XCTAssertEqual(state.view, .eligible)
    }

    func testBeforeTheSurveyTheBusyIssuesAreListedByNumberThenStuckFirst() {
        var state = Fixtures.busyState()
        press(&state, .char("v"), .char("v"))
        XCTAssertEqual(state.listed, [103, 107, 111, 113], "every open issue with a busy label, the conflict too")
        _ = reduce(&state, .busySurveyed(repo: "demo", Fixtures.busySurvey, at: state.now))
        XCTAssertEqual(state.listed, [103, 111, 107, 113])
        XCTAssertFalse(state.repos[0].surveying)
        XCTAssertEqual(state.repos[0].busySurvey?.stuckCount, 2)
    }

    func testWhileTheBusyViewIsShownTheTickSurveysAgain() {
        var state = Fixtures.surveyedBusyState()
        let start = state.now
        XCTAssertEqual(reduce(&state, .tick(start.addingTimeInterval(5))), [], "not yet")
        let effects = reduce(&state, .tick(start.addingTimeInterval(10)))
        XCTAssertEqual(effects, [.surveyBusy(repo: "demo", issues: demoIssues(state)), .surveyBusy(repo: "tools", issues: [])])
        XCTAssertEqual(reduce(&state, .tick(start.addingTimeInterval(25))), [], "a survey under way is not started twice")
        press(&state, .char("v"))
        _ = reduce(&state, .busySurveyed(repo: "demo", Fixtures.busySurvey, at: state.now))
        _ = reduce(&state, .busySurveyed(repo: "tools", [], at: state.now))
        XCTAssertEqual(reduce(&state, .tick(start.addingTimeInterval(60))), [], "no survey outside the busy view")
    }

    func testALiveRefreshInTheBusyViewSurveysThatRepo() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("r"))
        let effects = reduce(&state, .liveLoaded(repo: "demo", .success(Fixtures.live + Fixtures.busyIssues), at: state.now))
        XCTAssertTrue(effects.contains(.surveyBusy(repo: "demo", issues: demoIssues(state))), "\(effects)")
    }

    func testUOpensAChoiceNamingBothMoves() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("j"))
        XCTAssertEqual(state.selectedNumber, 111)
        XCTAssertEqual(press(&state, .char("u")), [])
        XCTAssertEqual(state.modal, .chooseUnstick(UnstickRequest(
            repo: "demo", number: 111, title: "PR being created for timeouts", busyLabel: "status-09:pr-creating",
            stuck: .buildEnded(.failure, ago: 30 * 60), pickup: .move(pickup111), failure: .move(failure111))))
    }

    func testChoosingThePickupLabelAsksToConfirmTheExactMoveAndYRunsIt() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("j"), .char("u"))
        guard case let .chooseUnstick(request)? = state.modal else { return XCTFail("no choice") }
        XCTAssertEqual(press(&state, .char("p")), [])
        XCTAssertEqual(state.modal, .confirmUnstick(request, target: .pickup, move: pickup111))
        XCTAssertTrue(render(state, size: state.size).plainText.contains("#111 status-09:pr-creating → status-08:ready-pr"))
        XCTAssertEqual(press(&state, .char("y")), [.unstick(repo: "demo", issues: [111], to: .pickup)])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.runningTasks.map(\.message), ["unsticking #111 (back to pickup)"])
        XCTAssertEqual(state.repos[0].busy, 1)
    }

    func testChoosingTheFailureLabelConfirmsThatMove() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("j"), .char("u"), .char("f"))
        guard case let .confirmUnstick(_, target, move)? = state.modal else { return XCTFail("no confirmation") }
        XCTAssertEqual(target, .failure)
        XCTAssertEqual(move, failure111)
        XCTAssertEqual(press(&state, .char("y")), [.unstick(repo: "demo", issues: [111], to: .failure)])
    }

    func testNoIsTheDefaultAtTheChoiceAndAtTheConfirmation() {
        for key: Key in [.char("n"), .escape, .enter, .char("y"), .char("u"), .char(" ")] {
            var state = Fixtures.surveyedBusyState()
            press(&state, .char("j"), .char("u"))
            XCTAssertEqual(press(&state, key), [], key.label)
            XCTAssertNil(state.modal, key.label)
            XCTAssertEqual(state.result?.message, "unstick cancelled", key.label)
        }
        for key: Key in [.char("n"), .escape, .enter, .char("Y"), .char("p"), .char("u"), .char(" ")] {
            var state = Fixtures.surveyedBusyState()
            press(&state, .char("j"), .char("u"), .char("p"))
            XCTAssertEqual(press(&state, key), [], key.label)
            XCTAssertNil(state.modal, key.label)
            XCTAssertEqual(state.result?.message, "unstick cancelled", key.label)
            XCTAssertEqual(state.runningTasks, [], key.label)
        }
    }

    func testATargetWithNowhereToGoSaysWhyAndMovesNothing() {
        var state = Fixtures.surveyedBusyState()
        state.repos[0].repo.unstickMoves["status-09:pr-creating"]?[.failure] = .unavailable("workflow create-pr has no failure label")
        press(&state, .char("j"), .char("u"))
        XCTAssertEqual(press(&state, .char("f")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.message, "#111 cannot be unstuck that way: workflow create-pr has no failure label")
    }

    func testAnIssueThatIsNotStuckMayBeUnstuckToo() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("j"), .char("j"))
        XCTAssertEqual(state.selectedNumber, 107)
        press(&state, .char("u"))
        guard case let .chooseUnstick(request)? = state.modal else { return XCTFail("no choice") }
        XCTAssertNil(request.stuck)
        XCTAssertEqual(request.pickup, .move(LabelMove(remove: "status-06:implementing", add: "status-05:plan-ready")))
    }

    func testUOnAnIssueWithoutABusyLabelSaysSo() {
        var state = Fixtures.busyState()
        XCTAssertEqual(state.selectedNumber, 109)
        XCTAssertEqual(press(&state, .char("u")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.message, "#109 carries no busy label: nothing to unstick")
    }

    func testReadOnlyRefusesUnstick() {
        var state = Fixtures.surveyedBusyState(readOnly: true)
        press(&state, .char("j"))
        XCTAssertEqual(press(&state, .char("u")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.kind, .notice)
        XCTAssertEqual(state.result?.message, "read-only: unstick is disabled (started with --read-only)")
    }

    func testAFinishedUnstickLandsInTheFooterAndTheRowsAreReadAgain() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("j"), .char("u"), .char("p"), .char("y"))
        let effects = reduce(&state, .unstickFinished(repo: "demo", issue: 111, .success(Fixtures.unstuck111), at: state.now))
        XCTAssertEqual(state.repos[0].live?[111]?.labels, ["status-08:ready-pr"], "GitHub's answer")
        XCTAssertEqual(effects, [.loadCache(repo: "demo"), .fetchRateLimit, .surveyBusy(repo: "demo", issues: demoIssues(state))])
        XCTAssertEqual(state.result?.kind, .success)
        XCTAssertEqual(state.result?.message, "#111 unstuck: status-09:pr-creating → status-08:ready-pr; cache updated")
        XCTAssertEqual(state.repos[0].busy, 0)
        XCTAssertEqual(state.runningTasks.map(\.message), ["reading demo cache"])
        XCTAssertEqual(state.listed, [103, 107, 113], "no longer busy")
        press(&state, .char("v"), .char("v"))
        XCTAssertEqual(state.view, .eligible)
        XCTAssertEqual(Array(state.listed.prefix(2)), [109, 111], "eligible again: create-pr, by number")
    }

    func testAFailedUnstickIsAnErrorThatStays() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("j"), .char("u"), .char("p"), .char("y"))
        let effects = reduce(&state, .unstickFinished(repo: "demo", issue: 111, .failure(ConsoleFailure("GitHub answered 502")), at: state.now))
        XCTAssertEqual(effects, [.loadCache(repo: "demo"), .fetchRateLimit, .fetchLive(repo: "demo")])
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.result?.message, "unstick #111 failed: GitHub answered 502")
        XCTAssertEqual(state.runningTasks.map(\.message), ["reading demo cache", "refreshing demo"])
        XCTAssertTrue(state.listed.contains(111), "nothing moved")
    }

    func testAnUnstickInFlightIsNotAskedTwice() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char("j"), .char("u"), .char("p"), .char("y"))
        XCTAssertEqual(press(&state, .char("u")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.message, "#111 is being unstuck")
    }
}
