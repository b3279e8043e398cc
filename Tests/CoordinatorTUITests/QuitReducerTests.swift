import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// `q` while a write is in flight waits for it instead of closing the HTTP client under it.
final class QuitReducerTests: XCTestCase {
    private func dispatching109() -> ConsoleState {
        var state = Fixtures.loadedState()
        press(&state, .char("d"), .char("y"))
        return state
    }

    func testQWithNothingWrittenQuitsAtOnceEvenWhileReading() {
        var state = Fixtures.loadedState()
        _ = reduce(&state, .keyPressed(.char("r")))
        XCTAssertFalse(state.runningTasks.isEmpty, "a refresh is in flight")
        XCTAssertEqual(press(&state, .char("q")), [.quit], "a read is cut off without loss")
    }

    func testQWhileADispatchIsInFlightWaitsAndSaysForWhat() {
        var state = dispatching109()
        XCTAssertEqual(press(&state, .char("q")), [], "the HTTP client stays open under the dispatch")
        XCTAssertTrue(state.quitting)
        XCTAssertEqual(state.quitWaitMessage, "waiting for the dispatch of #109 to finish before quitting (Esc stays, Ctrl-C quits now)")
        XCTAssertTrue(render(state, size: state.size).plainText.contains("waiting for the dispatch of #109 to finish before quitting"))
        XCTAssertEqual(press(&state, .char("q")), [], "a second q changes nothing")
        XCTAssertTrue(state.quitting)
    }

    func testTheConsoleQuitsByItselfWhenTheDispatchResultArrives() {
        var state = dispatching109()
        press(&state, .char("q"))
        let effects = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(Fixtures.receipt109), at: Fixtures.t0))
        XCTAssertEqual(effects, [.quit], "no cache re-read is started on the way out")
        XCTAssertEqual(state.result?.message, "dispatched #109 (queue item 7); labels moved, cache updated")
    }

    func testAFailedDispatchCallsTheQuitOffSoTheErrorCanBeRead() {
        var state = dispatching109()
        press(&state, .char("q"))
        let failure = DispatchFailure(issueNumber: 109, stage: .jenkins, message: "Jenkins answered 500", jobStarted: false)
        let effects = reduce(&state, .dispatchFinished(repo: "demo", .failed(failure), at: Fixtures.t0))
        XCTAssertFalse(effects.contains(.quit))
        XCTAssertFalse(state.quitting)
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.result?.message, "dispatch #109 failed: jenkins: Jenkins answered 500 (not quitting, so this can be read: q quits)")
        XCTAssertEqual(press(&state, .char("q")), [.quit])
    }

    func testEveryWriteInFlightIsWaitedFor() {
        var state = dispatching109()
        press(&state, .char("s"), .char("y"))
        press(&state, .char("q"))
        XCTAssertEqual(state.quitWaitMessage, "waiting for the dispatch of #109 and the sync of demo to finish before quitting (Esc stays, Ctrl-C quits now)")
        XCTAssertFalse(reduce(&state, .dispatchFinished(repo: "demo", .dispatched(Fixtures.receipt109), at: Fixtures.t0)).contains(.quit))
        XCTAssertEqual(state.quitWaitMessage, "waiting for the sync of demo to finish before quitting (Esc stays, Ctrl-C quits now)")
        let synced = reduce(&state, .syncFinished(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(Fixtures.live))), at: Fixtures.t0))
        XCTAssertEqual(synced, [.quit])
    }

    func testNoNewWriteStartsWhileWaitingToQuit() {
        var state = dispatching109()
        press(&state, .char("q"))
        for key: Key in [.char("d"), .char("D"), .char("s")] {
            XCTAssertEqual(press(&state, key), [], key.label)
            XCTAssertNil(state.modal, key.label)
            XCTAssertEqual(state.result?.message, "quitting once the writes in flight end: no new one starts (Esc stays)", key.label)
        }
        XCTAssertEqual(press(&state, .char("j")), [], "moving still works")
    }

    func testEscStaysAndTheResultThenDoesNotQuit() {
        var state = dispatching109()
        press(&state, .char("q"))
        press(&state, .escape)
        XCTAssertFalse(state.quitting)
        XCTAssertNil(state.quitWaitMessage)
        XCTAssertEqual(state.result?.message, "not quitting")
        let effects = reduce(&state, .dispatchFinished(repo: "demo", .dispatched(Fixtures.receipt109), at: Fixtures.t0))
        XCTAssertEqual(effects, [.loadCache(repo: "demo"), .fetchRateLimit])
    }
}
