import Foundation
import XCTest

/// The headless commands end to end: `status` without network.
final class StatusCommandTests: CommandTestCase {
    func testStatusWorksOfflineFromTheCache() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        assertExit(try await h.run(["run", "--repo", "beta.tools", "--config", config]), 0)
        let requestsBefore = await h.server.requests().count

        let offline = try writeStandardConfig(h, name: "offline.toml") {
            $0.apiURL = "http://127.0.0.1:\((try? closedLoopbackPort()) ?? 9)"
            $0.jenkinsURL = "http://127.0.0.1:\((try? closedLoopbackPort()) ?? 9)"
        }
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        let status = try await h.run(["status", "--config", offline])
        assertExit(status, 0)
        assertContains(status.stdout, [
            "alpha (acme/alpha): 8 cached issues, checked",
            "#3 create-pr (\(Self.p08))", "#5 create-pr (\(Self.p08))", "#2 implement (\(Self.p05))", "#1 create-plan (\(Self.p02))",
            "#6 conflict", "beta.tools (acme/beta.tools)", "no eligible issue", "last: #1 done", "by e2e@",
        ], status)
        XCTAssertFalse(status.stdout.contains("#7 "), "blocked issue listed:\n\(status)")

        let json = try await h.run(["status", "--json", "--config", offline])
        assertExit(json, 0)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        XCTAssertEqual(parsed.compactMap { $0["name"] as? String }, ["alpha", "beta.tools"])
        let alpha = try XCTUnwrap(parsed.first)
        XCTAssertEqual((alpha["eligible"] as? [[String: Any]])?.compactMap { $0["number"] as? Int }, [3, 5, 2, 4, 1])
        XCTAssertEqual(alpha["conflicts"] as? [Int], [6])
        XCTAssertEqual(alpha["cache_file"] as? String, cacheFiles[0].path)
        let beta = try XCTUnwrap(parsed.last)
        XCTAssertEqual((beta["eligible"] as? [Any])?.count, 0)
        XCTAssertEqual((beta["recent_dispatches"] as? [[String: Any]])?.compactMap { $0["issue"] as? Int }.sorted(), [1, 2])

        let one = try await h.run(["status", "--repo", "alpha", "--json", "--config", offline])
        assertExit(one, 0)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [Any])?.count, 1)

        XCTAssertEqual(cacheFiles.map(h.bytes), before)
        let requestsAfter = await h.server.requests().count
        XCTAssertEqual(requestsAfter, requestsBefore, "status made a request")

        // Before any sync: nothing cached, still exit 0.
        let empty = try writeStandardConfig(h, name: "empty.toml") { $0.cacheDir = h.root.appendingPathComponent("empty-cache").path }
        let never = try await h.run(["status", "--config", empty])
        assertExit(never, 0)
        XCTAssertTrue(never.stdout.contains("never refreshed"), "\(never)")
    }
}
