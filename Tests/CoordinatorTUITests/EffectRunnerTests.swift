import Coordinator
import Synchronization
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class EffectRunnerTests: XCTestCase {
    private let at = Fixtures.t0

    private func run(_ effect: ConsoleEffect, backend: FakeBackend = FakeBackend()) async -> [ConsoleAction] {
        let inbox = Inbox()
        let runner = EffectRunner(backend: backend, inbox: inbox, clock: { [at] in at })
        await runner.run(effect)?.value
        return inbox.drain()
    }

    func testLoadHistoryAsksTheBackendOffTheUIThreadAndPostsTheTrail() async {
        let backend = FakeBackend()
        let actions = await run(.loadHistory, backend: backend)
        XCTAssertEqual(actions, [.historyLoaded(.success(HistoryAudit(entries: Fixtures.historyEntries)), at: at)])
        XCTAssertEqual(backend.calls.withLock { $0 }, ["history"])
    }

    func testOpenURLHandsTheURLToTheOpenerAndPostsWhetherItStarted() async {
        let opened = Mutex<[String]>([])
        let inbox = Inbox()
        let runner = EffectRunner(backend: FakeBackend(), inbox: inbox, clock: { [at] in at }, opener: { url in
            opened.withLock { $0.append(url) }
            return url.contains("bad") ? "xdg-open: not found" : nil
        })
        await runner.run(.openURL("http://jenkins/job/x/7/"))?.value
        await runner.run(.openURL("http://bad"))?.value
        XCTAssertEqual(opened.withLock { $0 }, ["http://jenkins/job/x/7/", "http://bad"])
        XCTAssertEqual(inbox.drain(), [.urlOpened("http://jenkins/job/x/7/", failure: nil), .urlOpened("http://bad", failure: "xdg-open: not found")])
    }

    func testLoadCachePostsCacheLoaded() async {
        let actions = await run(.loadCache(repo: "demo"))
        XCTAssertEqual(actions, [.cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(Fixtures.cached))))])
    }

    func testFetchLivePostsLiveLoadedWithTheTime() async {
        let actions = await run(.fetchLive(repo: "demo"))
        XCTAssertEqual(actions, [.liveLoaded(repo: "demo", .success(Fixtures.live), at: at, requestedAt: at)])
    }

    func testAFailedFetchIsPostedAsAFailure() async {
        let actions = await run(.fetchLive(repo: "demo"), backend: FakeBackend(liveFailure: ConsoleFailure("offline")))
        XCTAssertEqual(actions, [.liveLoaded(repo: "demo", .failure(ConsoleFailure("offline")), at: at, requestedAt: at)])
    }

    func testPreviewPostsEachPlanOfTheBatch() async {
        let issues = [109, 104].map { Fixtures.byNumber(Fixtures.live)[$0]! }
        let backend = FakeBackend()
        let actions = await run(.preview(repo: "demo", issues: issues), backend: backend)
        XCTAssertEqual(actions, [
            .previewLoaded(repo: "demo", issue: 109, .success(.ready(Fixtures.plan109))),
            .previewLoaded(repo: "demo", issue: 104, .success(.ready(Fixtures.plan109))),
        ])
        XCTAssertEqual(backend.calls.withLock { $0 }, ["preview demo #109 #104"], "one backend call for the batch")
    }

    func testDispatchRunsTheIssuesInOrderAndReportsEach() async {
        let backend = FakeBackend()
        let actions = await run(.dispatch(repo: "demo", issues: [109, 104]), backend: backend)
        XCTAssertEqual(actions, [
            .dispatchFinished(repo: "demo", .dispatched(Fixtures.receipt109), at: at),
            .dispatchFinished(
                repo: "demo", .failed(DispatchFailure(issueNumber: 104, stage: .jenkins, message: "boom", jobStarted: false)), at: at),
        ])
        XCTAssertEqual(backend.calls.withLock { $0 }, ["dispatch demo #109", "dispatch demo #104"])
    }

    func testSyncFailurePostsSyncFinished() async {
        let actions = await run(.sync(repo: "demo"))
        XCTAssertEqual(actions, [.syncFinished(repo: "demo", .failure(ConsoleFailure("sync refused")), at: at)])
    }

    func testSurveyBusyPostsTheSurvey() async {
        let backend = FakeBackend(busy: Fixtures.busySurvey)
        let actions = await run(.surveyBusy(repo: "demo", issues: Fixtures.busyIssues), backend: backend)
        XCTAssertEqual(actions, [.busySurveyed(repo: "demo", Fixtures.busySurvey, at: at)])
        XCTAssertEqual(backend.calls.withLock { $0 }, ["surveyBusy demo #103 #107 #111"])
    }

    func testUnstickOfSeveralIssuesCallsTheCoreForEachInOrderAndPostsEachResult() async {
        let backend = FakeBackend()
        let actions = await run(.unstick(repo: "demo", issues: [109, 111], to: .pickup), backend: backend)
        XCTAssertEqual(actions, [
            .unstickFinished(repo: "demo", issue: 109, .failure(ConsoleFailure("#109 carries no busy label on GitHub")), at: at),
            .unstickFinished(repo: "demo", issue: 111, .success(Fixtures.unstuck111), at: at),
        ])
        XCTAssertEqual(backend.calls.withLock { $0 }, ["unstick demo #109 pickup", "unstick demo #111 pickup"], "one after another, a failure does not stop the rest")
    }

    func testUnstickPostsItsResultOrItsFailure() async {
        let backend = FakeBackend()
        let done = await run(.unstick(repo: "demo", issues: [111], to: .pickup), backend: backend)
        XCTAssertEqual(done, [.unstickFinished(repo: "demo", issue: 111, .success(Fixtures.unstuck111), at: at)])
        let refused = await run(.unstick(repo: "demo", issues: [109], to: .failure), backend: backend)
        XCTAssertEqual(refused, [
            .unstickFinished(repo: "demo", issue: 109, .failure(ConsoleFailure("#109 carries no busy label on GitHub")), at: at),
        ])
        XCTAssertEqual(backend.calls.withLock { $0 }, ["unstick demo #111 pickup", "unstick demo #109 failure"])
    }

    func testRateLimitIsPosted() async {
        let actions = await run(.fetchRateLimit)
        XCTAssertEqual(actions, [.rateLimitLoaded(RateLimitSnapshot(limit: 5000, remaining: 4999, reset: nil))])
    }

    func testRedrawAndQuitAreLeftToTheTerminalLoop() async {
        let backend = FakeBackend()
        let runner = EffectRunner(backend: backend, inbox: Inbox())
        XCTAssertNil(runner.run(.redraw))
        XCTAssertNil(runner.run(.quit))
        XCTAssertEqual(backend.calls.withLock { $0 }, [])
    }

    /// The whole loop without a terminal: start, feed results back, dispatch with confirmation.
    func testStartToDispatchThroughTheReducerAndRunner() async {
        let backend = FakeBackend()
        let inbox = Inbox()
        let runner = EffectRunner(backend: backend, inbox: inbox, clock: { [at] in at })
        var state = ConsoleState(repos: backend.repos, now: at)
        func settle(_ effects: [ConsoleEffect]) async {
            var pending = effects
            while !pending.isEmpty {
                for effect in pending { await runner.run(effect)?.value }
                pending = inbox.drain().flatMap { reduce(&state, $0) }
            }
        }
        await settle(reduce(&state, .started))
        XCTAssertEqual(state.listed, [109, 104, 101, 102, 130])
        XCTAssertEqual(state.currentRepo?.counts.stale, 3)
        await settle(press(&state, .char("d"), .char("y")))
        XCTAssertEqual(state.currentRepo?.dispatches[109], .dispatched(Fixtures.receipt109, at: at))
        XCTAssertTrue(state.running.isEmpty)
        XCTAssertEqual(state.rateLimit?.remaining, 4999)
        XCTAssertEqual(backend.calls.withLock { $0 }.filter { $0.hasPrefix("dispatch") }, ["dispatch demo #109"])
    }
}
