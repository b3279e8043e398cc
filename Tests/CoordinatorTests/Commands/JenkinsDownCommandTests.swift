import Foundation
import XCTest

/// The headless commands end to end: Jenkins down.
final class JenkinsDownCommandTests: CommandTestCase {
    func testJenkinsDownFailsWithoutTouchingLabelsOrCache() async throws {
        let h = try await start()
        let good = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", good]), 0)
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        let deadJenkins = "http://127.0.0.1:\(try closedLoopbackPort())"

        // Inside the reuse window: no refresh, so the cache must be byte-for-byte the same.
        let down = try writeStandardConfig(h, name: "down.toml") { $0.jenkinsURL = deadJenkins }
        let result = try await h.run(["run", "--all", "--config", down])
        assertExit(result, 1)
        assertContains(result.output, ["Jenkins could not be reached", deadJenkins, "#3 failed (jenkins)", "stopped at the first failure"], result)
        XCTAssertEqual(cacheFiles.map(h.bytes), before, "the cache changed")
        var writes = await h.labelWrites()
        XCTAssertEqual(writes.map { "\($0.method) \($0.path)" }, [])
        // It stopped at the first failure. Jenkins was unreachable before any build request could
        // leave (the crumb comes first), so the ledger holds no intent to resolve.
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "alpha", issue: 3), [])
        XCTAssertNil(h.bytes(h.ledgerFile(owner: "acme", repo: "alpha")))
        XCTAssertNil(h.bytes(h.ledgerFile(owner: "acme", repo: "beta.tools")))

        // --keep-going tries every issue, each fails, still nothing changes.
        let keepGoing = try await h.run(["run", "--all", "--keep-going", "--config", down])
        assertExit(keepGoing, 1)
        XCTAssertTrue(keepGoing.stdout.contains("0 dispatched, 0 recovered, 2 skipped, 5 failed"), "\(keepGoing)")
        XCTAssertEqual(cacheFiles.map(h.bytes), before, "the cache changed")

        // Outside the reuse window the refresh itself is saved, but no label changes.
        let downOutside = try writeStandardConfig(h, window: 0, name: "down0.toml") { $0.jenkinsURL = deadJenkins }
        let labelsBefore = try [Self.alpha, Self.beta].map { try h.cachedLabels(owner: $0.owner, repo: $0.repo) }
        let outside = try await h.run(["run", "--all", "--config", downOutside])
        assertExit(outside, 1)
        XCTAssertEqual(try [Self.alpha, Self.beta].map { try h.cachedLabels(owner: $0.owner, repo: $0.repo) }, labelsBefore)
        writes = await h.labelWrites()
        XCTAssertEqual(writes.count, 0)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0)
        for expected in Self.expectedDispatches {
            let live = await liveLabels(h, expected.repo, expected.issue)
            XCTAssertTrue(live?.contains(expected.pickup) == true, "\(expected.repo.repo)#\(expected.issue) lost its pickup label")
        }

        // Jenkins back: the failed attempts do not block a normal dispatch.
        let back = try await h.run(["run", "--all", "--config", good])
        assertExit(back, 0)
        XCTAssertTrue(back.stdout.contains("5 dispatched"), "\(back)")
    }
}
