import Coordinator
import Foundation
import Sandbox
import XCTest

/// `coordinator history` end to end: the dispatches of a run and an unstick, newest first, with
/// who made each; the archive is read too; filters and `--json`; a bad `--since` is a usage error.
final class HistoryCommandTests: CommandTestCase {
    func testTheAuditTrailListsDispatchesAndUnsticksNewestFirstWithWhoMadeThem() async throws {
        let h = try await start(Self.standardScenario())
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        assertExit(try await h.run(["run", "--all", "--config", config]), 0)
        assertExit(try await h.run(["unstick", "alpha", "2", "--to", "pickup", "--config", config]), 0)

        // A dispatch from long ago, moved to the archive by compaction.
        let log = h.ledgerFile(owner: "acme", repo: "alpha")
        let archive = HistoryLog(url: URL(fileURLWithPath: log.path.replacingOccurrences(of: ".dispatches.jsonl", with: ".dispatches.archive.jsonl")))
        let old = try XCTUnwrap(Timestamp.parse("2025-01-10T09:00:00Z"))
        for (offset, step) in [HistoryStep.intent(.init(workflow: "create-plan", by: "olga@old-host (run)")), .jobStarted(queueID: 5, merged: false), .done(queueID: 5, buildURL: nil, message: nil)].enumerated() {
            try archive.append(HistoryRecord(
                time: old + TimeInterval(offset), dispatchID: "ancient", issue: 3, pickup: Self.p02, busy: Self.b03, step: step))
        }

        let all = try await h.run(["history", "--all", "--config", config])
        assertExit(all, 0)
        let lines = all.stdout.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 5, all.description)
        XCTAssertTrue(lines.first?.contains("alpha  #2  unstick  \(Self.b06) → \(Self.p05) (pickup)") == true, all.description)
        XCTAssertTrue(lines.first?.contains(" by ") == true, all.description)
        XCTAssertTrue(lines.last?.contains("2025-01-10T09:00:00Z  alpha  #3  create-plan") == true, all.description)
        XCTAssertTrue(lines.last?.contains("by olga@old-host (run)") == true, all.description)
        let runDispatch = try XCTUnwrap(lines.first { $0.contains("#2  implement") }, all.description)
        assertContains(runDispatch, ["\(Self.p05) → \(Self.b06)", "done", "queue ", "(run)"], all)

        let one = try await h.run(["history", "--repo", "alpha", "--issue", "2", "--json", "--config", config])
        assertExit(one, 0)
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [[String: Any]], one.description)
        XCTAssertEqual(entries.map { $0["kind"] as? String }, ["unstick", "dispatch"])
        XCTAssertEqual(entries.compactMap { $0["issue"] as? Int }, [2, 2])
        XCTAssertEqual(entries.last?["workflow"] as? String, "implement")
        XCTAssertEqual(entries.last?["last_step"] as? String, "done")
        XCTAssertNotNil(entries.last?["queue_id"] as? Int)

        let none = try await h.run(["history", "--all", "--since", "2999-01-01", "--config", config])
        assertExit(none, 0)
        XCTAssertEqual(none.stdout, "no dispatches recorded since 2999-01-01\n")
        let recent = try await h.run(["history", "--all", "--since", "2026-01-01T00:00:00Z", "--config", config])
        assertExit(recent, 0)
        XCTAssertFalse(recent.stdout.contains("2025-01-10"), recent.description)
        XCTAssertTrue(recent.stdout.contains("#2  implement"), recent.description)

        let bad = try await h.run(["history", "--all", "--since", "yesterday", "--config", config])
        assertExit(bad, 2)
        XCTAssertTrue(bad.stderr.contains("--since: 'yesterday' is not a date"), bad.description)
    }
}
