import Foundation
import XCTest
@testable import Coordinator

/// When a stale entry changed against the cache's clocks, and which refresh brings it in.
final class StaleSightingTests: XCTestCase {
    private let policy = RefreshPolicy(duplicateWindow: 60, fullRefreshInterval: 24 * 3600)
    private let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    private func entry(updatedAt: Date?, live: Bool = true) -> CacheDiff.Entry {
        let cached = Issue(number: 1, title: "One", labels: ["status-04:plan-review"])
        var changed = cached
        changed.labels = ["status-05:plan-ready"]
        changed.updatedAt = updatedAt
        return CacheDiff(cached: [cached], live: live ? [changed] : []).entries[0]
    }

    /// Synced at t0 (cursor t0), checked at t0 + 100 s.
    private var times: CacheTimes {
        CacheTimes(lastChecked: t0.addingTimeInterval(100), lastFullRefresh: t0, cursor: t0)
    }

    func testAChangeAfterTheCursorIsSeenByTheNextIncrementalRun() {
        let sighting = StaleSighting(entry: entry(updatedAt: t0.addingTimeInterval(200)), times: times, policy: policy, now: t0.addingTimeInterval(300))
        XCTAssertEqual(sighting.seenBy, .nextIncremental)
        XCTAssertFalse(sighting.reuseWindowOpen)
        XCTAssertEqual(sighting.changedSinceLastCheck, true)
        XCTAssertEqual(sighting.reuseWindowEnds, t0.addingTimeInterval(160))
    }

    func testInsideTheReuseWindowARunUsesTheCacheAsItIs() {
        let sighting = StaleSighting(entry: entry(updatedAt: t0.addingTimeInterval(120)), times: times, policy: policy, now: t0.addingTimeInterval(130))
        XCTAssertTrue(sighting.reuseWindowOpen)
        XCTAssertEqual(sighting.seenBy, .nextIncremental)
    }

    func testAChangeOlderThanTheCursorIsSeenOnlyByAFullRefresh() {
        // Older than the cursor by more than the five-minute overlap the incremental listing re-reads.
        let sighting = StaleSighting(entry: entry(updatedAt: t0.addingTimeInterval(-600)), times: times, policy: policy, now: t0.addingTimeInterval(300))
        XCTAssertEqual(sighting.seenBy, .onlyFullRefresh(due: t0.addingTimeInterval(24 * 3600)))
        XCTAssertEqual(sighting.changedSinceLastCheck, false)
        // Inside the overlap an incremental listing still re-reads it.
        let boundary = StaleSighting(entry: entry(updatedAt: t0.addingTimeInterval(-60)), times: times, policy: policy, now: t0.addingTimeInterval(300))
        XCTAssertEqual(boundary.seenBy, .nextIncremental)
    }

    func testWhenAFullRefreshIsDueTheNextRefreshSeesEverything() {
        let late = t0.addingTimeInterval(25 * 3600)
        let sighting = StaleSighting(entry: entry(updatedAt: t0.addingTimeInterval(-600)), times: times, policy: policy, now: late)
        XCTAssertEqual(sighting.seenBy, .nextFullRefresh)
        let noCursor = StaleSighting(entry: entry(updatedAt: t0), times: CacheTimes(lastChecked: t0), policy: policy, now: t0.addingTimeInterval(300))
        XCTAssertEqual(noCursor.seenBy, .nextFullRefresh)
    }

    func testAnIssueNoLongerOpenHasNoUpdateTimeToCompare() {
        let sighting = StaleSighting(entry: entry(updatedAt: nil, live: false), times: times, policy: policy, now: t0.addingTimeInterval(300))
        XCTAssertNil(sighting.updatedAt)
        XCTAssertNil(sighting.changedSinceLastCheck)
        XCTAssertEqual(sighting.seenBy, .closedOrDeleted(fullDue: t0.addingTimeInterval(24 * 3600)))
    }
}
