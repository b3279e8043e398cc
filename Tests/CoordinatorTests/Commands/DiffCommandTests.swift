import Foundation
import XCTest

/// The headless commands end to end: `diff`.
final class DiffCommandTests: CommandTestCase {
    func testDiffReportsStalenessWithExitCodesAndNeverWritesTheCache() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let synced = cacheFiles.map(h.bytes)

        let inSync = try await h.run(["diff", "--config", config])
        assertExit(inSync, 0)
        assertContains(inSync.stdout, ["alpha: in sync", "beta.tools: in sync"], inSync)

        // A human moves a label, closes an issue and opens one.
        await h.server.setLabels(owner: "acme", repo: "alpha", number: 8, labels: [Self.p05, "bug"])
        await h.server.close(owner: "acme", repo: "alpha", number: 7)
        let created = await h.server.createIssue(owner: "acme", repo: "beta.tools", title: "New one", labels: [Self.p02])
        let newNumber = try XCTUnwrap(created?.number)

        let stale = try await h.run(["diff", "--config", config])
        assertExit(stale, 3)
        assertContains(stale.stdout, [
            "alpha: 2 stale", "#8 labels differ", "−cached: \(Self.h04)", "+live: \(Self.p05), bug", "#7 only in cache",
            "beta.tools: 1 stale", "#\(newNumber) only live",
        ], stale)

        let json = try await h.run(["diff", "--json", "--config", config])
        assertExit(json, 3)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        let alpha = try XCTUnwrap(parsed.first { $0["name"] as? String == "alpha" })
        XCTAssertEqual(alpha["in_sync"] as? Bool, false)
        let entries = try XCTUnwrap(alpha["stale"] as? [[String: Any]])
        let eight = try XCTUnwrap(entries.first { $0["number"] as? Int == 8 })
        XCTAssertEqual(eight["kind"] as? String, "labels differ")
        XCTAssertEqual(eight["only_cached"] as? [String], [Self.h04])
        XCTAssertEqual(Set(eight["only_live"] as? [String] ?? []), [Self.p05, "bug"])
        XCTAssertEqual(entries.first { $0["number"] as? Int == 7 }?["kind"] as? String, "only in cache")

        let only = try await h.run(["diff", "--repo", "beta.tools", "--config", config])
        assertExit(only, 3)
        XCTAssertFalse(only.stdout.contains("alpha"), "\(only)")

        XCTAssertEqual(cacheFiles.map(h.bytes), synced, "diff wrote the cache")
        let changing = await h.changingRequests()
        XCTAssertEqual(changing.count, 0)

        // sync makes it agree again.
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        assertExit(try await h.run(["diff", "--config", config]), 0)

        // An unreachable GitHub is an error (1), never "in sync".
        let offline = try writeStandardConfig(h, name: "offline.toml") { $0.apiURL = "http://127.0.0.1:\((try? closedLoopbackPort()) ?? 9)" }
        let failed = try await h.run(["diff", "--config", offline])
        assertExit(failed, 1)
        XCTAssertTrue(failed.output.contains("GitHub could not be reached"), "\(failed)")
    }

    func testStaleEntriesAreListedMostHarmfulFirstWithinEachRepo() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)

        // alpha: #1 and #3 were eligible in the cache and are not live (would dispatch again), #8 is
        // eligible live only (would miss), #2's title and the blocked #7's closing change nothing.
        await h.server.setLabels(owner: "acme", repo: "alpha", number: 1, labels: [Self.b03])
        await h.server.close(owner: "acme", repo: "alpha", number: 3)
        await h.server.setLabels(owner: "acme", repo: "alpha", number: 8, labels: [Self.p05])
        await h.server.editIssue(owner: "acme", repo: "alpha", number: 2, title: "Renamed ✨")
        await h.server.close(owner: "acme", repo: "alpha", number: 7)
        let created = await h.server.createIssue(owner: "acme", repo: "beta.tools", title: "New one", labels: [Self.p02])
        let newNumber = try XCTUnwrap(created?.number)

        let text = try await h.run(["diff", "--all", "--config", config])
        assertExit(text, 3)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let alpha = try XCTUnwrap(lines.firstIndex(of: "alpha: 5 stale"), text.description)
        XCTAssertEqual(Array(lines[(alpha + 1)...(alpha + 5)]), [
            "  would dispatch again  #1 labels differ −cached: \(Self.p02), enhancement +live: \(Self.b03)  Issue 1 ✨ \"quoted\"",
            "  would dispatch again  #3 only in cache  Issue 3 ✨ \"quoted\"",
            "  would miss            #8 labels differ −cached: \(Self.h04) +live: \(Self.p05)  Issue 8 ✨ \"quoted\"",
            "  harmless              #2 title differs (cached title: Issue 2 ✨ \"quoted\")  Renamed ✨",
            "  harmless              #7 only in cache  Issue 7 ✨ \"quoted\"",
        ], text.description)
        let beta = try XCTUnwrap(lines.firstIndex(of: "beta.tools: 1 stale"), text.description)
        XCTAssertGreaterThan(beta, alpha + 5, "grouped per repo, in file order")
        XCTAssertEqual(lines[beta + 1], "  would miss            #\(newNumber) only live  New one")

        let json = try await h.run(["diff", "--all", "--json", "--config", config])
        assertExit(json, 3)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        let entries = try XCTUnwrap(parsed.first { $0["name"] as? String == "alpha" }?["stale"] as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["number"] as? Int }, [1, 3, 8, 2, 7])
        XCTAssertEqual(entries.map { $0["consequence"] as? String }, [
            "would_dispatch_again", "would_dispatch_again", "would_miss", "harmless", "harmless",
        ])
        let renamed = try XCTUnwrap(entries.first { $0["number"] as? Int == 2 })
        XCTAssertEqual(renamed["kind"] as? String, "title differs")
        XCTAssertEqual(renamed["live_title"] as? String, "Renamed ✨")
    }
}
