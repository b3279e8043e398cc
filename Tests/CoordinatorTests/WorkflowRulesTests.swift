import XCTest
@testable import Coordinator

final class WorkflowRulesTests: XCTestCase {
    let rules = WorkflowRules()

    func testEachPickupLabelRoutesToItsWorkflow() {
        XCTAssertEqual(rules.classify(issue(1, ["status-02:awaiting-planning"])).route?.workflow, .createPlan)
        XCTAssertEqual(rules.classify(issue(1, ["status-05:plan-ready", "enhancement"])).route?.workflow, .implement)
        XCTAssertEqual(rules.classify(issue(1, ["status-08:ready-pr"])).route?.busyLabel, "status-09:pr-creating")
    }

    func testClosedIssueIsNotEligible() {
        XCTAssertEqual(rules.classify(issue(1, ["status-02:awaiting-planning"], state: .closed)), .ineligible(.closed))
    }

    func testIgnoreLabelsAreExactAndCaseSensitive() {
        XCTAssertEqual(rules.classify(issue(1, ["status-02:awaiting-planning", "blocked"])), .ineligible(.ignored("blocked")))
        XCTAssertEqual(rules.classify(issue(1, ["status-02:awaiting-planning", "Overview"])), .ineligible(.ignored("Overview")))
        XCTAssertNotNil(rules.classify(issue(1, ["status-02:awaiting-planning", "Blocked", "waiting"])).route)
    }

    func testTwoPickupLabelsAreNotEligible() {
        XCTAssertEqual(
            rules.classify(issue(1, ["status-02:awaiting-planning", "status-05:plan-ready"])),
            .ineligible(.severalPickupLabels(["status-02:awaiting-planning", "status-05:plan-ready"])))
    }

    func testPickupWithBusyLabelIsAConflict() {
        XCTAssertEqual(
            rules.classify(issue(1, ["status-02:awaiting-planning", "status-03:planning"])),
            .conflict(pickup: ["status-02:awaiting-planning"], busy: ["status-03:planning"]))
    }

    func testBusyOrHumanLabelsAreNotEligible() {
        XCTAssertEqual(rules.classify(issue(1, ["status-03:planning"])), .ineligible(.busy("status-03:planning")))
        XCTAssertEqual(rules.classify(issue(1, ["status-04:plan-review"])), .ineligible(.noPickupLabel))
        XCTAssertEqual(rules.classify(issue(1, [])), .ineligible(.noPickupLabel))
    }

    func testOrderIsPriorityThenOldestFirst() {
        let issues = [
            issue(5, ["status-02:awaiting-planning"]), issue(9, ["status-08:ready-pr"]), issue(2, ["status-02:awaiting-planning"]),
            issue(7, ["status-05:plan-ready"]), issue(3, ["status-08:ready-pr"]), issue(4, ["status-03:planning"]),
        ]
        XCTAssertEqual(rules.eligible(issues).map(\.issue.number), [3, 9, 7, 2, 5])
        XCTAssertEqual(rules.eligible(issues.reversed()).map(\.issue.number), [3, 9, 7, 2, 5])
    }

    func testStatusLabelIsTheWorkflowLabel() {
        XCTAssertEqual(rules.statusLabel(of: ["bug", "status-05:plan-ready"]), "status-05:plan-ready")
        XCTAssertNil(rules.statusLabel(of: ["bug"]))
    }

    func testLabelsFileInUpstreamShapeReplacesTheSet() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("labels.json")
        let standard = LabelSet.standard
        let json: [String: Any] = [
            "workflow_labels": standard.workflowLabels.map {
                ["internal_id": $0.internalID, "name": $0.name, "color": $0.color, "description": $0.description, "category": $0.category.rawValue]
            },
            "ignore_labels": ["on-hold 🛑"],
        ]
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        let loaded = try LabelSet.load(from: url.path)
        XCTAssertEqual(loaded.workflowLabels, standard.workflowLabels)
        let custom = WorkflowRules(labels: loaded)
        XCTAssertEqual(custom.classify(issue(1, ["status-02:awaiting-planning", "on-hold 🛑"])), .ineligible(.ignored("on-hold 🛑")))
        XCTAssertNotNil(custom.classify(issue(1, ["status-02:awaiting-planning", "blocked"])).route)
    }

    func testMalformedLabelsFileIsAClearError() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("labels.json")
        try Data(#"{"workflow_labels": [{"name": "x"}]}"#.utf8).write(to: url)
        XCTAssertThrowsError(try LabelSet.load(from: url.path)) { error in
            XCTAssertTrue("\(error)".contains("missing key 'category'"), "\(error)")
        }
    }
}
