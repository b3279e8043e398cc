import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// Rows are derived when data changes and only re-listed when the view or filter changes. Each
/// test compares the whole state: with what a console would hold had it been in that view, filter
/// or data from the start (so no leftover of the cheaper path can hide), or with the state before
/// plus exactly the expected change.
final class RowDerivationReducerTests: XCTestCase {
    /// The loaded fixture, but with `prepare` applied before any data arrives.
    private func loadedFromScratch(live demoLive: [Issue] = Fixtures.live, _ prepare: (inout ConsoleState) -> Void = { _ in }) -> ConsoleState {
        var state = ConsoleState(repos: [Fixtures.demo, Fixtures.tools], now: Fixtures.t0, size: ScreenSize(rows: 40, columns: 120))
        prepare(&state)
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(Fixtures.cached)))))
        _ = reduce(&state, .cacheLoaded(repo: "tools", .success(CacheSnapshot(issues: [:]))))
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(demoLive), at: Fixtures.t0))
        _ = reduce(&state, .liveLoaded(repo: "tools", .success([]), at: Fixtures.t0))
        _ = reduce(&state, .tick(Fixtures.t0.addingTimeInterval(10)))
        state.result = nil
        return state
    }

    /// Whole-state equality that names the differing fields on failure (a full dump is unreadable).
    private func assertSameState(_ actual: ConsoleState, _ expected: ConsoleState, file: StaticString = #filePath, line: UInt = #line) {
        guard actual != expected else { return }
        var differences: [String] = []
        func same<T: Equatable>(_ left: T, _ right: Any) -> Bool { left == (right as? T) }
        func compare(_ a: Any, _ b: Any, _ path: String) {
            let left = Mirror(reflecting: a).children.map { ($0.label ?? "?", $0.value) }
            let right = Mirror(reflecting: b).children.map(\.value)
            for ((label, l), r) in zip(left, right) {
                if let l = l as? any Equatable, same(l, r) { continue }
                if label == "repos", let l = l as? [RepoStatus], let r = r as? [RepoStatus], l.count == r.count {
                    for index in l.indices { compare(l[index], r[index], "\(path)repos[\(index)].") }
                } else {
                    differences.append("\(path)\(label): \(String(describing: l).prefix(300)) ≠ \(String(describing: r).prefix(300))")
                }
            }
        }
        compare(actual, expected, "")
        XCTFail("states differ: " + differences.joined(separator: "\n"), file: file, line: line)
    }

    func testTheFixtureMatchesItsFromScratchTwin() {
        assertSameState(Fixtures.loadedState(), loadedFromScratch())
    }

    func testAFilterKeystrokeListsWhatAConsoleFilteredFromTheStartLists() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"), .char("v"), .char("v"), .char("/"))
        type(&state, "plan")
        var expected = loadedFromScratch { state in
            state.view = .all
            state.filter = "plan"
            state.isEditingFilter = true
        }
        // The title or a label ("…awaiting-planning") holds it.
        XCTAssertEqual(state.listed, [101, 102, 104, 113, 118, 130])
        // #113, selected before (the busy view's one row: the conflict), stays selected.
        XCTAssertEqual(state.selectedNumber, 113)
        expected.repos[0].cursor = 3
        // Passing through the busy view asked for a survey of every repo.
        for index in expected.repos.indices { expected.repos[index].surveying = true }
        expected.lastBusySurvey = expected.now
        assertSameState(state, expected)
    }

    func testBackspacingTheFilterAwayRestoresTheUnfilteredState() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"), .char("v"), .char("v"), .char("g"), .char("j"), .char("j"), .char("j"))
        XCTAssertEqual(state.selectedNumber, 104, "the one issue the filter keeps")
        let unfiltered = state
        press(&state, .char("/"))
        type(&state, "dispatcher")
        XCTAssertEqual(state.listed, [104])
        for _ in "dispatcher" { press(&state, .backspace) }
        press(&state, .enter)
        assertSameState(state, unfiltered)
    }

    func testFilterMatchesTextOutsideASCIIAndIgnoresCase() {
        var state = Fixtures.loadedState()
        press(&state, .char("/"))
        type(&state, "キュー")
        XCTAssertEqual(state.listed, [130])
        press(&state, .escape, .char("/"))
        type(&state, "QUEUE")
        XCTAssertEqual(state.listed, [130])
        press(&state, .escape, .char("/"))
        type(&state, "#0")
        XCTAssertEqual(state.listed, [], "no issue number starts with 0, and no title or label holds #0")
    }

    func testAViewSwitchListsWhatAConsoleInThatViewFromTheStartLists() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"))
        assertSameState(state, loadedFromScratch { $0.view = .stale })
    }

    func testJMovesTheCursorAndNothingElse() {
        var state = Fixtures.loadedState()
        var expected = state
        press(&state, .char("j"))
        expected.repos[0].cursor = 1
        assertSameState(state, expected)
    }

    func testALiveResultDerivesTheRepoAsIfThatWereTheFirstLiveData() {
        var moved = Fixtures.live
        moved[1].labels = ["status-05:plan-ready", "enhancement"]  // #101 planned since
        moved.removeLast()  // #130 closed since
        var state = Fixtures.loadedState()
        let tools = state.repos[1]
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(moved), at: Fixtures.t0))
        state.result = nil
        assertSameState(state, loadedFromScratch(live: moved))
        XCTAssertEqual(state.repos[1], tools, "the other repo is left as it was")
        XCTAssertEqual(state.listed, [109, 101, 104, 102])
    }

    func testAFinishedDispatchChangesItsIssueTheTasksAndTheFooterOnly() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        var expected = state
        let at = Fixtures.t0.addingTimeInterval(20)
        let effects = reduce(&state, .dispatchFinished(repo: "demo", .recovered(Fixtures.receipt109), at: at))

        XCTAssertEqual(effects, [.loadCache(repo: "demo"), .fetchRateLimit])
        expected.running = [TaskKey(.loadCache, repo: "demo"): RunningTask(id: expected.nextTaskID, message: "reading demo cache", started: expected.now)]
        expected.nextTaskID += 1
        expected.result = TaskResult(
            kind: .success, message: "dispatched #109 (queue item 7), finishing an interrupted dispatch; labels moved, cache updated",
            at: expected.now)
        expected.repos[0].busy = 0
        expected.repos[0].dispatches[109] = .dispatched(Fixtures.receipt109, at: at)
        expected.repos[0].live?[109]?.labels = ["status-09:pr-creating"]
        expected.repos[0].labelPatches[109] = at
        expected.rebuild(0)
        assertSameState(state, expected)
        XCTAssertEqual(state.selectedRow?.marker, .dispatched)
    }

    func testADispatchWhoseCacheWasNotUpdatedSaysSoEvenWithoutAReason() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        var receipt = Fixtures.receipt109
        receipt.cacheUpdated = false
        _ = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(receipt), at: Fixtures.t0))
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.result?.message, "dispatched #109 (queue item 7); cache not updated")
    }
}
