import Coordinator
import CoordinatorPostgres
import Foundation
import Sandbox
import TestSupport
import XCTest

/// `coordinator doctor` end to end: exit codes, the lines it prints in a UTF-8 and an ASCII
/// locale, `--json`, and with `[store] postgres_url` the database's lines in the cache
/// directory's place. The base class checks every output for secrets.
final class DoctorCommandTests: CommandTestCase {
    /// Started by the first test that needs it.
    static let postgres = TemporaryPostgres.Shared()

    override class func tearDown() {
        postgres.stop()
        super.tearDown()
    }

    /// The standard scenario with every workflow label defined in each repository.
    static func labelledScenario() -> Scenario {
        var scenario = standardScenario()
        scenario.github.labels = LabelSet.standard.workflowLabels.map { Scenario.Label(name: $0.name, color: $0.color) }
        return scenario
    }

    func testAllGoodExitsZeroWithAMarkPerCheck() async throws {
        let h = try await start(Self.labelledScenario())
        let result = try await h.run(["doctor", "--config", try writeStandardConfig(h)])
        assertExit(result, 0)
        assertContains(result.stdout, [
            "✓ github: token works (user e2e-bot, scopes: repo)\n",
            "✓ jenkins: Jenkins ",
            "✓ alpha: all 6 pickup and busy labels exist in acme/alpha\n",
            "✓ alpha: all 3 failure labels exist in acme/alpha\n",
            "✓ beta.tools: Coordinator/beta.tools/executor takes REPO_URL, BRANCH_NAME, COMMAND, GITHUB_CREDENTIALS_ID\n",
            "✓ cache: ",
            "all good (",
        ], result)
        XCTAssertFalse(result.stdout.contains("✗"), "\(result)")
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 5 + 2 * 8 + 1, "one line per check, one summary:\n\(result)")
        let changes = await h.changingRequests()
        XCTAssertEqual(changes.map(\.path), [], "doctor changed something on GitHub or Jenkins")
    }

    func testAMissingLabelExitsOneWithItsFix() async throws {
        var scenario = Self.labelledScenario()
        scenario.github.labels.removeAll { $0.name == Self.b06 }
        let h = try await start(scenario)
        let result = try await h.run(["doctor", "--config", try writeStandardConfig(h)])
        assertExit(result, 1)
        assertContains(result.stdout, [
            "✗ alpha: label status-06:implementing missing in acme/alpha — fix: create it (gh label create status-06:implementing --repo acme/alpha --color bfdbfe --description 'A bot is implementing') or set labels_file\n",
            "✗ beta.tools: label status-06:implementing missing in acme/beta.tools — fix: ",
            "problems found: 2 failed, ",
        ], result)
    }

    func testWithoutAUTF8LocaleTheMarksAreASCII() async throws {
        var scenario = Self.labelledScenario()
        scenario.jenkins.jobs[0].parameters = ["REPO_URL", "BRANCH_NAME"]
        let h = try await start(scenario)
        var environment = h.environment
        environment["LANG"] = "C"
        let command = try LaunchedCommand(
            executable: h.binary, arguments: ["doctor", "--config", try writeStandardConfig(h)], environment: environment,
            directory: h.root)
        let result = await h.finish(command)
        assertExit(result, 1)
        assertContains(result.stdout, [
            "[ok]   github: token works",
            "[FAIL] alpha: Coordinator/alpha/executor lacks the parameters COMMAND, GITHUB_CREDENTIALS_ID (it has REPO_URL, BRANCH_NAME) - fix: add them as string parameters",
        ], result)
        XCTAssertNil(result.stdout.unicodeScalars.first { !$0.isASCII }, "a non-ASCII character in an ASCII locale:\n\(result)")
    }

    func testABadTokenExitsOneAndIsNeverPrinted() async throws {
        let h = try await start(Self.labelledScenario())
        let config = try writeStandardConfig(h) { $0.githubToken = Self.wrongGithubToken }
        let result = try await h.run(["doctor", "--config", config])
        assertExit(result, 1)
        assertContains(result.stdout, [
            "✗ github: GitHub refused the token (401 Bad credentials)",
            "- alpha: skipped: the GitHub token does not work\n",
            "✓ beta.tools: job Coordinator/beta.tools/executor exists\n",
        ], result)
        let json = try await h.run(["doctor", "--json", "--config", config])
        assertExit(json, 1)
        // The harness's tearDown fails the test if either output holds the token.
    }

    func testJSONParsesAndSaysWhatFailed() async throws {
        let h = try await start(Self.labelledScenario())
        let config = try writeStandardConfig(h) { $0.jenkinsURL = "http://127.0.0.1:\((try? closedLoopbackPort()) ?? 9)/jenkins" }
        let result = try await h.run(["doctor", "--json", "--config", config])
        assertExit(result, 1)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        XCTAssertEqual(object["ok"] as? Bool, false)
        XCTAssertEqual(object["config"] as? String, config)
        let checks = try XCTUnwrap(object["checks"] as? [[String: Any]])
        let failed = checks.filter { $0["status"] as? String == "failed" }
        XCTAssertEqual(failed.compactMap { $0["id"] as? String }, ["jenkins.connection"])
        XCTAssertEqual(failed.first?["fix"] as? String, "check [jenkins] server_url (or JENKINS_URL) and that Jenkins is up, and [jenkins] ca_file for a private CA")
        let skipped = checks.filter { $0["status"] as? String == "skipped" }
        XCTAssertEqual(Set(skipped.compactMap { $0["id"] as? String }), ["jenkins.job", "jenkins.job_parameters"])
        XCTAssertEqual(Set(skipped.compactMap { $0["repo"] as? String }), ["alpha", "beta.tools"])
        XCTAssertEqual((object["counts"] as? [String: Int])?["skipped"], 4)

        let good = try await h.run(["doctor", "--json", "--config", try writeStandardConfig(h, name: "good.toml")])
        assertExit(good, 0)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(good.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(document["ok"] as? Bool, true)
    }

    private func databaseConfig(_ h: CommandHarness, url: String, name: String) throws -> String {
        try writeStandardConfig(h, name: name) { $0.extra = "\n[store]\npostgres_url = \"\(url)\"\n" }
    }

    func testWithADatabaseStoreItsLinesStandInForTheCacheDirectorysAndNothingIsMigrated() async throws {
        let server = try Self.postgres.server()
        let h = try await start(Self.labelledScenario())
        let database = "doctor_" + UUID().uuidString.prefix(8).lowercased()
        try server.psql("CREATE DATABASE \(database)")
        let url = "postgres://\(TemporaryPostgres.user)@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
        let result = try await h.run(["doctor", "--config", try databaseConfig(h, url: url, name: "db.toml")])
        assertExit(result, 0)
        assertContains(result.stdout, [
            "✓ store: \(url) reachable (PostgreSQL ",
            "! store: schema at 0 (no coordinator tables yet), this binary migrates to \(PostgresMigrations.latestVersion) at its first command — fix: run `coordinator store migrate` now",
            "✓ alpha: lock of acme/alpha free (no coordinator is at work on it now)\n",
            "✓ beta.tools: lock of acme/beta.tools free (no coordinator is at work on it now)\n",
            "no failures: 1 warnings, ",
        ], result)
        XCTAssertFalse(result.stdout.contains("cache:"), "the cache directory is not the state's home here:\n\(result)")
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 5 + 2 * 8 + 1, "one line per check, one summary:\n\(result)")
        XCTAssertEqual(try server.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: database), "0", "doctor migrated")
    }

    func testADatabaseThatCannotBeReachedFailsWithoutItsPassword() async throws {
        let h = try await start(Self.labelledScenario())
        let password = "pg-doctor-cmd-secret-41c"
        h.addSecret(password)
        let port = try closedLoopbackPort()
        let config = try databaseConfig(h, url: "postgres://coordinator:\(password)@127.0.0.1:\(port)/coordinator?sslmode=disable", name: "down.toml")
        let result = try await h.run(["doctor", "--config", config])
        assertExit(result, 1)
        assertContains(result.stdout, [
            "✗ store: postgres://coordinator:***@127.0.0.1:\(port)/coordinator?sslmode=disable is unavailable: ",
            " — fix: start PostgreSQL, or check the host and port in [store] postgres_url",
            "- store: skipped: the store cannot be reached\n",
            "- alpha: skipped: the store cannot be reached\n",
            "✓ alpha: all 6 pickup and busy labels exist in acme/alpha\n",
        ], result)
        let json = try await h.run(["doctor", "--json", "--config", config])
        assertExit(json, 1)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        let checks = try XCTUnwrap(object["checks"] as? [[String: Any]])
        let store = try XCTUnwrap(checks.first { $0["id"] as? String == "store.connection" }, "\(json)")
        XCTAssertEqual(store["subject"] as? String, "store")
        XCTAssertEqual(store["status"] as? String, "failed")
        XCTAssertEqual(checks.filter { $0["id"] as? String == "store.lock" }.compactMap { $0["repo"] as? String }, ["alpha", "beta.tools"])
        // The harness's tearDown fails the test if any output holds the password.
    }

    func testAMissingConfigIsReportedAsByEveryCommand() async throws {
        let h = try await start(Self.labelledScenario())
        let path = h.root.appendingPathComponent("absent.toml").path
        let result = try await h.run(["doctor", "--config", path])
        assertExit(result, 1)
        XCTAssertTrue(result.stderr.contains(path), "\(result)")
        XCTAssertEqual(result.stdout, "", "no check runs without a config")
    }
}
