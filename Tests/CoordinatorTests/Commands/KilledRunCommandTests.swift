import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The headless commands end to end: a run killed right after the Jenkins call.
final class KilledRunCommandTests: CommandTestCase {
    /// Starts `run --repo solo` with the first label write held back by the Sandbox, waits until
    /// Jenkins took the job and the label write is in flight, and kills the process.
    private func killRunAfterJenkinsAnswered(_ h: CommandHarness, config: String, labelDelayMs: Int) async throws {
        await h.server.injectFault(.delay(milliseconds: labelDelayMs, method: "POST", path: "/repos/acme/solo/issues/7/labels"))
        let run = try h.launch(["run", "--repo", "solo", "--config", config])
        try await waitUntil("Jenkins has the job") { await h.server.builds().count == 1 }
        // The fault is consumed when the label POST arrives: the process now waits for GitHub's answer.
        try await waitUntil("the label write reached the Sandbox") { try await h.armedFaultCount() == 0 }
        XCTAssertFalse(run.isFinished, "the run ended before it could be killed")
        run.send(SIGKILL)
        let killed = await h.finish(run, timeout: .seconds(10))
        XCTAssertEqual(killed.signal, SIGKILL, "\(killed)")
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "solo", issue: 7), ["intent", "job_started"])
    }

    private func assertRecovered(_ h: CommandHarness, _ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) async throws {
        assertExit(result, 0, file: file, line: line)
        XCTAssertTrue(result.stdout.contains("#7 recovered"), "\(result)", file: file, line: line)
        XCTAssertTrue(result.stdout.contains("0 dispatched, 1 recovered"), "\(result)", file: file, line: line)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 1, "a second job was started", file: file, line: line)
        let live = await liveLabels(h, Self.solo.key, 7)
        XCTAssertEqual(live.map(Set.init), [Self.b03, "bug"], file: file, line: line)
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "solo")[7].map(Set.init), [Self.b03, "bug"], file: file, line: line)
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "solo", issue: 7), ["intent", "job_started", "labels_moved", "done"], file: file, line: line)
        let done = h.ledger(owner: "acme", repo: "solo").last
        XCTAssertEqual(done?["message"] as? String, "recovered: the job was already started (Jenkins' answer is in the ledger)", file: file, line: line)
        // Once recovered, nothing more happens.
        let again = try await h.run(["run", "--repo", "solo", "--force-refresh", "--config", try writeStandardConfig(h, repos: [Self.solo], window: 0, name: "again.toml")])
        assertExit(again, 0, file: file, line: line)
        XCTAssertTrue(again.stdout.contains("0 dispatched, 0 recovered"), "\(again)", file: file, line: line)
        let buildsAfter = await h.server.builds()
        XCTAssertEqual(buildsAfter.count, 1, file: file, line: line)
    }

    /// The kill lands before GitHub applied the label write; the next run comes at once.
    func testRunKilledAfterJenkinsIsFinishedByTheNextRunWithoutASecondBuild() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.solo])
        try await killRunAfterJenkinsAnswered(h, config: config, labelDelayMs: 4000)
        let live = await liveLabels(h, Self.solo.key, 7)
        XCTAssertEqual(live, [Self.p02, "bug"], "GitHub applied the label write early")

        let next = try await h.run(["run", "--repo", "solo", "--config", config])
        // Let the held-back write land before checking the end state.
        try await waitUntil("the held-back label write was answered") {
            await h.server.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/issues/7/labels") }.count == 2
        }
        try await assertRecovered(h, next)
    }

    /// The held-back label write lands after the kill (the issue holds pickup and busy labels);
    /// the next run is a cron run well after the reuse window, so it refreshes from GitHub first.
    func testRunKilledMidLabelMoveIsFinishedByALaterRunOutsideTheReuseWindow() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.solo], window: 0)
        try await killRunAfterJenkinsAnswered(h, config: config, labelDelayMs: 1000)
        try await waitUntil("the held-back label write was applied") {
            await h.server.requests().contains { $0.method == "POST" && $0.path.hasSuffix("/issues/7/labels") }
        }
        let half = await liveLabels(h, Self.solo.key, 7)
        XCTAssertEqual(half.map(Set.init), [Self.p02, Self.b03, "bug"])

        let next = try await h.run(["run", "--repo", "solo", "--config", config])
        try await assertRecovered(h, next)
    }
}
