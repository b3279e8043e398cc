import XCTest
@testable import Coordinator

final class CacheRefresherTests: XCTestCase {
    let refresher = CacheRefresher(policy: RefreshPolicy(duplicateWindow: 60, fullRefreshInterval: 24 * 3600))
    let now = Timestamp.parse("2026-11-24T10:00:00Z")!

    func fresh(_ issues: [Issue], checkedAgo: TimeInterval = 600, fullAgo: TimeInterval = 3600, cursor: String = "2026-11-24T09:50:00Z") -> IssueCache {
        IssueCache(
            lastChecked: now.addingTimeInterval(-checkedAgo), lastFullRefresh: now.addingTimeInterval(-fullAgo),
            updatesCoveredThrough: Timestamp.parse(cursor), issues: Dictionary(uniqueKeysWithValues: issues.map { ($0.number, $0) }))
    }

    func testInsideTheReuseWindowNoRequestIsMade() async throws {
        let github = FakeGitHub([issue(1, ["status-02:awaiting-planning"])])
        let cache = fresh([], checkedAgo: 30)
        let (result, kind) = try await refresher.refresh(cache, from: github, now: now)
        XCTAssertEqual(kind, .reused)
        XCTAssertEqual(result, cache)
        let calls = await github.listCalls.count
        XCTAssertEqual(calls, 0)
    }

    func testForceAlwaysDoesAFullRefresh() async throws {
        let github = FakeGitHub([issue(1, [])])
        let (_, kind) = try await refresher.refresh(fresh([], checkedAgo: 1), from: github, now: now, force: true)
        XCTAssertEqual(kind, .full)
    }

    func testFullRefreshUsesTheServerClock() async throws {
        let github = FakeGitHub([issue(1, [])])
        let serverNow = Timestamp.parse("2026-11-24T09:58:00Z")!
        await github.setServerDate(serverNow)
        let (result, kind) = try await refresher.refresh(.empty, from: github, now: now)
        XCTAssertEqual(kind, .full)
        XCTAssertEqual(result.lastFullRefresh, serverNow)
        XCTAssertEqual(result.updatesCoveredThrough, serverNow)
        XCTAssertEqual(result.lastChecked, now)
        let calls = await github.listCalls
        XCTAssertEqual(calls.first?.state, .open)
        XCTAssertNil(calls.first?.since)
    }

    func testFullRefreshCoversAnUpdateDatedAfterTheServerClock() async throws {
        // The Date header is rounded down to the second; an issue edited in that second can carry
        // a later updated_at. The cursor covers it, so the next incremental listing keeps the cursor
        // and its validator is for the URL the one after it asks again.
        let github = FakeGitHub([issue(1, [], updated: "2026-11-24T09:58:01Z"), issue(2, [], updated: "2026-11-24T09:00:00Z")])
        let serverNow = Timestamp.parse("2026-11-24T09:58:00Z")!
        await github.setServerDate(serverNow)
        let (result, _) = try await refresher.refresh(.empty, from: github, now: now)
        XCTAssertEqual(result.lastFullRefresh, serverNow)
        XCTAssertEqual(result.updatesCoveredThrough, Timestamp.parse("2026-11-24T09:58:01Z"))
    }

    func testIncrementalListsAllStatesSinceCursorMinusOverlap() async throws {
        let github = FakeGitHub([issue(1, ["status-05:plan-ready"], updated: "2026-11-24T09:52:00Z")])
        let (result, kind) = try await refresher.refresh(fresh([issue(1, ["status-04:plan-review"])]), from: github, now: now)
        XCTAssertEqual(kind, .incremental)
        let call = await github.listCalls.first!
        XCTAssertEqual(call.state, .all)
        XCTAssertEqual(call.since, Timestamp.parse("2026-11-24T09:45:00Z"))
        XCTAssertEqual(result.issues[1]?.labels, ["status-05:plan-ready"])
        XCTAssertEqual(result.updatesCoveredThrough, Timestamp.parse("2026-11-24T09:52:00Z"))
    }

    func testEmptyIncrementalLeavesTheCursor() async throws {
        let github = FakeGitHub([])
        let cache = fresh([issue(1, [])])
        let (result, _) = try await refresher.refresh(cache, from: github, now: now)
        XCTAssertEqual(result.updatesCoveredThrough, cache.updatesCoveredThrough)
        XCTAssertEqual(result.lastChecked, now)
    }

    func testCursorNeverMovesBackwards() async throws {
        // Only an update older than the cursor comes back (inside the overlap).
        let github = FakeGitHub([issue(1, ["x"], updated: "2026-11-24T09:47:00Z")])
        let cache = fresh([issue(1, [])])
        let (result, _) = try await refresher.refresh(cache, from: github, now: now)
        XCTAssertEqual(result.updatesCoveredThrough, Timestamp.parse("2026-11-24T09:50:00Z"))
        XCTAssertEqual(result.issues[1]?.labels, ["x"])
    }

    func testAFailedRequestChangesNothing() async throws {
        let github = FakeGitHub([])
        await github.setFailLists(true)
        do {
            _ = try await refresher.refresh(fresh([issue(1, [])]), from: github, now: now)
            XCTFail("expected the failure to propagate")
        } catch {
            XCTAssertTrue("\(error)".contains("500"))
        }
    }

    func testFullRefreshAgeIsMeasuredFromTheLastFullRefresh() {
        // Checked a minute ago (every run moves that), but the last full refresh was two days ago.
        let cache = fresh([], checkedAgo: 120, fullAgo: 2 * 24 * 3600)
        XCTAssertEqual(refresher.kind(for: cache, now: now, force: false), .full)
    }
}
