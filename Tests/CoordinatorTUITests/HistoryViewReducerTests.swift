import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The history view (`H`) and links (`o`), as pure reducer steps.
final class HistoryViewReducerTests: XCTestCase {
    private func listed(_ state: ConsoleState) -> [String] {
        state.history?.rows.map { "\($0.repo)#\($0.issue) \($0.ended)" } ?? []
    }

    func testHOpensTheHistoryAndAsksForItOffTheUIThread() {
        var state = Fixtures.loadedState()
        let effects = press(&state, .char("H"))
        XCTAssertEqual(effects, [.loadHistory])
        XCTAssertEqual(state.history?.loading, true)
        XCTAssertEqual(state.runningTasks.map(\.message), ["reading the history"])
        _ = reduce(&state, .historyLoaded(.success(HistoryAudit(entries: Fixtures.historyEntries)), at: Fixtures.t0))
        XCTAssertTrue(state.runningTasks.isEmpty)
        XCTAssertEqual(listed(state), ["demo#111 unstick", "demo#118 unfinished", "demo#104 failed", "demo#101 done"], "newest first")
        XCTAssertEqual(state.history?.selected?.by, "ops@desk (console)")
    }

    func testMovesWalkTheHistoryAndEnterShowsTheDetailEscGoesBack() {
        var state = Fixtures.historyState()
        press(&state, .char("j"), .char("j"))
        XCTAssertEqual(state.history?.selected?.issue, 104)
        press(&state, .char("G"))
        XCTAssertEqual(state.history?.selected?.issue, 101)
        press(&state, .char("g"))
        XCTAssertEqual(state.history?.selected?.issue, 111)
        XCTAssertEqual(state.selectedNumber, state.selectedNumber, "the issues' cursor is not moved")
        press(&state, .enter)
        XCTAssertEqual(state.focus, .detail)
        press(&state, .char("j"))
        XCTAssertEqual(state.detailScroll, 1, "in the detail the moves scroll it")
        XCTAssertEqual(state.history?.selected?.issue, 111)
        press(&state, .escape)
        XCTAssertEqual(state.focus, .issues)
        XCTAssertNotNil(state.history)
        press(&state, .escape)
        XCTAssertNil(state.history, "Esc on the list closes the view")
    }

    func testHClosesTheHistoryAndTheViewIsReadAfreshWhenOpenedAgain() {
        var state = Fixtures.historyState()
        press(&state, .char("H"))
        XCTAssertNil(state.history)
        XCTAssertEqual(press(&state, .char("H")), [.loadHistory])
        XCTAssertEqual(state.history?.rows, [])
        XCTAssertEqual(press(&state, .char("r")), [], "already being read")
    }

    func testTheFilterNarrowsTheHistoryByWhoWhatAndOutcome() {
        var state = Fixtures.historyState()
        press(&state, .char("/"))
        type(&state, "(run)")
        XCTAssertEqual(listed(state), ["demo#101 done"])
        press(&state, .escape)
        XCTAssertEqual(listed(state).count, 4)
        press(&state, .char("/"))
        type(&state, "failed")
        press(&state, .enter)
        XCTAssertEqual(listed(state), ["demo#104 failed"])
        XCTAssertEqual(state.filter, "failed")
    }

    func testWritesWaitUntilTheHistoryIsClosed() {
        var state = Fixtures.historyState()
        for key in ["d", "D", "s", "u", "p", "v"] {
            XCTAssertEqual(press(&state, .char(Character(key))), [], key)
            XCTAssertNil(state.modal, key)
        }
        XCTAssertEqual(state.result?.message, "the history view only reads: Esc or H goes back to the issues")
        XCTAssertEqual(state.view, .eligible)
    }

    func testAFailedReadSaysSoAndKeepsTheViewOpen() {
        var state = Fixtures.loadedState()
        press(&state, .char("H"))
        _ = reduce(&state, .historyLoaded(.failure(ConsoleFailure("permission denied")), at: Fixtures.t0))
        XCTAssertEqual(state.history?.error, "permission denied")
        XCTAssertEqual(state.result?.kind, .failure)
    }

    // MARK: o

    func testOWithoutADisplayShowsTheIssueURLInTheFooter() {
        var state = Fixtures.loadedState()
        state.repos[0].live?[109]?.url = "https://github.com/acme/demo/issues/109"
        XCTAssertEqual(state.selectedNumber, 109)
        XCTAssertEqual(press(&state, .char("o")), [])
        XCTAssertEqual(state.result?.message, "#109: https://github.com/acme/demo/issues/109")
    }

    func testOWithADisplayOpensTheIssueAsAnEffect() {
        var state = Fixtures.loadedState()
        state.canOpenLinks = true
        state.repos[0].live?[109]?.url = "https://github.com/acme/demo/issues/109"
        XCTAssertEqual(press(&state, .char("o")), [.openURL("https://github.com/acme/demo/issues/109")])
        _ = reduce(&state, .urlOpened("https://github.com/acme/demo/issues/109", failure: "xdg-open: not found"))
        XCTAssertEqual(state.result?.kind, .failure)
    }

    func testOInTheHistoryOpensTheBuildElseTheIssue() {
        var state = Fixtures.historyState(canOpenLinks: true)
        state.repos[0].live?[109]?.url = "https://ghe.example/acme/demo/issues/109"
        press(&state, .char("G"))
        XCTAssertEqual(state.history?.selected?.issue, 101)
        XCTAssertEqual(press(&state, .char("o")), [.openURL("http://jenkins.test/job/Coordinator/job/demo/job/executor/7/")])
        press(&state, .char("g"))
        XCTAssertEqual(press(&state, .char("o")), [.openURL("https://ghe.example/acme/demo/issues/111")], "no build: the issue, on the repo's host")
    }

    func testTheKeysAreInTheKeyMapSoTheHelpListsThem() {
        XCTAssertEqual(KeyMap.standard.intent(for: .char("H")), .toggleHistory)
        XCTAssertEqual(KeyMap.standard.intent(for: .char("o")), .openLink)
    }
}
