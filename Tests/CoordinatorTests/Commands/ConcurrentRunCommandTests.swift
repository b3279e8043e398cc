import Foundation
import XCTest

/// The headless commands end to end: two runs at once.
final class ConcurrentRunCommandTests: CommandTestCase {
    func testTwoRunProcessesAtOnceDispatchEachIssueExactlyOnce() async throws {
        let h = try await start()
        // Outside the reuse window, so the second process really asks GitHub again after the lock.
        let config = try writeStandardConfig(h, window: 0)
        let first = try h.launch(["run", "--all", "--config", config])
        let second = try h.launch(["run", "--all", "--config", config])
        let results = [await h.finish(first), await h.finish(second)]
        for result in results { assertExit(result, 0) }

        let counts = await buildCounts(h)
        XCTAssertEqual(counts.count, Self.expectedDispatches.count, "\(counts)")
        for expected in Self.expectedDispatches {
            XCTAssertEqual(counts[BuildKey(job: expected.repo.config.jobPath, issue: expected.issue)], 1, "\(counts)")
        }
        let dispatched = results.map { result -> Int in
            let summary = result.stdout.split(separator: "\n").last { $0.contains(" dispatched, ") } ?? ""
            return Int(summary.prefix { $0.isNumber }) ?? -1
        }
        XCTAssertEqual(dispatched.reduce(0, +), Self.expectedDispatches.count, "\(results)")
        for repo in [Self.alpha, Self.beta] {
            let ledger = h.ledger(owner: repo.owner, repo: repo.repo)
            XCTAssertEqual(ledger.filter { $0["event"] as? String == "intent" }.count,
                           Self.expectedDispatches.filter { $0.repo == repo.key }.count, "\(ledger)")
            let cached = try h.cachedLabels(owner: repo.owner, repo: repo.repo)
            let fetched = await h.server.issues(owner: repo.owner, repo: repo.repo)
            for issue in try XCTUnwrap(fetched) where issue.state == "open" && !issue.isPullRequest {
                XCTAssertEqual(cached[issue.number], issue.labels, "\(repo.name)#\(issue.number)")
            }
        }
    }
}
