import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// A console attached to `serve`: what its event stream brings is put into the rows without a
/// read; a lost stream keeps the data and says so in the header until it is back; a reload reads
/// everything again; a read token refuses writes with its reason.
final class ServerSignalReducerTests: XCTestCase {
    private func attachedState() -> ConsoleState {
        var state = Fixtures.loadedState()
        state.server = ServerLink(url: "http://coordinator.example:8080", operatorName: "alice")
        return state
    }

    private func change(_ number: Int, labels: [String], state issueState: IssueState = .open, by: String? = "bob (api)") -> IssueChange {
        var cached = Fixtures.issue(number, "Issue \(number)", labels, state: issueState)
        cached.url = "https://github.com/acme/demo/issues/\(number)"
        var history = HistoryProjection()
        history.apply(HistoryRecord(
            time: Fixtures.t0, dispatchID: "d\(number)", issue: number, pickup: "status-08:ready-pr", busy: "status-09:pr-creating",
            step: .intent(.init(workflow: "create-pr", by: by))))
        history.apply(HistoryRecord(
            time: Fixtures.t0, dispatchID: "d\(number)", issue: number, pickup: "status-08:ready-pr", busy: "status-09:pr-creating",
            step: .done(queueID: 7, buildURL: nil, message: nil)))
        return IssueChange(number: number, cached: cached, history: history.last(issue: number))
    }

    func testAnIssueEventPatchesCachedLiveAndWhoWithoutARead() throws {
        var state = attachedState()
        XCTAssertEqual(state.selectedRow?.number, 109)
        let effects = reduce(&state, .server(.issueChanged(repo: "demo", change(109, labels: ["status-09:pr-creating"]))))
        XCTAssertFalse(effects.contains(.loadCache(repo: "demo")), "\(effects)")
        let repo = state.currentRepo!
        XCTAssertEqual(repo.cached[109]?.labels, ["status-09:pr-creating"])
        XCTAssertEqual(repo.live?[109]?.labels, ["status-09:pr-creating"], "serve wrote what GitHub answered")
        XCTAssertEqual(repo.history[109]?.by, "bob (api)")
        XCTAssertFalse(repo.rows.contains { $0.number == 109 }, "no longer eligible")
        // The detail of a busy issue names who dispatched it.
        _ = press(&state, .char("v"), .char("v"), .char("v"))
        state.repos[0].cursor = try XCTUnwrap(state.repos[0].rows.firstIndex { $0.number == 109 })
        XCTAssertEqual(state.selectedRow?.number, 109, "\(state.view)")
        let text = render(state, size: ScreenSize(rows: 40, columns: 160)).plainText
        XCTAssertTrue(text.contains("by bob (api)"), text)

        // A closed issue leaves the live listing.
        _ = reduce(&state, .server(.issueChanged(repo: "demo", change(109, labels: ["status-09:pr-creating"], state: .closed))))
        XCTAssertNil(state.currentRepo?.live?[109])
        // Another repository's name, or one not configured, changes nothing.
        let before = state
        _ = reduce(&state, .server(.issueChanged(repo: "nope", change(109, labels: []))))
        XCTAssertEqual(state, before)
    }

    func testALostStreamKeepsTheDataMarksTheHeaderAndClearsWhenBack() {
        var state = attachedState()
        let rows = state.currentRepo?.rows
        var text = render(state, size: ScreenSize(rows: 40, columns: 160)).plainText
        XCTAssertTrue(text.contains("serve coordinator.example:8080 as alice"), text)

        state.now = Fixtures.t0.addingTimeInterval(5)
        _ = reduce(&state, .server(.disconnected(reason: "connection refused", retryAt: Fixtures.t0.addingTimeInterval(7))))
        state.now = Fixtures.t0.addingTimeInterval(6)
        XCTAssertEqual(state.currentRepo?.rows, rows, "the last data stays")
        XCTAssertEqual(state.result?.kind, .failure)
        text = render(state, size: ScreenSize(rows: 40, columns: 160)).plainText
        XCTAssertTrue(text.contains("STALE: serve lost 1s ago, retry in 1s"), text)
        XCTAssertTrue(text.contains("lost serve's events (connection refused)"), text)
        // A second failed attempt keeps the first loss's time.
        _ = reduce(&state, .server(.disconnected(reason: "connection refused", retryAt: Fixtures.t0.addingTimeInterval(10))))
        guard case let .reconnecting(since, _, _)? = state.server?.connection else { return XCTFail("\(String(describing: state.server))") }
        XCTAssertEqual(since, Fixtures.t0.addingTimeInterval(5))

        _ = reduce(&state, .server(.connected))
        XCTAssertEqual(state.server?.connection, .connected)
        XCTAssertEqual(state.result?.kind, .success, "the loss's message goes once it is over")
        text = render(state, size: ScreenSize(rows: 40, columns: 160)).plainText
        XCTAssertFalse(text.contains("STALE"), text)
    }

    func testAReloadReadsEveryCacheAndListsLiveAgainAndAPollRereadsOne() {
        var state = attachedState()
        let effects = reduce(&state, .server(.reload))
        XCTAssertTrue(effects.contains(.loadCache(repo: "demo")) && effects.contains(.fetchLive(repo: "demo")), "\(effects)")
        XCTAssertEqual(reduce(&state, .server(.polled(repo: "demo"))), [], "a read already running is not asked twice")
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(Fixtures.cached)))))
        XCTAssertEqual(reduce(&state, .server(.polled(repo: "demo"))), [.loadCache(repo: "demo")])
        XCTAssertEqual(reduce(&state, .server(.buildsChanged(repo: "demo"))), [], "the busy view is not shown")
    }

    func testAReadTokenRefusesWritesWithItsReason() {
        var state = attachedState()
        state.readOnly = true
        state.readOnlyReason = "operator rita has role read on serve"
        let effects = press(&state, .char("d"))
        XCTAssertEqual(effects, [])
        XCTAssertEqual(state.result?.message, "read-only: dispatch is disabled (operator rita has role read on serve)")
    }

    func testTheEventPumpReadsServesEvents() throws {
        let change = change(7, labels: ["status-03:planning"])
        let data = try ConsoleWire.line(IssueEventDocument(repo: "demo", change: change))
        XCTAssertEqual(ServerEventPump.signal(ServerSentEvent(id: "a-1", event: "issue", data: data)), .issueChanged(repo: "demo", change))
        XCTAssertEqual(ServerEventPump.signal(ServerSentEvent(id: "a-2", event: "poll", data: #"{"at":"x","repo":"demo"}"#)), .polled(repo: "demo"))
        XCTAssertEqual(ServerEventPump.signal(ServerSentEvent(id: "a-3", event: "reload", data: "{}")), .reload)
        XCTAssertNil(ServerEventPump.signal(ServerSentEvent(id: "a-4", event: "dispatch", data: "{}")))
        XCTAssertNil(ServerEventPump.signal(ServerSentEvent(id: "a-5", event: "issue", data: "not json")), "a broken event is dropped, not a trap")
    }
}
