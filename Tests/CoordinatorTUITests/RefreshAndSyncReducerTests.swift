import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class RefreshAndSyncReducerTests: XCTestCase {
    func testRRefreshesTheSelectedRepoOnceWhileItRuns() {
        var state = Fixtures.loadedState()
        XCTAssertEqual(press(&state, .char("r")), [.fetchLive(repo: "demo")])
        XCTAssertEqual(press(&state, .char("r")), [], "no second fetch while one runs")
        XCTAssertEqual(state.currentRepo?.busy, 1)
    }

    func testShiftRRefreshesEveryRepo() {
        var state = Fixtures.loadedState()
        XCTAssertEqual(press(&state, .char("R")), [.fetchLive(repo: "demo"), .fetchLive(repo: "tools")])
    }

    func testLiveDataMarksTheStaleRowsWithoutTouchingTheCache() {
        var state = Fixtures.cachedState()
        press(&state, .char("r"))
        let effects = reduce(&state, .liveLoaded(repo: "demo", .success(Fixtures.live), at: Fixtures.t0))
        XCTAssertEqual(effects, [.fetchRateLimit])
        XCTAssertFalse(effects.contains { if case .sync = $0 { return true } else { return false } })
        XCTAssertEqual(state.currentRepo?.cached, Fixtures.byNumber(Fixtures.cached))
        XCTAssertEqual(state.currentRepo?.counts.stale, 3)
        XCTAssertEqual(state.currentRepo?.liveAt, Fixtures.t0)
        XCTAssertEqual(state.result?.message, "demo: 7 open issues live, 3 stale in the cache")
        XCTAssertTrue(state.running.isEmpty)
    }

    func testARefreshFailureKeepsTheLastDataAndMarksItOutdated() {
        var state = Fixtures.loadedState()
        press(&state, .char("r"))
        _ = reduce(&state, .liveLoaded(repo: "demo", .failure(ConsoleFailure("GitHub answered 502 Bad Gateway")), at: Fixtures.t0.addingTimeInterval(30)))
        let repo = state.currentRepo!
        XCTAssertEqual(repo.live, Fixtures.byNumber(Fixtures.live), "the last good data stays")
        XCTAssertEqual(repo.liveAt, Fixtures.t0, "its age is the age of the last success")
        XCTAssertTrue(repo.liveIsOutdated)
        XCTAssertEqual(repo.lastError, "GitHub answered 502 Bad Gateway")
        XCTAssertEqual(repo.busy, 0)
        XCTAssertEqual(state.result?.kind, .failure)
        XCTAssertEqual(state.listed, [109, 104, 101, 102, 130])

        _ = reduce(&state, .liveLoaded(repo: "demo", .success(Fixtures.live), at: Fixtures.t0.addingTimeInterval(60)))
        XCTAssertFalse(state.currentRepo!.liveIsOutdated)
        XCTAssertNil(state.currentRepo!.lastError)
    }

    func testAFailedFirstRefreshLeavesTheCacheOnScreen() {
        var state = Fixtures.cachedState()
        _ = reduce(&state, .liveLoaded(repo: "demo", .failure(ConsoleFailure("offline")), at: Fixtures.t0))
        XCTAssertNil(state.currentRepo?.live)
        XCTAssertFalse(state.currentRepo!.liveIsOutdated)
        XCTAssertEqual(state.listed, [109, 101, 102, 118])
    }

    func testACacheReadFailureIsReported() {
        var state = ConsoleState(repos: [Fixtures.demo], now: Fixtures.t0)
        _ = reduce(&state, .cacheLoaded(repo: "demo", .failure(ConsoleFailure("permission denied"))))
        XCTAssertEqual(state.currentRepo?.lastError, "cache: permission denied")
        XCTAssertEqual(state.result?.kind, .failure)
    }

    func testACacheNoticeIsShown() {
        var state = ConsoleState(repos: [Fixtures.demo], now: Fixtures.t0)
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: [:], notice: "corrupt cache moved aside"))))
        XCTAssertEqual(state.currentRepo?.cacheNotice, "corrupt cache moved aside")
        XCTAssertEqual(state.result?.message, "demo: corrupt cache moved aside")
    }

    func testPeriodicRefreshRunsAtTheConfiguredInterval() {
        var state = ConsoleState(repos: [Fixtures.demo, Fixtures.tools], now: Fixtures.t0, refreshSeconds: 30)
        XCTAssertEqual(reduce(&state, .tick(Fixtures.t0.addingTimeInterval(29))), [])
        XCTAssertEqual(
            reduce(&state, .tick(Fixtures.t0.addingTimeInterval(30))),
            [.fetchLive(repo: "demo"), .loadCache(repo: "demo"), .fetchLive(repo: "tools"), .loadCache(repo: "tools")],
            "live and the cache, which a serve or a cron run may have written")
        XCTAssertEqual(reduce(&state, .tick(Fixtures.t0.addingTimeInterval(31))), [])
    }

    func testPeriodicRefreshIsOffAtZero() {
        var state = ConsoleState(repos: [Fixtures.demo], now: Fixtures.t0, refreshSeconds: 0)
        XCTAssertEqual(reduce(&state, .tick(Fixtures.t0.addingTimeInterval(86_400))), [])
    }

    func testSuccessesFadeAfterAFewSecondsAndErrorsStay() {
        var state = Fixtures.loadedState()
        state.report(.success, "done")
        _ = reduce(&state, .tick(state.now.addingTimeInterval(TaskResult.fadeSeconds - 1)))
        XCTAssertEqual(state.result?.message, "done")
        _ = reduce(&state, .tick(state.now.addingTimeInterval(1)))
        XCTAssertNil(state.result)
        state.report(.failure, "broken")
        state.report(.success, "later success")
        XCTAssertEqual(state.result?.message, "broken", "a success does not hide an unseen error")
    }

    func testSAsksBeforeSyncingAndNoIsTheDefault() {
        var state = Fixtures.loadedState()
        press(&state, .char("s"))
        XCTAssertEqual(state.modal, .confirmSync(repo: "demo"))
        XCTAssertEqual(press(&state, .escape), [])
        XCTAssertEqual(state.result?.message, "sync cancelled")
        press(&state, .char("s"))
        XCTAssertEqual(press(&state, .char("y")), [.sync(repo: "demo")])
        XCTAssertEqual(state.runningTasks.map(\.message), ["syncing demo cache"])
    }

    func testASyncMakesTheCacheAndLiveDataAgree() {
        var state = Fixtures.loadedState()
        press(&state, .char("s"), .char("y"))
        let at = Fixtures.t0.addingTimeInterval(40)
        _ = reduce(&state, .syncFinished(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(Fixtures.live))), at: at))
        XCTAssertEqual(state.currentRepo?.counts.stale, 0)
        XCTAssertEqual(state.currentRepo?.liveAt, at)
        XCTAssertEqual(state.result?.message, "demo: cache synced from live (7 open issues)")
    }

    func testASyncFailureLeavesTheCacheAsItWas() {
        var state = Fixtures.loadedState()
        press(&state, .char("s"), .char("y"))
        _ = reduce(&state, .syncFinished(repo: "demo", .failure(ConsoleFailure("rate limited")), at: Fixtures.t0))
        XCTAssertEqual(state.currentRepo?.cached, Fixtures.byNumber(Fixtures.cached))
        XCTAssertEqual(state.result?.message, "demo: sync failed, cache unchanged: rate limited")
    }

    func testTheRateLimitIsKept() {
        var state = Fixtures.loadedState()
        let limit = RateLimitSnapshot(limit: 5000, remaining: 4990, reset: nil)
        _ = reduce(&state, .rateLimitLoaded(limit))
        _ = reduce(&state, .rateLimitLoaded(nil))
        XCTAssertEqual(state.rateLimit, limit)
    }
}
