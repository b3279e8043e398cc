import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The mouse, pure: a click selects the pane and the row drawn there (scrolled as drawn), the
/// wheel scrolls the pane under the pointer, a click on a footer hint runs its intent.
final class MouseReducerTests: XCTestCase {
    private let large = ScreenSize(rows: 40, columns: 120)
    private let small = ScreenSize(rows: 24, columns: 80)

    @discardableResult
    private func click(_ state: inout ConsoleState, row: Int, column: Int) -> [ConsoleEffect] {
        reduce(&state, .mouse(MouseEvent(row: row, column: column, kind: .click)))
    }

    private func layout(_ state: ConsoleState) -> ConsoleLayout {
        ConsoleLayout(size: state.size, showPreview: state.showPreview)
    }

    /// The screen row whose text contains `text`, as the renderer draws it.
    private func screenRow(_ state: ConsoleState, containing text: String, after: Int = 0) -> Int? {
        let lines = render(state, size: state.size).plainText.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.indices.first { $0 >= after && lines[$0].contains(text) }
    }

    /// demo with 40 eligible issues cached, #1 to #40, on a 80x24 screen: more than the list shows.
    private func longListState() -> ConsoleState {
        var state = ConsoleState(repos: [Fixtures.demo, Fixtures.tools], now: Fixtures.t0, size: small)
        let issues = (1...40).map { Fixtures.issue($0, "Issue number \($0)", ["status-02:awaiting-planning"]) }
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(issues)))))
        _ = reduce(&state, .cacheLoaded(repo: "tools", .success(CacheSnapshot(issues: [:]))))
        return state
    }

    func testAClickOnARowSelectsTheIssuesPaneAndThatRow() throws {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("h"))
        XCTAssertEqual(state.focus, .repos)
        let third = state.listed[2]
        let row = try XCTUnwrap(screenRow(state, containing: "#\(third) "))
        XCTAssertEqual(row, layout(state).issueListTop + 2)
        click(&state, row: row, column: layout(state).issues.column + 10)
        XCTAssertEqual(state.focus, .issues)
        XCTAssertEqual(state.selectedNumber, third)
    }

    func testAClickOnAScrolledListSelectsTheRowDrawnThere() throws {
        var state = longListState()
        press(&state, .char("G"))
        XCTAssertEqual(state.selectedNumber, 40)
        XCTAssertGreaterThan(state.repos[0].scroll, 0, "scrolled")
        let top = layout(state).issueListTop
        let drawn = render(state, size: small).plainText.split(separator: "\n", omittingEmptySubsequences: false)[top]
        click(&state, row: top, column: layout(state).issues.column + 3)
        let selected = try XCTUnwrap(state.selectedNumber)
        XCTAssertTrue(drawn.contains("#\(selected) Issue number \(selected)"), "clicked \(drawn), selected #\(selected)")
        XCTAssertEqual(selected, 40 - layout(state).issueListHeight + 1)
    }

    func testAClickBelowTheLastRowOrOnTheColumnHeaderSelectsOnlyThePane() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("j"), .char("h"))
        let before = state.selectedNumber
        click(&state, row: layout(state).issueListTop - 1, column: layout(state).issues.column + 5)
        XCTAssertEqual(state.focus, .issues)
        XCTAssertEqual(state.selectedNumber, before)
        click(&state, row: layout(state).issueListTop + 15, column: layout(state).issues.column + 5)
        XCTAssertEqual(state.selectedNumber, before)
    }

    func testAClickOnARepoSelectsItAndTheReposPane() throws {
        var state = Fixtures.loadedState(size: large)
        let row = try XCTUnwrap(screenRow(state, containing: "│  tools"))
        click(&state, row: row + 2, column: 3)
        XCTAssertEqual(state.focus, .repos)
        XCTAssertEqual(state.currentRepo?.name, "tools", "a click anywhere in the repo's block")
        let demo = try XCTUnwrap(screenRow(state, containing: "demo"))
        click(&state, row: demo, column: 3)
        XCTAssertEqual(state.currentRepo?.name, "demo")
    }

    func testAClickOnTheDetailFocusesIt() {
        var state = Fixtures.loadedState(size: large)
        click(&state, row: layout(state).detail.row + 3, column: layout(state).detail.column + 4)
        XCTAssertEqual(state.focus, .detail)
    }

    func testTheWheelMovesThePaneUnderThePointerThreeRowsWithoutTakingTheFocus() {
        var state = longListState()
        press(&state, .char("h"))
        let issues = layout(state).issues
        _ = reduce(&state, .mouse(MouseEvent(row: issues.row + 4, column: issues.column + 4, kind: .wheelDown)))
        XCTAssertEqual(state.repos[0].cursor, 3)
        XCTAssertEqual(state.focus, .repos)
        _ = reduce(&state, .mouse(MouseEvent(row: issues.row + 4, column: issues.column + 4, kind: .wheelUp)))
        _ = reduce(&state, .mouse(MouseEvent(row: issues.row + 4, column: issues.column + 4, kind: .wheelUp)))
        XCTAssertEqual(state.repos[0].cursor, 0, "clamped at the top")
        let detail = layout(state).detail
        _ = reduce(&state, .mouse(MouseEvent(row: detail.row + 2, column: detail.column + 4, kind: .wheelDown)))
        XCTAssertEqual(state.detailScroll, 3)
        let repos = layout(state).repos
        _ = reduce(&state, .mouse(MouseEvent(row: repos.row + 2, column: 2, kind: .wheelDown)))
        XCTAssertEqual(state.selectedRepo, 1, "one repository per turn")
    }

    func testAClickOnAFooterHintRunsItsIntent() throws {
        var state = Fixtures.loadedState(size: large)
        let hints = HintBar.placements(keyMap: .standard, width: large.columns, rateWidth: 0)
        let dispatch = try XCTUnwrap(hints.first { $0.intent == .dispatchIssue })
        let footer = render(state, size: large).plainText.split(separator: "\n", omittingEmptySubsequences: false)[layout(state).hints.row]
        let drawn = String(Array(footer)[dispatch.column..<(dispatch.column + dispatch.width)])
        XCTAssertEqual(drawn, dispatch.keyText + dispatch.entry, "the hint is drawn where the placement says")
        let selected = state.selectedNumber
        click(&state, row: layout(state).hints.row, column: dispatch.column + dispatch.width - 2)
        guard case let .confirmDispatch(_, _, issues)? = state.modal else { return XCTFail("no confirmation: \(String(describing: state.modal))") }
        XCTAssertEqual(issues.map(\.number), [selected].compactMap { $0 })

        // A modal answers keys only: a click neither confirms nor cancels it.
        XCTAssertEqual(click(&state, row: 20, column: 60), [])
        XCTAssertNotNil(state.modal)
        press(&state, .escape)

        let help = try XCTUnwrap(hints.first { $0.intent == .showHelp })
        click(&state, row: layout(state).hints.row, column: help.column)
        XCTAssertEqual(state.modal, .help)
        click(&state, row: 5, column: 5)
        XCTAssertNil(state.modal, "a click closes the help")
    }

    func testAClickBetweenOrAfterTheHintsDoesNothing() {
        var state = Fixtures.loadedState(size: large)
        let before = state
        click(&state, row: layout(state).hints.row, column: large.columns - 2)
        XCTAssertEqual(state, before)
    }

    func testPositionsOffTheScreenAndATooSmallTerminalAreIgnored() {
        var state = Fixtures.loadedState(size: large)
        let before = state
        for event in [
            MouseEvent(row: -1, column: 4, kind: .click), MouseEvent(row: 4, column: -7, kind: .wheelDown),
            MouseEvent(row: 40, column: 4, kind: .click), MouseEvent(row: Int.max, column: Int.min, kind: .click),
        ] {
            XCTAssertEqual(reduce(&state, .mouse(event)), [])
        }
        XCTAssertEqual(state, before)
        var tiny = Fixtures.loadedState(size: ScreenSize(rows: 10, columns: 30))
        let tinyBefore = tiny
        XCTAssertEqual(click(&tiny, row: 3, column: 3), [])
        XCTAssertEqual(tiny, tinyBefore)
    }

    func testAClickInTheHistorySelectsTheEntryDrawnThere() throws {
        var state = Fixtures.historyState(size: large)
        let row = layout(state).issueListTop + 2
        click(&state, row: row, column: layout(state).issues.column + 4)
        XCTAssertEqual(state.history?.cursor, 2)
        click(&state, row: layout(state).detail.row + 2, column: layout(state).detail.column + 2)
        XCTAssertEqual(state.focus, .detail)
    }

    func testAClickEndsTypingTheFilterAndKeepsIt() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("/"))
        type(&state, "10")
        click(&state, row: layout(state).issueListTop, column: layout(state).issues.column + 4)
        XCTAssertFalse(state.isEditingFilter)
        XCTAssertEqual(state.filter, "10")
    }

    func testTheDecoderBoundsWhatCursesReports() {
        XCTAssertEqual(KeyDecoder.mouse(kind: 1, row: 3, column: 7), MouseEvent(row: 3, column: 7, kind: .click))
        XCTAssertEqual(KeyDecoder.mouse(kind: 2, row: 0, column: 0), MouseEvent(row: 0, column: 0, kind: .wheelUp))
        XCTAssertEqual(KeyDecoder.mouse(kind: 3, row: 9, column: 1), MouseEvent(row: 9, column: 1, kind: .wheelDown))
        XCTAssertNil(KeyDecoder.mouse(kind: 0, row: 3, column: 7), "a release or another button")
        XCTAssertNil(KeyDecoder.mouse(kind: 1, row: -1, column: 7))
        XCTAssertNil(KeyDecoder.mouse(kind: 1, row: 3, column: Int32.min))
    }
}
