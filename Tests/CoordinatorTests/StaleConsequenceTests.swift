import Foundation
import XCTest
@testable import Coordinator

/// A stale cache entry ranked by what it would make a run inside the reuse window do.
final class StaleConsequenceTests: XCTestCase {
    private let rules = WorkflowRules()
    private let p02 = "status-02:awaiting-planning", b03 = "status-03:planning"
    private let h04 = "status-04:plan-review", p05 = "status-05:plan-ready"

    private func issue(_ number: Int, _ labels: [String], title: String = "Issue", state: IssueState = .open) -> Issue {
        Issue(number: number, title: title, state: state, labels: labels)
    }

    private func consequence(cached: Issue?, live: Issue?) -> StaleConsequence? {
        CacheDiff(cached: cached.map { [$0] } ?? [], live: live.map { [$0] } ?? []).entries.first?.consequence(under: rules)
    }

    // MARK: would dispatch again

    func testCachedEligibleButBusyLiveWouldDispatchAgain() {
        XCTAssertEqual(consequence(cached: issue(1, [p02]), live: issue(1, [b03])), .wouldDispatchAgain)
    }

    func testCachedEligibleButClosedLiveWouldDispatchAgain() {
        XCTAssertEqual(consequence(cached: issue(1, [p02]), live: issue(1, [p02], state: .closed)), .wouldDispatchAgain)
        // Gone from the open listing altogether.
        XCTAssertEqual(consequence(cached: issue(1, [p02]), live: nil), .wouldDispatchAgain)
    }

    func testCachedEligibleButBlockedOrConflictingLiveWouldDispatchAgain() {
        XCTAssertEqual(consequence(cached: issue(1, [p02]), live: issue(1, [p02, "blocked"])), .wouldDispatchAgain)
        XCTAssertEqual(consequence(cached: issue(1, [p02]), live: issue(1, [p02, b03])), .wouldDispatchAgain)
    }

    func testCachedEligibleForAnotherWorkflowWouldDispatchAgainRatherThanMiss() {
        XCTAssertEqual(consequence(cached: issue(1, [p02]), live: issue(1, [p05])), .wouldDispatchAgain)
    }

    // MARK: would miss

    func testLiveEligibleButIneligibleInTheCacheWouldBeMissed() {
        XCTAssertEqual(consequence(cached: issue(1, [h04]), live: issue(1, [p05])), .wouldMiss)
        XCTAssertEqual(consequence(cached: issue(1, [p05, "wait"]), live: issue(1, [p05])), .wouldMiss)
    }

    func testLiveEligibleButNotCachedWouldBeMissed() {
        XCTAssertEqual(consequence(cached: nil, live: issue(1, [p02])), .wouldMiss)
    }

    func testReopenedEligibleIssueWouldBeMissed() {
        XCTAssertEqual(consequence(cached: issue(1, [p02], state: .closed), live: issue(1, [p02])), .wouldMiss)
    }

    // MARK: harmless

    func testATitleOnlyDifferenceIsStaleAndHarmless() {
        let diff = CacheDiff(cached: [issue(1, [p02], title: "Old")], live: [issue(1, [p02], title: "New")])
        XCTAssertEqual(diff.stale.map(\.kind), [.titleDiffers(cached: "Old", live: "New")])
        XCTAssertEqual(diff.entries.first?.consequence(under: rules), .harmless)
    }

    func testOtherLabelsOfAnEligibleIssueAreHarmless() {
        XCTAssertEqual(consequence(cached: issue(1, [p02]), live: issue(1, [p02, "bug"])), .harmless)
    }

    func testChangesToAnIneligibleIssueAreHarmless() {
        XCTAssertEqual(consequence(cached: issue(1, [h04]), live: issue(1, [b03])), .harmless)
        XCTAssertEqual(consequence(cached: issue(1, [h04]), live: issue(1, [h04], state: .closed)), .harmless)
        XCTAssertEqual(consequence(cached: issue(1, [h04]), live: nil), .harmless)
        XCTAssertEqual(consequence(cached: nil, live: issue(1, ["status-01:created"])), .harmless)
    }

    func testAnEntryInSyncHasNoConsequence() {
        XCTAssertNil(consequence(cached: issue(1, [p02]), live: issue(1, [p02])))
    }

    // MARK: ranking

    func testRankingIsDispatchAgainThenMissThenHarmlessThenNumber() {
        let cached = [
            issue(1, [h04], title: "Old"), issue(2, [h04]), issue(3, [p02]), issue(4, [h04]), issue(5, [p02]), issue(6, [p02]),
        ]
        let live = [
            issue(1, [h04], title: "New"), issue(2, [p05]), issue(3, [b03]), issue(4, [h04, "bug"]), issue(6, [p02]), issue(7, [p02]),
        ]
        let ranked = CacheDiff(cached: cached, live: live).ranked(by: rules)
        XCTAssertEqual(ranked.map(\.entry.number), [3, 5, 2, 7, 1, 4])
        XCTAssertEqual(ranked.map(\.consequence), [.wouldDispatchAgain, .wouldDispatchAgain, .wouldMiss, .wouldMiss, .harmless, .harmless])
    }

    func testTheRulesInForceDecide() {
        // A workflow of another label set: what the default rules call harmless is a miss here.
        var mapping = WorkflowMapping.standard
        mapping.routes.append(WorkflowRoute(
            priority: 4, pickupLabel: "status-14:plan-review-bot", workflow: WorkflowName(rawValue: "review-plan"),
            branch: .linkedBranch, busyLabel: "status-14i:plan-reviewing"))
        let custom = WorkflowRules(labels: .standard, mapping: mapping)
        let entry = CacheDiff(cached: [issue(1, [h04])], live: [issue(1, ["status-14:plan-review-bot"])]).entries[0]
        XCTAssertEqual(entry.consequence(under: rules), .harmless)
        XCTAssertEqual(entry.consequence(under: custom), .wouldMiss)
    }
}
