import AsyncHTTPClient
import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// `status`, `history`, `stuck` and `run --dry-run` with `--server` (or `[client] server_url`)
/// against `coordinator serve` running as a separate process: the same reports as the local
/// commands, `run` without `--dry-run` refused, and the failures worded to be fixed.
final class RemoteCommandTests: CommandTestCase {
    static let webhookSecret = "e2e-remote-webhook-secret-2b8e"
    /// `serve`'s `api_token` (operator `api`, role operate), from `COORDINATOR_API_TOKEN`.
    static let apiToken = "e2e-remote-api-token-6c1f"
    /// A read operator's token, from `BOB_TOKEN` on the laptop.
    static let bobToken = "e2e-remote-bob-read-token-93d4"

    private var http: HTTPClient?

    override func tearDown() async throws {
        try await http?.shutdown()
        http = nil
        try await super.tearDown()
    }

    /// A Sandbox, `serve` on it after its start-up poll and busy survey, and its URL.
    private func startServe() async throws -> (CommandHarness, config: String, url: String, serve: LaunchedCommand) {
        let h = try await start()
        for secret in [Self.webhookSecret, Self.apiToken, Self.bobToken] { h.addSecret(secret) }
        h.extraEnvironment["COORDINATOR_API_TOKEN"] = Self.apiToken
        let bobDigest = TokenDigest(of: Self.bobToken).bytes.map { String(format: "%02x", $0) }.joined()
        let config = try writeStandardConfig(h) { config in
            config.extra = """

                [serve]
                webhook_secret = "\(Self.webhookSecret)"
                poll_seconds = 0
                listen = "127.0.0.1:0"
                [serve.operators.bob]
                token_sha256 = "\(bobDigest)"
                role = "read"

                """
        }
        let (serve, port) = try await ServeCommandTests.launchServe(h, config: config)
        let url = "http://127.0.0.1:\(port)"
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        self.http = http
        try await ServeCommandTests.waitForStartUp(serve, url: url, token: Self.apiToken, http: http)
        return (h, config, url, serve)
    }

    private func stop(_ h: CommandHarness, _ serve: LaunchedCommand) async {
        serve.send(SIGTERM)
        let stopped = await h.finish(serve, timeout: .seconds(40))
        XCTAssertEqual(stopped.exitCode, 0, stopped.description)
    }

    func testTheReportsFromServeAreTheLocalOnes() async throws {
        let (h, config, url, serve) = try await startServe()

        // history --json: the same document, byte for byte.
        let local = try await h.run(["history", "--all", "--json", "--config", config])
        assertExit(local, 0)
        let remote = try await h.run(["history", "--server", url, "--json"])
        assertExit(remote, 0)
        XCTAssertEqual(remote.stdout, local.stdout)
        XCTAssertTrue(remote.stdout.contains("\"by\" : \"e2e@"), remote.stdout)
        let filtered = try await h.run(["history", "--server", url, "--repo", "beta.tools", "--issue", "2", "--since", "2026-01-01"])
        assertExit(filtered, 0)
        let lines = filtered.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, filtered.description)
        assertContains(filtered.stdout, ["beta.tools  #2  implement  \(Self.p05) → \(Self.b06)", "(serve)"], filtered)
        let none = try await h.run(["history", "--server", url, "--since", "2999-01-01"])
        XCTAssertEqual(none.stdout, "no dispatches recorded since 2999-01-01\n", none.description)

        // run --dry-run: the same plans. A human made alpha #8 eligible; a forced refresh sees it.
        _ = await h.server.setLabels(owner: "acme", repo: "alpha", number: 8, labels: [Self.p02])
        let planLocal = try await h.run(["run", "--dry-run", "--all", "--force-refresh", "--json", "--config", config])
        assertExit(planLocal, 0)
        let planRemote = try await h.run(["run", "--dry-run", "--all", "--force-refresh", "--json", "--server", url])
        assertExit(planRemote, 0)
        XCTAssertEqual(planRemote.stdout, planLocal.stdout)
        assertContains(planRemote.stdout, ["\"outcome\" : \"planned\"", "\"refresh\" : \"full\"", "\"no_linked_branch\""], planRemote)
        let textLocal = try await h.run(["run", "--dry-run", "--repo", "alpha", "--force-refresh", "--config", config])
        let textRemote = try await h.run(["run", "--dry-run", "--repo", "alpha", "--force-refresh", "--server", url])
        assertExit(textRemote, 0)
        XCTAssertEqual(textRemote.stdout, textLocal.stdout)
        assertContains(textRemote.stdout, ["#8 Issue 8", "workflow:  create-plan", "branch:    main", "dry run: 1 would be dispatched"], textRemote)

        // run without --dry-run is serve's to do: refused, nothing started.
        let builds = await h.server.builds().count
        let refused = try await h.run(["run", "--all", "--server", url])
        assertExit(refused, 2)
        assertContains(refused.stderr, ["run --server only plans (--dry-run)", "coordinator console --server \(url)", "/api/repos/NAME/issues/N/dispatch"], refused)
        let buildsAfter = await h.server.builds().count
        XCTAssertEqual(buildsAfter, builds)
        let labels = await liveLabels(h, Self.alpha.key, 8)
        XCTAssertEqual(labels, [Self.p02], "the dry runs and the refused run changed nothing")

        // stuck: from serve's survey; alpha #6 has held its busy label since the scenario began.
        let stuck = try await h.run(["stuck", "--server", url])
        assertExit(stuck, 3)
        assertContains(stuck.stdout, [
            "alpha: 4 busy, 1 stuck (serve's survey after its poll", "#6 \(Self.b03) for ", "over the workflow's 15m timeout",
            "fix: curl -XPOST -H \"Authorization: Bearer $COORDINATOR_API_TOKEN\" -d '{\"to\":\"pickup\"}' \(url)/api/repos/alpha/issues/6/unstick",
            "beta.tools: 2 busy, 0 stuck",
        ], stuck)
        let calm = try await h.run(["stuck", "--server", url, "--repo", "beta.tools", "--json"])
        assertExit(calm, 0)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(calm.stdout.utf8)) as? [[String: Any]], calm.description)
        XCTAssertEqual(parsed.map { $0["name"] as? String }, ["beta.tools"])
        XCTAssertEqual(parsed.first?["busy"] as? Int, 2)
        XCTAssertNotNil(parsed.first?["last_poll"] as? String)

        // status: the local report's shape and words, from serve's caches, with serve's own facts.
        let status = try await h.run(["status", "--server", url])
        assertExit(status, 0)
        assertContains(status.stdout, [
            "alpha (acme/alpha): 8 cached issues, checked", "  serve: last poll ", "0 queued events", "#6 conflict",
            "busy: #6 \(Self.b03)", "STUCK", "last: #3 done", "by e2e@", "beta.tools (acme/beta.tools)", "no eligible issue",
        ], status)
        let statusJSON = try await h.run(["status", "--server", url, "--repo", "beta.tools", "--json"])
        assertExit(statusJSON, 0)
        let reports = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [[String: Any]], statusJSON.description)
        XCTAssertEqual(reports.map { $0["name"] as? String }, ["beta.tools"])
        XCTAssertEqual((reports.first?["busy"] as? [Any])?.count, 2)
        XCTAssertEqual((reports.first?["recent_dispatches"] as? [[String: Any]])?.compactMap { $0["issue"] as? Int }.sorted(), [1, 2])

        await stop(h, serve)
    }

    func testALaptopConfigHoldingOnlyClientAttaches() async throws {
        let (h, _, url, serve) = try await startServe()
        h.extraEnvironment["COORDINATOR_API_TOKEN"] = nil
        h.extraEnvironment["BOB_TOKEN"] = Self.bobToken
        let laptop = h.root.appendingPathComponent("laptop.toml")
        try Data("[client]\nserver_url = \"\(url)\"\ntoken_env = \"BOB_TOKEN\"\n".utf8).write(to: laptop)

        let status = try await h.run(["status", "--config", laptop.path])
        assertExit(status, 0)
        assertContains(status.stdout, ["alpha (acme/alpha)", "beta.tools (acme/beta.tools)"], status)
        let history = try await h.run(["history", "--json", "--config", laptop.path])
        assertExit(history, 0)
        XCTAssertFalse(try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [Any]).isEmpty)
        let refused = try await h.run(["run", "--all", "--config", laptop.path])
        assertExit(refused, 2)
        XCTAssertTrue(refused.stderr.contains("run --server only plans"), refused.description)

        // The token's variable unset: the fix names it.
        h.extraEnvironment["BOB_TOKEN"] = nil
        let noToken = try await h.run(["stuck", "--config", laptop.path])
        assertExit(noToken, 1)
        assertContains(noToken.stderr, ["no token for serve at \(url)", "set BOB_TOKEN (named by [client] token_env in \(laptop.path))"], noToken)
        await stop(h, serve)
    }

    func testFailuresAreOneLineWithTheFix() async throws {
        let (h, _, url, serve) = try await startServe()
        h.extraEnvironment["COORDINATOR_API_TOKEN"] = "e2e-not-a-known-token"
        h.addSecret("e2e-not-a-known-token")
        let wrong = try await h.run(["history", "--server", url])
        assertExit(wrong, 1)
        XCTAssertEqual(wrong.stderr.split(separator: "\n").count, 1, wrong.description)
        assertContains(wrong.stderr, ["serve at \(url) refused the token (401): set COORDINATOR_API_TOKEN"], wrong)

        h.extraEnvironment["COORDINATOR_API_TOKEN"] = Self.apiToken
        let unknown = try await h.run(["stuck", "--server", url, "--repo", "nope", "--repo", "alpha", "--repo", "gone"])
        assertExit(unknown, 1)
        assertContains(unknown.stderr, ["No repository 'nope', 'gone' in serve at \(url); configured: alpha, beta.tools"], unknown)

        let badURL = try await h.run(["status", "--server", "127.0.0.1:8750"])
        assertExit(badURL, 2)
        assertContains(badURL.stderr, ["--server: '127.0.0.1:8750' is not an http:// or https:// URL with a host"], badURL)

        let closed = "http://127.0.0.1:\(try closedLoopbackPort())"
        let unreachable = try await h.run(["status", "--server", closed])
        assertExit(unreachable, 1)
        XCTAssertEqual(unreachable.stderr.split(separator: "\n").count, 1, unreachable.description)
        assertContains(unreachable.stderr, ["coordinator: serve at \(closed): "], unreachable)
        let inJSON = try await h.run(["history", "--server", closed, "--log-format", "json"])
        assertExit(inJSON, 1)
        for line in inJSON.stderr.split(separator: "\n") {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], inJSON.description)
            XCTAssertEqual(object["level"] as? String, "error", inJSON.description)
        }
        await stop(h, serve)
    }
}
