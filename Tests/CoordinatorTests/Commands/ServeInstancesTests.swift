import AsyncHTTPClient
import Foundation
import Sandbox
import TestSupport
import XCTest
@testable import Coordinator

/// `serve` on PostgreSQL as a separate process, beyond the chaos test: an operator's
/// `Idempotency-Key` sent to two instances acts once, and the database server stopped in the
/// middle of a run makes that work fail cleanly — `serve` lives on, `run` exits 1 naming the
/// database — and resume once it is back, with every pickup dispatched once.
final class ServeInstancesTests: CommandTestCase {
    static let postgres = TemporaryPostgres.Shared()
    static let webhookSecret = "e2e-instances-webhook-secret-71c9"
    static let apiToken = "e2e-instances-api-token-0d3a"

    override class func tearDown() {
        postgres.stop()
        super.tearDown()
    }

    private var http: HTTPClient?

    override func tearDown() async throws {
        try await http?.shutdown()
        http = nil
        try await super.tearDown()
    }

    /// A config on a new database of `server`, with `[serve]` polling every `pollSeconds`.
    private func sharedConfig(_ h: CommandHarness, server: TemporaryPostgres, pollSeconds: Int) throws -> String {
        let database = "inst_" + UUID().uuidString.prefix(8).lowercased()
        try server.psql("CREATE DATABASE \(database)")
        for secret in [Self.webhookSecret, Self.apiToken] { h.addSecret(secret) }
        h.extraEnvironment["COORDINATOR_API_TOKEN"] = Self.apiToken
        return try writeStandardConfig(h) { config in
            config.extra = """

                [store]
                postgres_url = "postgres://\(TemporaryPostgres.user)@127.0.0.1:\(server.port)/\(database)?sslmode=disable"

                [serve]
                webhook_secret = "\(Self.webhookSecret)"
                poll_seconds = \(pollSeconds)
                listen = "127.0.0.1:0"

                """
        }
    }

    private func allExpectedDispatched(_ h: CommandHarness) async -> Bool {
        for expected in Self.expectedDispatches {
            guard await liveLabels(h, expected.repo, expected.issue)?.contains(expected.busy) == true else { return false }
        }
        return true
    }

    private func stop(_ h: CommandHarness, _ serve: LaunchedCommand) async {
        serve.send(SIGTERM)
        let stopped = await h.finish(serve, timeout: .seconds(40))
        XCTAssertEqual(stopped.exitCode, 0, stopped.description)
    }

    /// `POST url` as the operator `api` with `key`: the status, body and `Idempotent-Replayed`.
    private func post(_ url: String, key: String) async throws -> (status: Int, body: String, replayed: Bool) {
        let http = self.http ?? HTTPClient(eventLoopGroupProvider: .singleton)
        self.http = http
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Self.apiToken)")
        request.headers.add(name: "Idempotency-Key", value: key)
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body), response.headers.first(name: "Idempotent-Replayed") == "true")
    }

    func testAnIdempotencyKeySentToBothInstancesActsOnce() async throws {
        let server = try Self.postgres.server()
        let h = try await start()
        let config = try sharedConfig(h, server: server, pollSeconds: 0)
        let (a, portA) = try await ServeCommandTests.launchServe(h, config: config)
        let (b, portB) = try await ServeCommandTests.launchServe(h, config: config)
        // The start-up polls dispatch the standard scenario, once between them; both are over
        // (each has surveyed its busy issues) before anything else changes.
        try await waitUntil("the start-up polls dispatch", timeout: .seconds(30)) { await self.allExpectedDispatched(h) }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        self.http = http
        for (serve, port) in [(a, portA), (b, portB)] {
            try await ServeCommandTests.waitForStartUp(serve, url: "http://127.0.0.1:\(port)", token: Self.apiToken, http: http)
        }
        let before = await buildCounts(h)

        // alpha #8 is handed back to the bots; no webhook tells serve, the operator dispatches it.
        _ = await h.server.setLabels(owner: "acme", repo: "alpha", number: 8, labels: [Self.p02])
        let path = "/api/repos/alpha/issues/8/dispatch"
        let first = try await post("http://127.0.0.1:\(portA)" + path, key: "op-retry-1")
        XCTAssertEqual(first.status, 200, first.body)
        XCTAssertFalse(first.replayed)
        // The answer was lost; the operator's client sends it again, through the other instance.
        let retry = try await post("http://127.0.0.1:\(portB)" + path, key: "op-retry-1")
        XCTAssertTrue(retry.replayed, "B acted again: \(retry.status) \(retry.body)")
        XCTAssertEqual(retry.status, first.status)
        XCTAssertEqual(retry.body, first.body)

        let after = await buildCounts(h)
        let key = BuildKey(job: Self.alpha.jobPath, issue: 8)
        XCTAssertEqual(after[key, default: 0] - before[key, default: 0], 1, "builds of alpha #8: \(after)")
        let labels = await liveLabels(h, Self.alpha.key, 8)
        XCTAssertEqual(labels, [Self.b03])
        await stop(h, a)
        await stop(h, b)
    }

    func testTheDatabaseStoppedMidRunFailsThatWorkCleanlyAndItResumesWhenBack() async throws {
        // A server of its own: this test stops it.
        let server = try TemporaryPostgres()
        defer { server.stop() }
        let h = try await start()
        let config = try sharedConfig(h, server: server, pollSeconds: 2)
        let (serve, port) = try await ServeCommandTests.launchServe(h, config: config)
        try h.server.addWebhook(url: "http://127.0.0.1:\(port)/webhooks/github", secret: Self.webhookSecret, timeoutMs: 5_000)
        try await waitUntil("the start-up poll dispatches", timeout: .seconds(30)) { await self.allExpectedDispatched(h) }
        let before = await buildCounts(h)

        try server.halt()
        // A pickup while the database is down: the webhook reaches serve, the work fails.
        _ = await h.server.setLabels(owner: "acme", repo: "alpha", number: 8, labels: [Self.p02])
        let failedAt = serve.stderrSoFar.count
        try await waitUntil("serve reports the database unavailable", timeout: .seconds(20), detail: serve.stderrSoFar) {
            serve.stderrSoFar.dropFirst(failedAt).contains("is unavailable")
        }
        let cron = try await h.run(["run", "--all", "--config", config], timeout: .seconds(60))
        XCTAssertEqual(cron.exitCode, 1, cron.description)
        XCTAssertTrue(cron.stderr.contains("the store") && cron.stderr.contains("cannot be used"), cron.stderr)
        XCTAssertFalse(cron.stderr.contains("Fatal error"), cron.stderr)
        XCTAssertFalse(serve.stderrSoFar.contains("PSQLError"), "an error unexplained: \(serve.stderrSoFar.suffix(3000))")
        XCTAssertFalse(serve.isFinished, "serve stopped with the database: \(serve.stderrSoFar.suffix(2000))")
        let during = await buildCounts(h)
        XCTAssertEqual(during, before, "something was dispatched without the database")
        let labelsDuring = await liveLabels(h, Self.alpha.key, 8)
        XCTAssertEqual(labelsDuring, [Self.p02])

        // Back: the next poll dispatches the pickup, once.
        try server.restart()
        let key = BuildKey(job: Self.alpha.jobPath, issue: 8)
        try await waitUntil("the pickup is dispatched once the database is back", timeout: .seconds(30), detail: serve.stderrSoFar) {
            await self.liveLabels(h, Self.alpha.key, 8) == [Self.b03]
        }
        // Two more polls, for a late duplicate to show.
        try await Task.sleep(for: .seconds(5))
        let after = await buildCounts(h)
        XCTAssertEqual(after[key, default: 0] - before[key, default: 0], 1, "builds of alpha #8: \(after)")
        var others = after
        others[key] = nil
        var othersBefore = before
        othersBefore[key] = nil
        XCTAssertEqual(others, othersBefore)
        let status = try await h.run(["status", "--config", config], timeout: .seconds(60))
        assertExit(status, 0)
        await stop(h, serve)
        h.assertNothingLeaked()
    }
}
