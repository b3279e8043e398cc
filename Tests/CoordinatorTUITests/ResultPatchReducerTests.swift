import Coordinator
import XCTest
@testable import CoordinatorConsole

/// Results, not re-reads: a dispatch or an unstick that says what it wrote is patched into the
/// state (no cache read), and a live listing asked for before a label move does not undo it.
final class ResultPatchReducerTests: XCTestCase {
    func change109(_ labels: [String]) -> IssueChange {
        var cached = Fixtures.live.first { $0.number == 109 }
        cached?.labels = labels
        var history = HistoryProjection()
        history.apply(HistoryRecord(
            time: Fixtures.t0, dispatchID: "d109", issue: 109, pickup: "status-08:ready-pr", busy: "status-09:pr-creating",
            step: .intent(.init(workflow: "create-pr", by: "op@host (console)"))))
        history.apply(HistoryRecord(
            time: Fixtures.t0, dispatchID: "d109", issue: 109, pickup: "status-08:ready-pr", busy: "status-09:pr-creating",
            step: .done(queueID: 7, buildURL: nil, message: nil)))
        return IssueChange(number: 109, cached: cached, history: history.last(issue: 109))
    }

    func testADispatchThatSaysWhatItWroteIsPatchedWithoutReadingTheCache() {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        let change = change109(["status-09:pr-creating"])
        let effects = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(Fixtures.receipt109), change: change, at: Fixtures.t0))
        XCTAssertEqual(effects, [.fetchRateLimit], "no cache read")
        XCTAssertNil(state.running[TaskKey(.loadCache, repo: "demo")])
        let repo = state.currentRepo!
        XCTAssertEqual(repo.cached[109]?.labels, ["status-09:pr-creating"])
        XCTAssertEqual(repo.history[109]?.by, "op@host (console)")
        XCTAssertEqual(state.selectedRow?.cachedStatus, "status-09:pr-creating")
        XCTAssertEqual(state.selectedRow?.diff, .inSync)
    }

    func testAListingAskedForBeforeTheDispatchDoesNotUndoItsLabels() {
        var state = Fixtures.loadedState()
        let asked = Fixtures.t0.addingTimeInterval(10)
        let moved = Fixtures.t0.addingTimeInterval(11)
        press(&state, .char("d"), .char("y"))
        _ = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(Fixtures.receipt109), change: change109(["status-09:pr-creating"]), at: moved))
        // A listing that left before the label move lands afterwards with the old labels.
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(Fixtures.live), at: moved.addingTimeInterval(1), requestedAt: asked))
        XCTAssertEqual(state.currentRepo?.live?[109]?.labels, ["status-09:pr-creating"])
        XCTAssertEqual(state.selectedRow?.diff, .inSync)

        // One asked for after it is newer: it wins (here a person moved the label back).
        var back = Fixtures.live
        if let at = back.firstIndex(where: { $0.number == 109 }) { back[at].labels = ["status-08:ready-pr"] }
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(back), at: moved.addingTimeInterval(5), requestedAt: moved.addingTimeInterval(2)))
        XCTAssertEqual(state.currentRepo?.live?[109]?.labels, ["status-08:ready-pr"])
        XCTAssertNil(state.currentRepo?.labelPatches[109])
    }

    func testAnUnstickThatSaysWhatItWroteIsPatchedWithoutReadingTheCache() {
        var state = Fixtures.loadedState()
        var result = Fixtures.unstuck111
        let cached = Issue(number: 111, title: "PR being created for timeouts", labels: result.labels)
        result.change = IssueChange(number: 111, cached: cached, history: nil)
        let effects = reduce(&state, .unstickFinished(repo: "demo", issue: 111, .success(result), at: Fixtures.t0))
        XCTAssertFalse(effects.contains(.loadCache(repo: "demo")), "\(effects)")
        XCTAssertEqual(state.repos[0].cached[111]?.labels, result.labels)
    }
}
