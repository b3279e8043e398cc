import Foundation
import XCTest
@testable import Coordinator

/// The headless commands end to end: GitHub and Jenkins refusing.
final class RefusalCommandTests: CommandTestCase {
    /// Syncs with the good config, then runs each command with `config` and checks the common
    /// promises of a failed request: exit 1, `expected` in the output, nothing written, no build.
    private func assertGitHubFailure(
        _ h: CommandHarness, config: String, expected: [String], file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        XCTAssertTrue(before.allSatisfy { $0 != nil }, file: file, line: line)
        for command in [["run", "--all"], ["run", "--all", "--dry-run"], ["sync", "--all"], ["diff"]] {
            let result = try await h.run(command + ["--config", config])
            assertExit(result, 1, file: file, line: line)
            assertContains(result.output, expected, result, file: file, line: line)
            XCTAssertEqual(cacheFiles.map(h.bytes), before, "`\(command.joined(separator: " "))` changed the cache", file: file, line: line)
        }
        let changing = await h.changingRequests()
        XCTAssertEqual(changing.map { "\($0.method) \($0.path)" }, [], file: file, line: line)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0, file: file, line: line)
    }

    func testGitHubRejectingTheTokenFailsClearlyAndWritesNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        let wrong = try writeStandardConfig(h, window: 0, name: "wrong.toml") { $0.githubToken = Self.wrongGithubToken }
        try await assertGitHubFailure(h, config: wrong, expected: ["GitHub refused the token (401", "[github] token"])
    }

    func testGitHubRateLimitWithAFarResetFailsClearlyAndWritesNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        // A token whose hourly quota is spent: GitHub's own 403 with x-ratelimit-reset an hour away.
        let spent = try writeStandardConfig(h, window: 0, name: "spent.toml") { $0.githubToken = Self.exhaustedToken }
        try await assertGitHubFailure(h, config: spent, expected: ["GitHub rate limit exceeded", "retry after 20"])

        // The same as an injected 403 on the good token.
        let reset = Int(Date().timeIntervalSince1970) + 3 * 3600
        await h.server.injectFault(.status(
            403, path: "/repos/acme/", count: 1000,
            headers: ["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset)],
            body: #"{"message":"API rate limit exceeded for user ID 1."}"#))
        let good = try writeStandardConfig(h, window: 0, name: "good0.toml")
        try await assertGitHubFailure(h, config: good, expected: ["GitHub rate limit exceeded", "retry after "])
        // The wait is measured against the server's whole-second `Date`, so the time printed may be
        // up to a second after the reset, never before it.
        let accepted = (0...1).map { "retry after \(Timestamp.format(Date(timeIntervalSince1970: TimeInterval(reset + $0))))" }
        for result in h.allResults.suffix(4) {
            XCTAssertTrue(accepted.contains { result.output.contains($0) }, "expected one of \(accepted):\n\(result)")
        }
    }

    func testGitHubSecondaryRateLimitWithALongRetryAfterFailsClearlyAndWritesNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        await h.server.injectFault(.secondaryRateLimit(retryAfter: 3600, path: "/repos/acme/", count: 1000))
        let config = try writeStandardConfig(h, window: 0, name: "window0.toml")
        try await assertGitHubFailure(h, config: config, expected: ["GitHub rate limit exceeded", "retry after"])
    }

    func testGitHubServerErrorsFailClearlyAfterRetriesAndWriteNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        await h.server.injectFault(.status(500, path: "/repos/acme/", count: 1000))
        let config = try writeStandardConfig(h, window: 0, name: "window0.toml")
        try await assertGitHubFailure(h, config: config, expected: ["GitHub answered 500", "after 3 attempts"])
    }

    /// A dispatch Jenkins refuses: exit 1, the message, no label write, cache unchanged.
    private func assertJenkinsRefusal(
        _ h: CommandHarness, config: String, expected: [String], file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        let result = try await h.run(["run", "--all", "--config", config])
        assertExit(result, 1, file: file, line: line)
        assertContains(result.output, expected + ["#3 failed (jenkins)"], result, file: file, line: line)
        XCTAssertEqual(cacheFiles.map(h.bytes), before, "the cache changed", file: file, line: line)
        let writes = await h.labelWrites()
        XCTAssertEqual(writes.map { "\($0.method) \($0.path)" }, [], file: file, line: line)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0, file: file, line: line)
        let live = await liveLabels(h, Self.alpha.key, 3)
        XCTAssertEqual(live, [Self.p08], file: file, line: line)
    }

    func testJenkinsRejectingTheTokenFailsWithoutLabelChange() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        let wrong = try writeStandardConfig(h, name: "wrong.toml") { $0.jenkinsToken = Self.wrongJenkinsToken }
        try await assertJenkinsRefusal(h, config: wrong, expected: ["Jenkins refused the credentials (401)", "api_token"])
    }

    func testJenkinsUnknownJobFailsWithoutLabelChange() async throws {
        let h = try await start()
        var alpha = Self.alpha
        alpha.jobPath = "Coordinator/alpha/no-such-job"
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h, repos: [alpha, Self.beta])]), 0)
        let config = try writeStandardConfig(h, repos: [alpha, Self.beta], name: "nojob.toml")
        try await assertJenkinsRefusal(h, config: config, expected: ["Jenkins has no job 'Coordinator/alpha/no-such-job' (404", "executor_job_path"])
    }

    func testJenkinsServerErrorFailsWithoutLabelChange() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        await h.server.injectFault(.status(500, method: "POST", path: "*/buildWithParameters", count: 1, body: "Internal Server Error"))
        try await assertJenkinsRefusal(h, config: config, expected: ["Jenkins answered 500"])
    }
}
