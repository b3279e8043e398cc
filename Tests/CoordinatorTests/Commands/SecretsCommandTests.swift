import Foundation
import XCTest

/// The headless commands end to end: no secret anywhere.
final class SecretsCommandTests: CommandTestCase {
    func testDebugLoggingNeverPrintsSecrets() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        let run = try await h.run(["run", "--all", "--log-level", "DEBUG", "--config", config])
        assertExit(run, 0)
        XCTAssertTrue(run.stderr.contains("debug"), "no debug log on stderr:\n\(run)")
        for command in [["status"], ["diff"], ["sync", "--all"], ["status", "--json"], ["diff", "--json"]] {
            _ = try await h.run(command + ["--log-level", "DEBUG", "--config", config])
        }
        let wrong = try writeStandardConfig(h, window: 0, name: "wrong.toml") {
            $0.githubToken = Self.wrongGithubToken
            $0.jenkinsToken = Self.wrongJenkinsToken
        }
        assertExit(try await h.run(["run", "--all", "--log-level", "DEBUG", "--config", wrong]), 1)
        assertExit(try await h.run(["test", "alpha", "--branch-name", "b", "--log-level", "DEBUG", "--config", wrong]), 1)
        // tearDown checks every output and every file in the cache directory.
        XCTAssertGreaterThan(h.cacheDirectoryFiles().count, 0)
    }
}
