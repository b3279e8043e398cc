import Foundation
import XCTest

/// The headless commands end to end: `--all` and `--repo NAME` (repeatable) mean the same on
/// `run`, `status`, `diff` and `sync`.
final class RepoSelectionCommandTests: CommandTestCase {
    /// alpha, beta.tools, solo: the order of the config file.
    private func threeRepoConfig(_ h: CommandHarness) throws -> String {
        try writeStandardConfig(h, repos: [Self.alpha, Self.beta, Self.solo])
    }

    private func names(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let parsed = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result)", file: file, line: line)
        return parsed.compactMap { $0["name"] as? String }
    }

    private func runNames(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let parsed = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)", file: file, line: line)
        return try XCTUnwrap(parsed["repos"] as? [[String: Any]], file: file, line: line).compactMap { $0["name"] as? String }
    }

    func testRepeatedRepoSelectsThoseReposInFileOrderEachOnce() async throws {
        let h = try await start()
        let config = try threeRepoConfig(h)
        let pick = ["--repo", "solo", "--repo", "alpha", "--repo", "solo"]

        let sync = try await h.run(["sync"] + pick + ["--config", config])
        assertExit(sync, 0)
        XCTAssertEqual(sync.stdout.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }, ["alpha", "solo"], "\(sync)")
        XCTAssertNotNil(h.bytes(h.cacheFile(owner: "acme", repo: "alpha")))
        XCTAssertNotNil(h.bytes(h.cacheFile(owner: "acme", repo: "solo")))
        XCTAssertNil(h.bytes(h.cacheFile(owner: "acme", repo: "beta.tools")), "a repository not named was synced")

        let status = try await h.run(["status", "--json"] + pick + ["--config", config])
        assertExit(status, 0)
        XCTAssertEqual(try names(status), ["alpha", "solo"])

        let diff = try await h.run(["diff", "--json"] + pick + ["--config", config])
        assertExit(diff, 0)
        XCTAssertEqual(try names(diff), ["alpha", "solo"])

        let run = try await h.run(["run", "--dry-run", "--json"] + pick + ["--config", config])
        assertExit(run, 0)
        XCTAssertEqual(try runNames(run), ["alpha", "solo"])
        let jobs = await h.server.builds().map(\.jobPath)
        XCTAssertEqual(jobs, [], "a dry run started a job")
    }

    func testAllMeansEveryRepoOnEveryCommandAndIsTheDefaultOfStatusAndDiff() async throws {
        let h = try await start()
        let config = try threeRepoConfig(h)
        let every = ["alpha", "beta.tools", "solo"]

        let sync = try await h.run(["sync", "--all", "--config", config])
        assertExit(sync, 0)
        XCTAssertEqual(sync.stdout.split(separator: "\n").count, 3, "\(sync)")
        for command in ["status", "diff"] {
            let all = try await h.run([command, "--all", "--json", "--config", config])
            assertExit(all, 0)
            XCTAssertEqual(try names(all), every, command)
            let plain = try await h.run([command, "--json", "--config", config])
            assertExit(plain, 0)
            XCTAssertEqual(try names(plain), every, "\(command) without a selection")
        }
        let run = try await h.run(["run", "--all", "--dry-run", "--json", "--config", config])
        assertExit(run, 0)
        XCTAssertEqual(try runNames(run), every)
    }

    func testRunAndSyncRequireAChoiceAndAllWithRepoIsAUsageError() async throws {
        let h = try await start()
        let config = try threeRepoConfig(h)

        for command in ["run", "sync"] {
            let neither = try await h.run([command, "--config", config])
            assertExit(neither, 2)
            assertContains(neither.stderr, ["--all", "--repo NAME", "say which repositories to \(command)"], neither)
        }
        for command in [["run"], ["run", "--dry-run"], ["sync"], ["status"], ["diff"]] {
            let both = try await h.run(command + ["--all", "--repo", "alpha", "--config", config])
            assertExit(both, 2)
            XCTAssertTrue(both.stderr.contains("either --all or --repo NAME, not both"), "\(both)")
        }
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0, "a refused command reached GitHub or Jenkins: \(requests)")
        XCTAssertEqual(h.cacheDirectoryFiles(), [])
    }

    func testEveryUnknownNameIsReportedInOneErrorWithTheKnownOnes() async throws {
        let h = try await start()
        let config = try threeRepoConfig(h)

        for command in [["run", "--dry-run"], ["sync"], ["status"], ["diff"]] {
            let result = try await h.run(command + ["--repo", "nope", "--repo", "alpha", "--repo", "zilch", "--repo", "nope", "--config", config])
            assertExit(result, 1)
            let errorLines = result.stderr.split(separator: "\n").filter { $0.contains("No repository") }
            XCTAssertEqual(errorLines.count, 1, "\(result)")
            let message = String(errorLines.first ?? "")
            assertContains(message, ["'nope'", "'zilch'", config, "configured: alpha, beta.tools, solo"], result)
            XCTAssertEqual(message.components(separatedBy: "nope").count, 2, "a duplicate unknown name is listed twice:\n\(result)")
            XCTAssertFalse(message.contains("'alpha'"), "a known name is reported unknown:\n\(result)")
        }
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0, "a command with unknown names reached GitHub or Jenkins: \(requests)")
    }
}
