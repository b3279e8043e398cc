import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The busy view drawn: stuck first with the reason, busy label, busy for, build; the unstick modals.
final class BusyViewSnapshotTests: XCTestCase {
    private let large = ScreenSize(rows: 40, columns: 120)
    private let small = ScreenSize(rows: 24, columns: 80)

    func testBusyViewAt120x40() {
        var state = Fixtures.surveyedBusyState(size: large)
        press(&state, .char("j"))
        XCTAssertEqual(state.selectedNumber, 111)
        let grid = render(state, size: large)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "busy-120x40")
        let text = grid.plainText
        XCTAssertTrue(text.contains("Issues · demo · busy (4) · 2 stuck"), text)
        XCTAssertTrue(text.contains("✗ failure   #111 PR being created for"), text)
        XCTAssertTrue(text.contains("stuck   ✗ build ended (failure) 30m ago and the label never moved on"), text)
        XCTAssertTrue(text.contains("busy 4  stuck 2"), text)
    }

    func testBusyViewAt80x24() {
        let state = Fixtures.surveyedBusyState(size: small)
        XCTAssertEqual(state.selectedNumber, 103)
        let grid = render(state, size: small)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "busy-80x24")
    }

    func testUnstickChoiceAt80x24() {
        var state = Fixtures.surveyedBusyState(size: small)
        press(&state, .char("j"), .char("u"))
        let grid = render(state, size: small)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "unstick-choice-80x24")
    }

    func testTheConfirmationNamesTheExactLabelMoveAndNoIsTheDefault() {
        var state = Fixtures.surveyedBusyState(size: large)
        press(&state, .char("j"), .char("u"), .char("f"))
        let text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("Confirm unstick"), text)
        XCTAssertTrue(text.contains("#111 status-09:pr-creating → status-09f:pr-creating-failed"), text)
        XCTAssertTrue(text.contains("on to the failure label: a person takes it from there"), text)
        XCTAssertTrue(text.contains(" y  unstick"), text)
        XCTAssertTrue(text.contains("any other key cancels (default: No)"), text)
    }

    func testBeforeTheSurveyTheBuildSaysItIsBeingChecked() {
        var state = Fixtures.busyState(size: large)
        press(&state, .char("v"), .char("v"))
        let text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("#103 Retry GitHub requests on 502"), text)
        XCTAssertTrue(text.contains("checking…"), text)
    }
}
