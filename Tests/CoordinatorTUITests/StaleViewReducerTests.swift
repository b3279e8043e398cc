import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The stale view: every repository's stale entries, most harmful first.
final class StaleViewReducerTests: XCTestCase {
    private func listed(_ state: ConsoleState) -> [String] {
        state.stale.rows.map { "\(state.repos[$0.repo].name)#\($0.row.number)" }
    }

    func testTheStaleViewListsEveryRepoMostHarmfulFirstThenByNumber() {
        var state = Fixtures.staleState()
        press(&state, .char("v"))
        XCTAssertEqual(state.view, .stale)
        XCTAssertEqual(listed(state), ["tools#7", "demo#118", "demo#104", "demo#130", "tools#9", "tools#12"])
        XCTAssertEqual(state.stale.rows.map(\.row.consequence), [
            .wouldDispatchAgain, .wouldDispatchAgain, .wouldMiss, .wouldMiss, .harmless, .harmless,
        ])
    }

    func testATitleOnlyChangeIsAHarmlessStaleEntry() {
        let state = Fixtures.staleState()
        let tools = state.repos[1]
        let nine = tools.issueRows.first { $0.number == 9 }
        XCTAssertEqual(nine?.diff, .titleDiffers(cached: "Old title", live: "Release notes from the ledger"))
        XCTAssertEqual(nine?.consequence, .harmless)
        XCTAssertEqual(tools.counts.stale, 3)
    }

    func testEnteringTheStaleViewStartsOnTheSelectedReposFirstEntry() {
        var state = Fixtures.staleState()
        XCTAssertEqual(state.selectedRepo, 0)
        XCTAssertEqual(state.selectedNumber, 109, "in sync: not listed")
        press(&state, .char("v"))
        XCTAssertEqual(state.stale.cursor, 1)
        XCTAssertEqual(state.selectedRepo, 0)
        XCTAssertEqual(state.selectedNumber, 118)
    }

    func testEnteringTheStaleViewKeepsTheRepoAndTheFirstMoveSelectsTheFirstEntry() {
        var state = Fixtures.loadedState()
        press(&state, .char("h"), .char("j"), .right)
        XCTAssertEqual(state.selectedRepo, 1, "tools: nothing stale")
        press(&state, .char("v"))
        XCTAssertEqual(state.stale.cursor, 0)
        XCTAssertEqual(state.selectedRepo, 1, "looking at the list does not switch the repo")
        XCTAssertNil(state.selectedNumber)
        XCTAssertFalse(render(state, size: state.size).plainText.contains("#118 detail"))
        press(&state, .char("j"))
        XCTAssertEqual(state.stale.cursor, 0, "the first move selects the entry under the cursor")
        XCTAssertEqual(state.selectedRepo, 0)
        XCTAssertEqual(state.selectedNumber, 118)
        press(&state, .char("j"))
        XCTAssertEqual(state.selectedNumber, 104)
    }

    func testEnteringTheStaleViewKeepsAStaleSelection() {
        var state = Fixtures.staleState()
        press(&state, .char("j"))
        XCTAssertEqual(state.selectedNumber, 104)
        press(&state, .char("v"))
        XCTAssertEqual(state.stale.cursor, 2)
        XCTAssertEqual(state.selectedRepo, 0)
        XCTAssertEqual(state.selectedNumber, 104)
    }

    func testTheCursorCrossesRepositoriesAndTheSelectionFollowsIt() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char("k"))
        XCTAssertEqual(state.selectedRepo, 1)
        XCTAssertEqual(state.selectedNumber, 7)
        press(&state, .char("G"))
        XCTAssertEqual(state.selectedRepo, 1)
        XCTAssertEqual(state.selectedNumber, 12)
        press(&state, .char("k"), .char("k"))
        XCTAssertEqual(state.selectedRepo, 0)
        XCTAssertEqual(state.selectedNumber, 130)
    }

    func testSelectingARepoJumpsToItsFirstEntry() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char("G"))
        XCTAssertEqual(state.selectedNumber, 12)
        press(&state, .char("h"), .char("k"))
        XCTAssertEqual(state.focus, .repos)
        XCTAssertEqual(state.selectedRepo, 0)
        XCTAssertEqual(state.stale.cursor, 1)
        XCTAssertEqual(state.selectedNumber, 118)
        press(&state, .char("j"))
        XCTAssertEqual(state.stale.cursor, 0)
        XCTAssertEqual(state.selectedNumber, 7)
    }

    func testTheFilterAppliesToEveryRepo() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char("/"))
        type(&state, "plan")
        XCTAssertEqual(listed(state), ["tools#7", "demo#118", "demo#104", "demo#130", "tools#12"])
        press(&state, .escape, .char("/"))
        type(&state, "release")
        XCTAssertEqual(listed(state), ["tools#9", "tools#12"])
        XCTAssertEqual(state.selectedRepo, 1)
    }

    func testDispatchFromTheStaleViewActsOnTheEntryUnderTheCursor() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char("j"))
        XCTAssertEqual(state.selectedNumber, 104)
        press(&state, .char("d"))
        guard case let .confirmDispatch(repo, _, issues)? = state.modal else { return XCTFail("no confirmation") }
        XCTAssertEqual(repo, "demo")
        XCTAssertEqual(issues.map(\.number), [104])
    }

    func testALiveRefreshKeepsTheSelectedEntryAndDropsWhatIsInSyncNow() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char("G"))
        XCTAssertEqual(state.selectedNumber, 12)
        // Someone put tools#7 back to its pickup label: in sync again, gone from the list.
        var live = Fixtures.toolsLive
        live[1].labels = ["status-02:awaiting-planning"]
        _ = reduce(&state, .liveLoaded(repo: "tools", .success(live), at: Fixtures.t0.addingTimeInterval(20)))
        XCTAssertEqual(listed(state), ["demo#118", "demo#104", "demo#130", "tools#9", "tools#12"])
        XCTAssertEqual(state.selectedRepo, 1)
        XCTAssertEqual(state.selectedNumber, 12)
        XCTAssertEqual(state.stale.cursor, 4)
    }

    func testWhenTheSelectedEntryGoesTheCursorStaysInPlaceAndTheSelectionFollows() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char("g"))
        XCTAssertEqual(state.selectedNumber, 7)
        var live = Fixtures.toolsLive
        live[1].labels = ["status-02:awaiting-planning"]
        _ = reduce(&state, .liveLoaded(repo: "tools", .success(live), at: Fixtures.t0.addingTimeInterval(20)))
        XCTAssertEqual(state.stale.cursor, 0)
        XCTAssertEqual(state.selectedRepo, 0)
        XCTAssertEqual(state.selectedNumber, 118)
    }

    func testLeavingTheStaleViewEmptiesItsList() {
        var state = Fixtures.staleState()
        press(&state, .char("v"), .char("v"))
        XCTAssertNotEqual(state.view, .stale)
        XCTAssertEqual(state.stale, StaleList())
    }
}
