import Foundation
import XCTest

/// The headless commands end to end: config errors.
final class ConfigErrorCommandTests: CommandTestCase {
    func testMissingConfigWritesATemplateAndSaysWhere() async throws {
        let h = try await start()
        let path = h.root.appendingPathComponent("fresh/dir/config.toml").path
        let result = try await h.run(["run", "--all", "--config", path])
        assertExit(result, 1)
        assertContains(result.stderr, [path, "template", "[github] token"], result)
        let template = try String(contentsOfFile: path, encoding: .utf8)
        assertContains(template, ["[github]", "[jenkins]", "[coordinator]", "[coordinator.repos.NAME]"], template)

        // The template does not overwrite itself, and running on it says what is missing.
        let second = try await h.run(["status", "--config", path])
        assertExit(second, 1)
        XCTAssertFalse(second.stderr.contains("template was written"), "\(second)")
        XCTAssertTrue(second.stderr.contains(path), "\(second)")

        // Without --config or $COORDINATOR_CONFIG: ~/.mcp_coder/config.toml under the child's HOME.
        let defaultPath = h.home.appendingPathComponent(".mcp_coder/config.toml").path
        let byDefault = try await h.run(["status"])
        assertExit(byDefault, 1)
        XCTAssertTrue(byDefault.stderr.contains(defaultPath), "\(byDefault)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: defaultPath))
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0)
    }

    func testBadTOMLNamesFileLineAndColumn() async throws {
        let h = try await start()
        let url = h.root.appendingPathComponent("bad.toml")
        try Data("[github]\ntoken = \"x\"\nserver_url = \n".utf8).write(to: url)
        for command in [["run", "--all"], ["status"], ["diff"], ["sync", "--all"], ["test", "alpha", "--branch-name", "b"]] {
            let result = try await h.run(command + ["--config", url.path])
            assertExit(result, 1)
            assertContains(result.stderr, [url.path, "line 3", "column"], result)
        }
    }

    func testMissingFieldsAreAllNamedTogether() async throws {
        let h = try await start()
        let url = h.root.appendingPathComponent("partial.toml")
        try Data("""
            [github]
            api_url = "\(h.server.githubAPIURL)"

            [jenkins]
            server_url = "\(h.server.jenkinsURL)"

            [coordinator]
            cache_dir = "\(h.cacheDir.path)"

            [coordinator.repos.alpha]
            repo_url = "https://github.com/acme/alpha.git"

            [coordinator.repos.beta]
            executor_job_path = "Coordinator/beta/executor"
            """.utf8).write(to: url)
        let result = try await h.run(["run", "--all", "--config", url.path])
        assertExit(result, 1)
        assertContains(result.stderr, [
            url.path, "[github]", "token", "[jenkins]", "username", "api_token",
            "[coordinator.repos.alpha]", "executor_job_path", "github_credentials_id",
            "[coordinator.repos.beta]", "repo_url",
        ], result)
        XCTAssertFalse(result.stderr.contains("server_url"), "server_url is set:\n\(result)")
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0)
    }

    func testUnknownRepositoryNamesTheConfiguredOnes() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        for command in [
            ["run", "--repo", "nosuch"], ["run", "--repo", "nosuch", "--dry-run"], ["status", "--repo", "nosuch"],
            ["diff", "--repo", "nosuch"], ["sync", "--repo", "nosuch"], ["test", "nosuch", "--branch-name", "b"],
        ] {
            let result = try await h.run(command + ["--config", config])
            assertExit(result, 1)
            assertContains(result.output, ["nosuch", "alpha, beta.tools", config], result)
        }
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0)
        XCTAssertEqual(h.cacheDirectoryFiles().filter { $0.lastPathComponent.hasSuffix(".json") }.count, 0)
    }
}
