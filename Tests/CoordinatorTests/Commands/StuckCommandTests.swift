import Foundation
import Sandbox
import XCTest

/// `coordinator stuck` and `coordinator unstick` end to end against the Sandbox: an issue that has
/// held a busy label since the scenario began (known from GitHub's issue events) and a dispatched
/// issue whose build failed are reported stuck (exit 3, text and JSON), `unstick --to pickup`
/// puts the pickup label back, and the next run dispatches it again.
final class StuckCommandTests: CommandTestCase {
    func testAFailedBuildIsStuckUntilUnstuckThenDispatchedAgain() async throws {
        var scenario = Self.standardScenario()
        scenario.jenkins.buildDurationMs = 3_600_000
        let h = try await start(scenario)
        let config = try writeStandardConfig(h, repos: [Self.alpha]) { $0.stuckGraceMinutes = 0 }
        assertExit(try await h.run(["run", "--all", "--config", config]), 0)

        // Builds running: our three are busy and fine; #6 has held its busy label since it was
        // created on the scenario's 2026-11-20 08:00 UTC (GitHub's issue events say so), over
        // planning's 15 minutes.
        let created = try XCTUnwrap(ISO8601DateFormatter().date(from: "2026-11-20T08:00:00Z"))
        // The day count is taken before and after the command, so a day that turns meanwhile
        // (at 08:00 UTC) gives one of the two, never a third.
        let daysBefore = Int(Date().timeIntervalSince(created) / 86_400)
        let calm = try await h.run(["stuck", "--all", "--config", config])
        let daysAfter = Int(Date().timeIntervalSince(created) / 86_400)
        assertExit(calm, 3)
        assertContains(calm.stdout, ["alpha: 4 busy, 1 stuck", "over the workflow's 15m timeout"], calm)
        XCTAssertTrue(
            Set([daysBefore, daysAfter]).contains { calm.stdout.contains("#6 \(Self.b03) for \($0)d") },
            "#6 busy for \(daysBefore)d or \(daysAfter)d:\n\(calm)")

        // #2's build (implement) fails.
        let builds = await h.server.builds()
        let build = try XCTUnwrap(builds.first { Self.issueNumber(of: $0) == 2 })
        try await h.server.finishBuild(queueID: build.queueID, .failure)

        let stuck = try await h.run(["stuck", "--repo", "alpha", "--config", config])
        assertExit(stuck, 3)
        assertContains(stuck.stdout, [
            "alpha: 4 busy, 2 stuck", "#2 \(Self.b06)", "failure", "STUCK: build ended (failure)",
            "fix: coordinator unstick alpha 2 --to pickup",
        ], stuck)

        let json = try await h.run(["stuck", "--all", "--json", "--config", config])
        assertExit(json, 3)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        let entries = try XCTUnwrap(parsed.first?["stuck"] as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["number"] as? Int }, [2, 6])
        XCTAssertEqual(entries.last?["busy_since_source"] as? String, "events")
        XCTAssertEqual((entries.first?["build"] as? [String: Any])?["state"] as? String, "failure")
        XCTAssertEqual(entries.first?["workflow"] as? String, "implement")
        XCTAssertEqual(entries.first?["busy_since_source"] as? String, "ledger")
        // The end is in the ledger: asked once.
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "alpha", issue: 2).filter { $0 == "build_finished" }.count, 1)

        // status shows it too.
        let status = try await h.run(["status", "--repo", "alpha", "--config", config])
        assertExit(status, 0)
        assertContains(status.stdout, ["busy: #2 \(Self.b06)", "failure", "STUCK"], status)

        // A script puts it back; nothing is asked.
        let unstick = try await h.run(["unstick", "alpha", "2", "--to", "pickup", "--config", config])
        assertExit(unstick, 0)
        XCTAssertTrue(unstick.stdout.contains("alpha #2: \(Self.b06) → \(Self.p05)"), "\(unstick)")
        let live = await liveLabels(h, Self.alpha.key, 2)
        XCTAssertEqual(live.map(Set.init), [Self.p05])
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "alpha")[2].map(Set.init), [Self.p05])
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "alpha", issue: 2).last, "reset")

        let after = try await h.run(["stuck", "--all", "--config", config])
        assertExit(after, 3)
        XCTAssertTrue(after.stdout.contains("alpha: 3 busy, 1 stuck"), "\(after)")

        // The next run dispatches #2 again.
        assertExit(try await h.run(["run", "--all", "--config", config]), 0)
        let counts = await buildCounts(h)
        XCTAssertEqual(counts[BuildKey(job: Self.alpha.jobPath, issue: 2)], 2)

        // Refusals: not busy now… and a bad target is a usage error.
        let notBusy = try await h.run(["unstick", "alpha", "8", "--to", "failure", "--config", config])
        assertExit(notBusy, 1)
        XCTAssertTrue(notBusy.stderr.contains("#8 carries no busy label"), "\(notBusy)")
        assertExit(try await h.run(["unstick", "alpha", "2", "--to", "sideways", "--config", config]), 2)
    }
}
