import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The stale view drawn: consequence first, every repo, and the detail saying why and until when.
final class StaleViewSnapshotTests: XCTestCase {
    private let large = ScreenSize(rows: 40, columns: 120)
    private let small = ScreenSize(rows: 24, columns: 80)

    func testStaleViewAt120x40() {
        var state = Fixtures.staleState(size: large)
        press(&state, .char("v"), .char("j"))
        XCTAssertEqual(state.selectedNumber, 104)
        let grid = render(state, size: large)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "stale-120x40")
        let text = grid.plainText
        XCTAssertTrue(text.contains("Issues · all repos · stale (6)"), text)
        XCTAssertTrue(text.contains("would dispatch again tools #7"), text)
        XCTAssertTrue(text.contains("would miss: cache no pickup label; live eligible → implement"), text)
        XCTAssertTrue(text.contains(", after the cursor and after the last check"), text)
        XCTAssertTrue(text.contains("reuse window open 20s more (duplicate_window_seconds 60)"), text)
        XCTAssertTrue(text.contains("the next incremental run sees it"), text)
    }

    func testStaleViewAt80x24() {
        var state = Fixtures.staleState(size: small)
        press(&state, .char("v"), .char("G"))
        XCTAssertEqual(state.selectedNumber, 12)
        let grid = render(state, size: small)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "stale-80x24")
    }

    func testAChangeOlderThanTheCursorSaysOnlyAFullRefreshWillSeeIt() {
        let tall = ScreenSize(rows: 60, columns: 120)
        var state = Fixtures.staleState(size: tall)
        press(&state, .char("v"), .char("G"))
        let text = render(state, size: tall).plainText
        XCTAssertTrue(text.contains("harmless: cache no pickup label; live no pickup label"), text)
        XCTAssertTrue(text.contains("before the cursor and before the last check"), text)
        XCTAssertTrue(text.contains("only a full refresh will: it changed before the cursor (the next is due in 21h;"), text)
        XCTAssertTrue(text.contains("reuse window closed 4m ago (duplicate_window_seconds 60): a run now asks GitHub"), text)
    }

    func testTheConsequenceLeadsEachRowInItsColour() {
        let state: ConsoleState = {
            var state = Fixtures.staleState(size: large)
            press(&state, .char("v"), .char("j"))
            return state
        }()
        let grid = render(state, size: large)
        let layout = ConsoleLayout(size: large, showPreview: false)
        // The first row is not selected (the cursor is on the second): its consequence is an error.
        let first = layout.issues.inner.row + 1
        XCTAssertTrue(grid.text(row: first).contains("would dispatch again"))
        XCTAssertEqual(grid[first, layout.issues.inner.column].style, CellStyle(.error, bold: true))
        let harmless = first + 4
        XCTAssertTrue(grid.text(row: harmless).contains("harmless"), grid.text(row: harmless))
        XCTAssertEqual(grid[harmless, layout.issues.inner.column].style, CellStyle(.dim))
    }
}
