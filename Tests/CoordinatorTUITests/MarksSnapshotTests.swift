import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// Marks drawn: the marker column of the issues and busy lists, the count in the header, and the
/// bulk confirmation listing each issue's exact move and the skipped ones.
final class MarksSnapshotTests: XCTestCase {
    private let large = ScreenSize(rows: 40, columns: 120)

    func testMarkedBusyRowsAndTheHeaderCountAt120x40() {
        var state = Fixtures.surveyedBusyState(size: large)
        press(&state, .char(" "), .char("j"), .char(" "))
        XCTAssertEqual(state.selectedNumber, 113)
        let grid = render(state, size: large)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "marks-busy-120x40")
        let text = grid.plainText
        XCTAssertTrue(text.contains("view: busy · 2 marked in demo"), text)
        XCTAssertTrue(text.contains("● ✗ timeout   #103 Retry"), text)
        XCTAssertTrue(text.contains("●             #107 Implement"), text)
        XCTAssertFalse(text.contains("● ✗ failure"), "#111 is not marked: \(text)")
    }

    func testTheMarkTakesTheMarkerColumnOfTheIssuesList() {
        var state = Fixtures.loadedState(size: large)
        let first = state.listed[0]
        press(&state, .char(" "))
        let text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("● #\(first) "), text)
        XCTAssertTrue(text.contains("1 marked in demo"), text)
        press(&state, .char("k"), .char(" "))
        let unmarked = render(state, size: large).plainText
        XCTAssertFalse(unmarked.contains("●"), unmarked)
        XCTAssertFalse(unmarked.contains("marked in"), unmarked)
    }

    func testTheBulkDispatchConfirmationListsEachMoveAndTheSkipped() throws {
        var state = Fixtures.loadedState(size: large)
        let first = try XCTUnwrap(state.listed.first)
        press(&state, .char(" "), .char("v"), .char("v"), .char("v"), .char("g"), .char(" "), .char("D"))
        let text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("Dispatch 1 marked issue of demo to Coordinator/demo/executor"), text)
        XCTAssertTrue(text.contains("#\(first) status-"), text)
        XCTAssertTrue(text.contains("skipped #1: not eligible: ignore label 'Overview'"), text)
        XCTAssertTrue(text.contains(" y  dispatch 1"), text)
    }

    func testABulkConfirmationOnTheSmallestScreenStaysInside() {
        let smallest = ConsoleLayout.minimum
        var state = Fixtures.surveyedBusyState(size: smallest)
        press(&state, .char(" "), .char(" "), .char(" "), .char(" "), .char("v"), .char("g"), .char(" "), .char("j"), .char(" "))
        press(&state, .char("u"))
        assertRowsFill(render(state, size: smallest))
        press(&state, .char("p"))
        let grid = render(state, size: smallest)
        assertRowsFill(grid)
        XCTAssertTrue(grid.plainText.contains("Confirm unstick"), grid.plainText)
        for size in [ScreenSize(rows: 1, columns: 1), ScreenSize(rows: 0, columns: 0), ScreenSize(rows: 14, columns: 59)] {
            _ = render(state, size: size)
        }
    }

    func testTheBulkUnstickConfirmationListsEachMoveAndTheSkipped() {
        var state = Fixtures.surveyedBusyState(size: large)
        press(&state, .char(" "), .char(" "), .char("v"), .char("g"), .char(" "), .char("u"))
        var text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("Unstick 2 marked issues of demo"), text)
        XCTAssertTrue(text.contains(" p  give the pickup labels back"), text)
        press(&state, .char("p"))
        text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("Confirm unstick"), text)
        XCTAssertTrue(text.contains("#103 status-03:planning → status-02:awaiting-planning  Retry GitHub requests on 502"), text)
        XCTAssertTrue(text.contains("#111 status-09:pr-creating → status-08:ready-pr  PR being created for timeouts"), text)
        XCTAssertTrue(text.contains("skipped #1: carries no busy label"), text)
        XCTAssertTrue(text.contains(" y  unstick 2"), text)
        XCTAssertTrue(text.contains("any other key cancels (default: No)"), text)
    }
}
