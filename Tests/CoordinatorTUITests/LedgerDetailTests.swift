import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The detail pane says who dispatched an issue, when, and which build, from the history: also for
/// dispatches made by another process, such as a cron run.
final class LedgerDetailTests: XCTestCase {
    private let size = ScreenSize(rows: 40, columns: 120)

    func testCacheLoadKeepsTheLedgerAndTheDetailShowsIt() {
        var state = Fixtures.loadedState(size: size)
        let selected = try! XCTUnwrap(state.repos[0].selectedRow?.number)
        var history = HistoryProjection()
        history.apply(HistoryRecord(
            time: Fixtures.t0, dispatchID: "d1", issue: selected, pickup: "status-08:ready-pr", busy: "status-09:pr-creating",
            step: .intent(.init(workflow: "create-pr", by: "cron@build-host (run)"))))
        history.apply(HistoryRecord(
            time: Fixtures.t0, dispatchID: "d1", issue: selected, pickup: "status-08:ready-pr", busy: "status-09:pr-creating",
            step: .done(queueID: 42, buildURL: "http://jenkins/job/x/7/", message: nil)))
        let record = try! XCTUnwrap(history.last(issue: selected))
        let snapshot = CacheSnapshot(issues: Fixtures.byNumber(Fixtures.cached), lastDispatches: [selected: record])
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(snapshot)))
        XCTAssertEqual(state.repos[0].history[selected], record)
        let text = render(state, size: size).plainText
        XCTAssertTrue(
            text.contains("history create-pr: done · \(Timestamp.format(Fixtures.t0)) by cron@build-host (run) · queue 42 · "),
            text)
    }

    func testNoLedgerEntryNoLedgerLine() {
        let text = render(Fixtures.loadedState(size: size), size: size).plainText
        XCTAssertFalse(text.contains("history create"), text)
    }
}
