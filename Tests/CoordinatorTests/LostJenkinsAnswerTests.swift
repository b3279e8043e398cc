import Foundation
import Sandbox
import XCTest
@testable import Coordinator

#if canImport(Glibc)
import Glibc
#endif

/// Exactly one job per pickup when Jenkins' answer is lost or a run dies around the build request:
/// the built `coordinator` in separate processes, killed for real, against the Sandbox over HTTP.
/// Issue `acme/solo#7` (`status-02:awaiting-planning`, `bug`) is dispatched to `Solo/executor`.
final class LostJenkinsAnswerTests: CommandTestCase {
    private let p02 = CommandTestCase.p02, b03 = CommandTestCase.b03

    private func start(startDelayMs: Int = 0) async throws -> CommandHarness {
        var scenario = Self.standardScenario()
        scenario.jenkins.startDelayMs = startDelayMs
        return try await start(scenario)
    }

    private func config(_ h: CommandHarness, window: Int? = nil, name: String = "config.toml") throws -> String {
        try writeStandardConfig(h, repos: [Self.solo], window: window, name: name)
    }

    private func events(_ h: CommandHarness) -> [String] {
        h.ledgerEvents(owner: "acme", repo: "solo", issue: 7)
    }

    private func liveLabels(_ h: CommandHarness) async -> Set<String>? {
        await h.server.issue(owner: "acme", repo: "solo", number: 7).map { Set($0.labels) }
    }

    /// The labels moved on GitHub and in the cache, and exactly one job exists.
    private func assertDispatchedOnce(_ h: CommandHarness, builds expected: Int = 1, file: StaticString = #filePath, line: UInt = #line) async throws {
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, expected, "\(builds)", file: file, line: line)
        let live = await liveLabels(h)
        XCTAssertEqual(live, [b03, "bug"], file: file, line: line)
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "solo")[7].map(Set.init), [b03, "bug"], file: file, line: line)
    }

    /// A later run has nothing left to do for the issue.
    private func assertNothingMoreHappens(_ h: CommandHarness, builds expected: Int = 1, file: StaticString = #filePath, line: UInt = #line) async throws {
        let again = try await h.run(["run", "--repo", "solo", "--force-refresh", "--config", try config(h, window: 0, name: "again.toml")])
        assertExit(again, 0, file: file, line: line)
        XCTAssertTrue(again.stdout.contains("0 dispatched, 0 recovered"), "\(again)", file: file, line: line)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, expected, file: file, line: line)
    }

    // MARK: - The answer is lost

    /// Reproduction: Jenkins queues the build, the connection closes before its answer. The run
    /// used to record `failed` and the next run started the job again.
    func testALostAnswerIsFoundInJenkinsAndNoSecondJobIsStarted() async throws {
        let h = try await start()
        let config = try config(h)
        await h.server.injectFault(.loseAnswer(method: "POST", path: "/jenkins/job/Solo/job/executor/buildWithParameters"))

        let result = try await h.run(["run", "--repo", "solo", "--config", config])
        assertExit(result, 0)
        assertContains(result.stdout, ["#7 dispatched", "Jenkins' answer was lost; the job was found"], result)
        try await assertDispatchedOnce(h)
        XCTAssertEqual(events(h), ["intent", "answer_lost", "job_found", "labels_moved", "done"])
        try await assertNothingMoreHappens(h)
    }

    /// The request never reached Jenkins and its connection died: the same run finds no job and
    /// asks once more. An older build with the very same parameters — an earlier pickup of this
    /// issue whose ledger lines are gone — is not taken for this dispatch's job.
    func testALostRequestIsSentOnceMoreAndAnOlderIdenticalBuildDoesNotCount() async throws {
        let h = try await start()
        // An hour ago (on Jenkins' clock) the issue was planned once already.
        await h.server.setClockOffset(seconds: -3600)
        assertExit(try await h.run(["run", "--repo", "solo", "--config", try config(h)]), 0)
        await h.server.setClockOffset(seconds: 0)
        await h.server.setLabels(owner: "acme", repo: "solo", number: 7, labels: [p02, "bug"])
        try FileManager.default.removeItem(at: h.ledgerFile(owner: "acme", repo: "solo"))
        await h.server.injectFault(.drop(method: "POST", path: "/jenkins/job/Solo/job/executor/buildWithParameters"))

        let result = try await h.run(["run", "--repo", "solo", "--force-refresh", "--config", try config(h, window: 0, name: "now.toml")])
        assertExit(result, 0)
        assertContains(result.stdout, ["#7 dispatched"], result)
        XCTAssertFalse(result.stdout.contains("found"), "\(result)")
        try await assertDispatchedOnce(h, builds: 2)
        XCTAssertEqual(events(h), ["intent", "answer_lost", "job_absent", "intent", "job_started", "labels_moved", "done"])
        try await assertNothingMoreHappens(h, builds: 2)
    }

    /// Jenkins cannot be asked whether the lost request queued a job: nothing is touched, the run
    /// fails saying so, and the next run settles it before anything else.
    func testJenkinsDownWhileResolvingTouchesNothingAndTheNextRunFinishes() async throws {
        let h = try await start()
        let config = try config(h)
        assertExit(try await h.run(["sync", "--repo", "solo", "--config", config]), 0)
        let cacheBefore = h.bytes(h.cacheFile(owner: "acme", repo: "solo"))
        await h.server.injectFault(.loseAnswer(method: "POST", path: "/jenkins/job/Solo/job/executor/buildWithParameters"))
        await h.server.injectFault(.drop(method: "GET", path: "/jenkins/queue/api/json"))

        let failed = try await h.run(["run", "--repo", "solo", "--config", config])
        assertExit(failed, 1)
        assertContains(failed.stdout, ["#7 failed (unresolved)", "Jenkins could not be asked", "the next run asks again"], failed)
        let live = await liveLabels(h)
        XCTAssertEqual(live, [p02, "bug"])
        XCTAssertEqual(h.bytes(h.cacheFile(owner: "acme", repo: "solo")), cacheBefore, "the cache changed")
        XCTAssertEqual(events(h), ["intent", "answer_lost"])
        let status = try await h.run(["status", "--repo", "solo", "--config", config])
        assertContains(status.stdout, ["#7 Jenkins' answer was lost: not yet known whether the job started"], status)

        let next = try await h.run(["run", "--repo", "solo", "--config", config])
        assertExit(next, 0)
        assertContains(next.stdout, ["#7 recovered: Jenkins' answer was lost; the job was found", "0 dispatched, 1 recovered"], next)
        try await assertDispatchedOnce(h)
        XCTAssertEqual(events(h), ["intent", "answer_lost", "job_found", "labels_moved", "done"])
        try await assertNothingMoreHappens(h)
    }

    // MARK: - The run dies

    /// Reproduction: killed after the intent, before the build request reached Jenkins. The next
    /// run used to "recover" it — move the labels, start nothing, and claim the job was started.
    func testARunKilledBeforeItsRequestArrivedStartsTheJobOnTheNextRun() async throws {
        let h = try await start()
        let config = try config(h)
        // The request is held on its way and never handled.
        await h.server.injectFault(.drop(method: "POST", path: "/jenkins/job/Solo/job/executor/buildWithParameters", afterMilliseconds: 30_000))
        let run = try h.launch(["run", "--repo", "solo", "--config", config])
        try await waitUntil("the build request is on its way") { try await h.armedFaultCount() == 0 }
        XCTAssertEqual(events(h), ["intent"])
        run.send(SIGKILL)
        let killed = await h.finish(run, timeout: .seconds(10))
        XCTAssertEqual(killed.signal, SIGKILL, "\(killed)")

        let next = try await h.run(["run", "--repo", "solo", "--config", config])
        assertExit(next, 0)
        assertContains(next.stdout, ["#7 dispatched", "1 dispatched, 0 recovered"], next)
        XCTAssertFalse(next.stdout.contains("already started"), "\(next)")
        try await assertDispatchedOnce(h)
        XCTAssertEqual(events(h), ["intent", "job_absent", "intent", "job_started", "labels_moved", "done"])
        let absent = h.ledger(owner: "acme", repo: "solo").first { $0["event"] as? String == "job_absent" }
        XCTAssertEqual(absent?["message"] as? String, "not started: no queue item or build with its parameters since its intent")
        try await assertNothingMoreHappens(h)
    }

    /// Two runs at once; the one holding the lock is killed after Jenkins took its request but
    /// before it learned so. The other, waiting on the lock, finds the job and starts none.
    func testTwoRunsWhereOneIsKilledMidRequestStartOneJob() async throws {
        let h = try await start(startDelayMs: 60_000)
        let config = try config(h)
        await h.server.injectFault(.loseAnswer(method: "POST", path: "/jenkins/job/Solo/job/executor/buildWithParameters"))
        // Hold the first run's question to Jenkins, so it is surely killed before it has the answer.
        await h.server.injectFault(.delay(milliseconds: 20_000, method: "GET", path: "/jenkins/queue/api/json"))
        let first = try h.launch(["run", "--repo", "solo", "--config", config])
        try await waitUntil("the first run is asking Jenkins about its lost answer") { try await h.armedFaultCount() == 0 }
        let second = try h.launch(["run", "--repo", "solo", "--config", config])
        first.send(SIGKILL)
        let killed = await h.finish(first, timeout: .seconds(10))
        XCTAssertEqual(killed.signal, SIGKILL, "\(killed)")
        XCTAssertEqual(events(h), ["intent", "answer_lost"])

        let result = await h.finish(second)
        assertExit(result, 0)
        assertContains(result.stdout, ["#7 recovered: Jenkins' answer was lost; the job was found in Jenkins' queue", "0 dispatched, 1 recovered"], result)
        try await assertDispatchedOnce(h)
        XCTAssertEqual(events(h), ["intent", "answer_lost", "job_found", "labels_moved", "done"])
        try await assertNothingMoreHappens(h)
    }
}
