import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// Marks (`Space`) and the bulk `D` and `u` on them: one confirmation listing each move and each
/// skipped issue, the single actions' path, a summary in the footer when the last result is in.
final class MarksReducerTests: XCTestCase {
    private let pickup103 = LabelMove(remove: "status-03:planning", add: "status-02:awaiting-planning")
    private let pickup111 = LabelMove(remove: "status-09:pr-creating", add: "status-08:ready-pr")

    private func unstuck(_ number: Int, _ move: LabelMove) -> UnstickResult {
        UnstickResult(issueNumber: number, move: move, labels: [move.add], cacheUpdated: true)
    }

    func testSpaceMarksTheSelectedRowAndMovesDownAndAgainUnmarks() {
        var state = Fixtures.surveyedBusyState()
        XCTAssertEqual(state.listed, [103, 111, 107, 113])
        press(&state, .char(" "))
        XCTAssertEqual(state.repos[0].marked, [103])
        XCTAssertEqual(state.selectedNumber, 111)
        press(&state, .char(" "), .char("k"), .char("k"), .char(" "))
        XCTAssertEqual(state.repos[0].marked, [111], "the second Space on #103 unmarks it")
        press(&state, .char("G"), .char(" "))
        XCTAssertEqual(state.repos[0].marked, [111, 113])
        XCTAssertEqual(state.selectedNumber, 113, "the last row stays selected")
    }

    func testMarksBelongToTheirRepoSurviveViewChangesAndEscClearsThem() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char(" "), .char(" "))
        press(&state, .char("v"))
        XCTAssertEqual(state.view, .all)
        XCTAssertEqual(state.repos[0].marked, [103, 111], "a view change keeps the marks")
        press(&state, .char("h"), .char("j"))
        XCTAssertEqual(state.currentRepo?.name, "tools")
        XCTAssertFalse(state.hasMarks, "marks are per repository")
        press(&state, .char("k"), .right)
        XCTAssertEqual(state.focus, .issues)
        press(&state, .escape)
        XCTAssertEqual(state.repos[0].marked, [])
        XCTAssertEqual(state.result?.message, "demo: 2 marks cleared")
    }

    func testEscDismissesAnErrorBeforeItClearsTheMarks() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char(" "))
        state.report(.failure, "something broke")
        press(&state, .escape)
        XCTAssertNil(state.result)
        XCTAssertEqual(state.repos[0].marked, [103])
    }

    func testUWithMarksAsksTheTargetOnceThenConfirmsEachMoveAndNamesTheSkipped() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char(" "), .char(" "))
        press(&state, .char("v"), .char("g"))
        XCTAssertEqual(state.selectedNumber, 1)
        press(&state, .char(" "))
        XCTAssertEqual(state.repos[0].marked, [1, 103, 111])

        XCTAssertEqual(press(&state, .char("u")), [])
        guard case let .chooseMarkedUnstick(marked)? = state.modal else { return XCTFail("no choice: \(String(describing: state.modal))") }
        XCTAssertEqual(marked.requests.map(\.number), [103, 111])
        XCTAssertEqual(marked.skipped, [SkippedIssue(number: 1, reason: "carries no busy label")])

        XCTAssertEqual(press(&state, .char("p")), [])
        XCTAssertEqual(state.modal, .confirmMarkedUnstick(
            marked, target: .pickup,
            moves: [
                MarkedMove(number: 103, title: "Retry GitHub requests on 502", move: pickup103),
                MarkedMove(number: 111, title: "PR being created for timeouts", move: pickup111),
            ],
            skipped: [SkippedIssue(number: 1, reason: "carries no busy label")]))

        XCTAssertEqual(press(&state, .char("y")), [.unstick(repo: "demo", issues: [103, 111], to: .pickup)], "one effect, one issue after another")
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.runningTasks.map(\.message), ["unsticking #103 (back to pickup)", "unsticking #111 (back to pickup)"])

        _ = reduce(&state, .unstickFinished(repo: "demo", issue: 103, .success(unstuck(103, pickup103)), at: state.now))
        XCTAssertEqual(state.result?.message, "#103 unstuck: status-03:planning → status-02:awaiting-planning; cache updated")
        XCTAssertNotNil(state.bulk["demo"], "one result is still to come")
        _ = reduce(&state, .unstickFinished(repo: "demo", issue: 111, .success(unstuck(111, pickup111)), at: state.now))
        XCTAssertNil(state.bulk["demo"])
        XCTAssertEqual(state.result?.message, "unstuck 2 of 3: #103 #111; skipped: #1")
        XCTAssertEqual(state.repos[0].marked, [1], "the moved issues are unmarked, the skipped one stays marked")
    }

    func testABulkUnstickNamesWhatFailedAndKeepsItMarked() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char(" "), .char(" "), .char("u"), .char("p"), .char("y"))
        _ = reduce(&state, .unstickFinished(repo: "demo", issue: 103, .failure(ConsoleFailure("the issue changed")), at: state.now))
        _ = reduce(&state, .unstickFinished(repo: "demo", issue: 111, .success(unstuck(111, pickup111)), at: state.now))
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.result?.message, "unstuck 1 of 2: #111; not moved: #103 (the issue changed)")
        XCTAssertEqual(state.repos[0].marked, [103])
    }

    func testAnyOtherKeyCancelsTheBulkUnstickAndTheMarksStay() {
        var state = Fixtures.surveyedBusyState()
        press(&state, .char(" "), .char(" "), .char("u"), .char("p"))
        XCTAssertEqual(press(&state, .char("n")), [])
        XCTAssertNil(state.modal)
        XCTAssertNil(state.bulk["demo"])
        XCTAssertEqual(state.repos[0].marked, [103, 111])
        XCTAssertEqual(state.result?.message, "unstick cancelled")
    }

    func testUWithOnlyIssuesThatAreNotBusyMarkedOpensNothing() {
        var state = Fixtures.loadedState()
        press(&state, .char(" "))
        XCTAssertEqual(press(&state, .char("u")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.message, "none of the 1 marked issue carries a busy label: nothing to unstick")
    }

    func testDWithMarksDispatchesTheMarkedEligibleOnesAndListsTheOthersAsSkipped() throws {
        var state = Fixtures.loadedState()
        let eligible = state.listed
        XCTAssertGreaterThanOrEqual(eligible.count, 3)
        press(&state, .char(" "), .char("j"), .char(" "))
        let first = eligible[0], third = eligible[2]
        XCTAssertEqual(state.repos[0].marked, [first, third])
        // The overview issue, marked in the all view, is not eligible.
        press(&state, .char("v"), .char("v"), .char("v"), .char("g"))
        XCTAssertEqual(state.view, .all)
        XCTAssertEqual(state.selectedNumber, 1)
        press(&state, .char(" "))

        XCTAssertEqual(press(&state, .char("D")), [])
        guard case let .confirmMarkedDispatch(repo, _, issues, skipped)? = state.modal else {
            return XCTFail("no confirmation: \(String(describing: state.modal))")
        }
        XCTAssertEqual(repo, "demo")
        XCTAssertEqual(issues.map(\.number), [first, third], "the marked eligible ones in dispatch order, nothing else")
        XCTAssertEqual(skipped, [SkippedIssue(number: 1, reason: "not eligible: ignore label 'Overview'")])

        XCTAssertEqual(press(&state, .char("y")), [.dispatch(repo: "demo", issues: [first, third])], "the path D takes for all eligible")
        for number in [first, third] {
            var receipt = Fixtures.receipt109
            receipt.issueNumber = number
            _ = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(receipt), at: state.now))
        }
        XCTAssertEqual(state.result?.message, "dispatched 2 of 3: #\(first) #\(third); skipped: #1")
        XCTAssertEqual(state.repos[0].marked, [1])
    }

    func testDWithoutMarksStillAsksForEveryEligibleIssue() {
        var state = Fixtures.loadedState()
        press(&state, .char("D"))
        guard case let .confirmDispatch(_, _, issues)? = state.modal else { return XCTFail("no confirmation") }
        XCTAssertEqual(issues.map(\.number).sorted(), state.listed.sorted())
    }

    func testReadOnlyRefusesTheBulkActionsButMarksAreAllowed() {
        var state = Fixtures.surveyedBusyState(readOnly: true)
        press(&state, .char(" "))
        XCTAssertEqual(state.repos[0].marked, [103])
        XCTAssertEqual(press(&state, .char("u"), .char("D")), [])
        XCTAssertNil(state.modal)
        XCTAssertEqual(state.result?.message, "read-only: dispatch is disabled (started with --read-only)")
    }

    func testTheStaleAndHistoryViewsSetNoMarks() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char(" "))
        XCTAssertEqual(state.view, .stale)
        XCTAssertTrue(state.repos.allSatisfy { $0.marked.isEmpty })
        XCTAssertEqual(state.result?.message, "marks are set in the eligible, busy and all views")
    }
}
