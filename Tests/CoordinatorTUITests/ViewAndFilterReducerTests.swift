import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class ViewAndFilterReducerTests: XCTestCase {
    func testEligibleViewListsEligibleIssuesInDispatchOrder() {
        let state = Fixtures.loadedState()
        XCTAssertEqual(state.view, .eligible)
        // create-pr first, then implement, then create-plan by number; the conflict #113 is not eligible.
        XCTAssertEqual(state.listed, [109, 104, 101, 102, 130])
    }

    func testWithoutLiveDataTheCacheDecidesEligibility() {
        let state = Fixtures.cachedState()
        XCTAssertEqual(state.listed, [109, 101, 102, 118])
        XCTAssertTrue(state.currentRepo!.rows.allSatisfy { $0.diff == nil && $0.marker == .none })
    }

    func testVCyclesEligibleStaleBusyAndAllCached() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"))
        XCTAssertEqual(state.view, .stale)
        // Most harmful first: #118 would be dispatched again (eligible in the cache, closed live),
        // #104 and #130 would be missed.
        XCTAssertEqual(state.listed, [118, 104, 130])
        press(&state, .char("v"))
        XCTAssertEqual(state.view, .busy)
        XCTAssertEqual(state.listed, [113], "the conflict carries a busy label")
        press(&state, .char("v"))
        XCTAssertEqual(state.view, .all)
        XCTAssertEqual(state.listed, [1, 101, 102, 104, 109, 113, 118, 130])
        press(&state, .char("v"))
        XCTAssertEqual(state.view, .eligible)
    }

    func testRowsCarryCachedAndLiveStatusAndTheDifference() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"), .char("v"), .char("v"))
        let rows = Dictionary(uniqueKeysWithValues: state.currentRepo!.rows.map { ($0.number, $0) })
        XCTAssertEqual(rows[104]?.cachedStatus, "status-04:plan-review")
        XCTAssertEqual(rows[104]?.liveStatus, "status-05:plan-ready")
        XCTAssertEqual(rows[104]?.marker, .stale)
        XCTAssertEqual(rows[118]?.diff, .onlyInCache)
        XCTAssertEqual(rows[118]?.eligibility, .ineligible(.closed))
        XCTAssertEqual(rows[130]?.diff, .onlyLive)
        XCTAssertEqual(rows[113]?.marker, .conflict)
        XCTAssertEqual(rows[109]?.marker, RowMarker.none)
        XCTAssertEqual(state.currentRepo?.counts, RepoCounts(eligible: 5, stale: 3, conflicts: 1, errors: 0))
    }

    func testFilterMatchesNumberTitleAndLabel() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"), .char("v"), .char("v"), .char("/"))
        XCTAssertTrue(state.isEditingFilter)
        type(&state, "#10")
        XCTAssertEqual(state.listed, [101, 102, 104, 109])
        press(&state, .backspace, .backspace, .backspace)
        type(&state, "cache")
        XCTAssertEqual(state.listed, [102])
        press(&state, .escape)
        press(&state, .char("/"))
        type(&state, "enhancement")
        XCTAssertEqual(state.listed, [101])
    }

    func testEnterKeepsTheFilterAndEscapeClearsIt() {
        var state = Fixtures.loadedState()
        press(&state, .char("/"))
        type(&state, "dispatcher")
        press(&state, .enter)
        XCTAssertFalse(state.isEditingFilter)
        XCTAssertEqual(state.filter, "dispatcher")
        XCTAssertEqual(state.listed, [104])
        press(&state, .char("/"), .escape)
        XCTAssertEqual(state.filter, "")
        XCTAssertEqual(state.listed, [109, 104, 101, 102, 130])
    }

    func testKeysTypedIntoTheFilterAreTextNotCommands() {
        var state = Fixtures.loadedState()
        press(&state, .char("/"))
        let effects = type(&state, "qdr")
        XCTAssertEqual(effects, [])
        XCTAssertEqual(state.filter, "qdr")
        XCTAssertNil(state.modal)
    }

    func testFilterKeepsTheSelectedIssueWhenItStillMatches() {
        var state = Fixtures.loadedState()
        press(&state, .char("j"))
        XCTAssertEqual(state.selectedNumber, 104)
        press(&state, .char("/"))
        type(&state, "plan")
        XCTAssertEqual(state.selectedNumber, 104)
    }
}
