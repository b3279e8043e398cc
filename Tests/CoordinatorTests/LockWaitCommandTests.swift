import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// A run that finds the repository locked says whom it waits for, then goes on when the lock is
/// released: the built `coordinator` against the Sandbox.
final class LockWaitCommandTests: CommandTestCase {
    func testARunWaitingForTheLockNamesTheHolderAndGoesOnAfterIt() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.solo])
        try FileManager.default.createDirectory(at: h.cacheDir, withIntermediateDirectories: true)
        let lockPath = h.cacheDir.appendingPathComponent("github_com_acme_solo.lock").path
        let cron = RepoLock.Holder(pid: 4242, host: "build-host", command: "coordinator run --all", since: Date(timeIntervalSince1970: 1_795_000_000))
        let held = try await RepoLock.acquire(path: lockPath, holder: cron)

        let run = try h.launch(["run", "--repo", "solo", "--config", config])
        defer { if !run.isFinished { print("stderr so far:\n\(run.stderrSoFar)") } }
        try await waitUntil("the run says whom it waits for", timeout: .seconds(20)) {
            run.stderrSoFar.contains("waiting for the lock of solo: held by PID 4242 on build-host (coordinator run --all) since 2026-11-18T11:06:40Z")
        }
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0, "nothing happens while the lock is held")
        held.release()
        let result = await h.finish(run)
        assertExit(result, 0)
        XCTAssertTrue(result.stdout.contains("#7 dispatched"), "\(result)")
    }
}
