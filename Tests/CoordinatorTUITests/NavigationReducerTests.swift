import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class NavigationReducerTests: XCTestCase {
    func testStartLoadsEveryCacheAndFetchesEveryRepoLive() {
        var state = ConsoleState(repos: [Fixtures.demo, Fixtures.tools], now: Fixtures.t0)
        let effects = reduce(&state, .started)
        XCTAssertEqual(effects, [
            .loadCache(repo: "demo"), .fetchLive(repo: "demo"),
            .loadCache(repo: "tools"), .fetchLive(repo: "tools"),
        ])
        XCTAssertEqual(state.repos.map(\.busy), [1, 1])
        XCTAssertEqual(state.runningTasks.count, 4)
    }

    func testJAndKMoveWithinTheListAndStopAtItsEnds() {
        var state = Fixtures.loadedState()
        XCTAssertEqual(state.listed, [109, 104, 101, 102, 130])
        XCTAssertEqual(state.selectedNumber, 109)
        press(&state, .char("k"))
        XCTAssertEqual(state.selectedNumber, 109)
        press(&state, .char("j"), .down)
        XCTAssertEqual(state.selectedNumber, 101)
        press(&state, .up)
        XCTAssertEqual(state.selectedNumber, 104)
        press(&state, .char("j"), .char("j"), .char("j"), .char("j"), .char("j"))
        XCTAssertEqual(state.selectedNumber, 130)
    }

    func testGAndShiftGJumpToTheFirstAndLastRow() {
        var state = Fixtures.loadedState()
        press(&state, .char("G"))
        XCTAssertEqual(state.selectedNumber, 130)
        press(&state, .char("g"))
        XCTAssertEqual(state.selectedNumber, 109)
        press(&state, .end)
        XCTAssertEqual(state.selectedNumber, 130)
        press(&state, .home)
        XCTAssertEqual(state.selectedNumber, 109)
    }

    func testPageKeysMoveByAPageAndScrollTheCursorIntoView() {
        var state = manyIssues(200, size: ScreenSize(rows: 24, columns: 80))
        let height = ConsoleLayout(size: state.size, showPreview: false).issueListHeight
        press(&state, .pageDown)
        XCTAssertEqual(state.currentRepo?.cursor, height - 1)
        press(&state, .pageDown, .pageDown)
        let cursor = state.currentRepo!.cursor
        XCTAssertEqual(cursor, 3 * (height - 1))
        XCTAssertTrue((state.currentRepo!.scroll...(state.currentRepo!.scroll + height - 1)).contains(cursor))
        press(&state, .char("G"))
        XCTAssertEqual(state.currentRepo?.cursor, 199)
        XCTAssertEqual(state.currentRepo?.scroll, 200 - height)
        press(&state, .pageUp)
        XCTAssertEqual(state.currentRepo?.cursor, 199 - (height - 1))
        press(&state, .char("g"))
        XCTAssertEqual(state.currentRepo?.scroll, 0)
    }

    func testResizeKeepsTheCursorVisible() {
        var state = manyIssues(200, size: ScreenSize(rows: 40, columns: 120))
        press(&state, .char("G"))
        _ = reduce(&state, .resized(ScreenSize(rows: 20, columns: 80)))
        let height = ConsoleLayout(size: state.size, showPreview: false).issueListHeight
        let repo = state.currentRepo!
        XCTAssertEqual(state.size, ScreenSize(rows: 20, columns: 80))
        XCTAssertTrue(repo.cursor >= repo.scroll && repo.cursor < repo.scroll + height)
    }

    func testTabCyclesPanesAndHLMoveLeftAndRight() {
        var state = Fixtures.loadedState()
        XCTAssertEqual(state.focus, .issues)
        press(&state, .tab)
        XCTAssertEqual(state.focus, .detail)
        press(&state, .tab)
        XCTAssertEqual(state.focus, .repos)
        press(&state, .backTab)
        XCTAssertEqual(state.focus, .detail)
        press(&state, .char("h"), .char("h"), .char("h"))
        XCTAssertEqual(state.focus, .repos)
        press(&state, .right)
        XCTAssertEqual(state.focus, .issues)
        press(&state, .right, .right)
        XCTAssertEqual(state.focus, .detail)
        press(&state, .left)
        XCTAssertEqual(state.focus, .issues)
    }

    func testEnterOpensTheIssuesThenTheDetailAndEscapeComesBack() {
        var state = Fixtures.loadedState()
        state.focus = .repos
        press(&state, .enter)
        XCTAssertEqual(state.focus, .issues)
        press(&state, .enter)
        XCTAssertEqual(state.focus, .detail)
        press(&state, .escape)
        XCTAssertEqual(state.focus, .issues)
    }

    func testJInTheReposPaneSelectsTheNextRepoWithinBounds() {
        var state = Fixtures.loadedState()
        press(&state, .char("h"))
        press(&state, .char("j"))
        XCTAssertEqual(state.currentRepo?.name, "tools")
        press(&state, .char("j"))
        XCTAssertEqual(state.currentRepo?.name, "tools")
        press(&state, .char("k"), .char("k"))
        XCTAssertEqual(state.currentRepo?.name, "demo")
    }

    func testJInTheDetailPaneScrollsTheDetail() {
        var state = Fixtures.loadedState()
        press(&state, .enter, .char("j"), .char("j"))
        XCTAssertEqual(state.detailScroll, 2)
        XCTAssertEqual(state.selectedNumber, 109)
        press(&state, .char("k"), .char("k"), .char("k"))
        XCTAssertEqual(state.detailScroll, 0)
    }

    func testQuestionMarkOpensHelpAndAnyKeyClosesIt() {
        var state = Fixtures.loadedState()
        press(&state, .char("?"))
        XCTAssertEqual(state.modal, .help)
        XCTAssertEqual(press(&state, .char("q")), [], "q closes the help, it does not quit")
        XCTAssertNil(state.modal)
    }

    func testCtrlLAsksForARedrawAndQQuits() {
        var state = Fixtures.loadedState()
        XCTAssertEqual(press(&state, .control("l")), [.redraw])
        XCTAssertEqual(press(&state, .char("q")), [.quit])
    }

    func testUnboundKeysDoNothing() {
        var state = Fixtures.loadedState()
        let before = state
        XCTAssertEqual(press(&state, .char("z"), .control("x")), [])
        XCTAssertEqual(state, before)
    }

    func testEveryBoundKeyIsHandled() {
        for binding in KeyMap.standard.bindings {
            for key in binding.keys {
                var state = Fixtures.loadedState()
                _ = press(&state, key)
                XCTAssertEqual(KeyMap.standard.intent(for: key), binding.intent, "\(key.label)")
            }
        }
    }

    /// A repo with `count` eligible issues, cache and live alike.
    private func manyIssues(_ count: Int, size: ScreenSize) -> ConsoleState {
        let issues = (1...count).map { Fixtures.issue($0, "Issue \($0)", ["status-02:awaiting-planning"]) }
        var state = ConsoleState(repos: [Fixtures.demo], now: Fixtures.t0, size: size)
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(issues)))))
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(issues), at: Fixtures.t0))
        return state
    }
}
