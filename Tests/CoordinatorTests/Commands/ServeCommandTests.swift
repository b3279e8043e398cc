import AsyncHTTPClient
import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// `coordinator serve` as a separate process: real webhooks from the Sandbox over loopback, real
/// signals, and cron runs on the same cache directory.
final class ServeCommandTests: CommandTestCase {
    static let webhookSecret = "e2e-webhook-secret-7f3a"

    private func serveConfig(_ h: CommandHarness, poll: Int = 0) throws -> String {
        h.addSecret(Self.webhookSecret)
        return try writeStandardConfig(h) { config in
            config.extra = "\n[serve]\nwebhook_secret = \"\(Self.webhookSecret)\"\npoll_seconds = \(poll)\nlisten = \"127.0.0.1:0\"\n"
        }
    }

    /// Starts `serve` (with `arguments` after the config, e.g. `--listen`) and waits for the port
    /// it announces.
    static func launchServe(_ h: CommandHarness, config: String, arguments: [String] = []) async throws -> (LaunchedCommand, Int) {
        let serve = try h.launch(["serve", "--config", config] + arguments)
        var port: Int?
        try await waitUntil("serve announces its port", timeout: .seconds(30), detail: serve.stderrSoFar) {
            if serve.isFinished { return true }
            port = Self.announcedPort(in: serve.stderrSoFar)
            return port != nil
        }
        guard let port else {
            let result = await h.finish(serve, timeout: .seconds(5))
            throw HarnessError("serve did not start: \(result)")
        }
        return (serve, port)
    }

    /// Waits until `serve` at `url` has ended its start-up poll: it dispatches, then surveys the
    /// busy issues, so both repositories of the standard scenario have their survey in
    /// `GET /api/repos` (asked with `token`).
    static func waitForStartUp(_ serve: LaunchedCommand, url: String, token: String, http: HTTPClient) async throws {
        try await waitUntil("serve's start-up poll and survey", timeout: .seconds(30), detail: serve.stderrSoFar) {
            var request = HTTPClientRequest(url: url + "/api/repos")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            guard let response = try? await http.execute(request, timeout: .seconds(5)),
                let body = try? await response.body.collect(upTo: 1 << 20),
                let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
                let repos = object["repos"] as? [[String: Any]]
            else { return false }
            return repos.count == 2 && repos.allSatisfy { $0["stuck"] is Int }
        }
    }

    /// The port of "serving on http://127.0.0.1:PORT" (or https://).
    static func announcedPort(in log: String) -> Int? {
        guard let range = log.range(of: "serving on http://127.0.0.1:") ?? log.range(of: "serving on https://127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    private func allExpectedDispatched(_ h: CommandHarness) async -> Bool {
        for expected in Self.expectedDispatches {
            guard await liveLabels(h, expected.repo, expected.issue)?.contains(expected.busy) == true else { return false }
        }
        return true
    }

    func testServeRefusesToStartWithoutAWebhookSecret() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        let result = try await h.run(["serve", "--config", config], timeout: .seconds(30))
        XCTAssertEqual(result.exitCode, 1, result.description)
        XCTAssertTrue(result.stderr.contains("webhook_secret") && result.stderr.contains("GITHUB_WEBHOOK_SECRET"), result.stderr)
        let builds = await h.server.builds()
        XCTAssertTrue(builds.isEmpty)
    }

    func testABadListenAddressIsAUsageError() async throws {
        let h = try await start()
        let config = try serveConfig(h)
        let result = try await h.run(["serve", "--config", config, "--listen", "127.0.0.1:70000"], timeout: .seconds(30))
        XCTAssertEqual(result.exitCode, 2, result.description)
        XCTAssertTrue(result.stderr.contains("--listen"), result.stderr)
    }

    func testSigtermDuringADispatchExitsZeroAndARestartStartsNoSecondJob() async throws {
        let h = try await start()
        let config = try serveConfig(h)
        // The start-up poll's first Jenkins build request is held for 2 s: SIGTERM arrives during it.
        await h.server.injectFault(.delay(milliseconds: 2_000, method: "POST", path: "buildWithParameters"))
        let (serve, _) = try await Self.launchServe(h, config: config)
        try await waitUntil("the first build request reached Jenkins", timeout: .seconds(30)) {
            await !h.server.requests().filter { $0.path.contains("buildWithParameters") }.isEmpty
        }
        serve.send(SIGTERM)
        let stopped = await h.finish(serve, timeout: .seconds(40))
        XCTAssertEqual(stopped.exitCode, 0, stopped.description)
        XCTAssertNil(stopped.signal, stopped.description)
        // The dispatch in hand (the held request) finished: every job started has its labels moved.
        let afterStop = await buildCounts(h)
        XCTAssertFalse(afterStop.isEmpty)
        for expected in Self.expectedDispatches where afterStop[BuildKey(job: expected.repo.config.jobPath, issue: expected.issue)] != nil {
            let labels = await liveLabels(h, expected.repo, expected.issue)
            XCTAssertEqual(labels?.contains(expected.busy), true, "\(expected): \(String(describing: labels))")
        }

        let (again, _) = try await Self.launchServe(h, config: config)
        try await waitUntil("every eligible issue dispatched after the restart", timeout: .seconds(30)) {
            await self.allExpectedDispatched(h)
        }
        again.send(SIGTERM)
        let second = await h.finish(again, timeout: .seconds(40))
        XCTAssertEqual(second.exitCode, 0, second.description)
        let counts = await buildCounts(h)
        XCTAssertEqual(counts.count, Self.expectedDispatches.count, "\(counts)")
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 }, "one job per issue: \(counts)")
    }

    func testOperatorsAttachWithTheirTokensWhichServeNeverPrints() async throws {
        let h = try await start()
        let bobToken = "e2e-bob-read-token-51c2"
        let carolToken = "e2e-carol-operate-token-9d0e"
        h.addSecret(bobToken)
        h.addSecret(carolToken)
        h.addSecret(Self.webhookSecret)
        h.extraEnvironment["CAROL_TOKEN"] = carolToken
        let bobDigest = TokenDigest(of: bobToken).bytes.map { String(format: "%02x", $0) }.joined()
        let config = try writeStandardConfig(h) { config in
            config.extra = """

                [serve]
                webhook_secret = "\(Self.webhookSecret)"
                poll_seconds = 0
                listen = "127.0.0.1:0"
                [serve.operators.bob]
                token_sha256 = "\(bobDigest)"
                role = "read"
                [serve.operators.carol]
                token_env = "CAROL_TOKEN"
                role = "operate"

                """
        }
        let (serve, port) = try await Self.launchServe(h, config: config)
        XCTAssertTrue(serve.stderrSoFar.contains("bob (read), carol (operate)"), serve.stderrSoFar)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        func status(_ path: String, token: String) async throws -> Int {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await http.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 4 << 20)
            return Int(response.status.code)
        }
        do {
            for token in [bobToken, carolToken] {
                let code = try await status("/api/repos", token: token)
                XCTAssertEqual(code, 200)
            }
            let wrong = try await status("/api/repos", token: "e2e-a-guess")
            XCTAssertEqual(wrong, 401)
        } catch {
            XCTFail("\(error)")
        }
        try await http.shutdown()
        serve.send(SIGTERM)
        let stopped = await h.finish(serve, timeout: .seconds(40))
        XCTAssertEqual(stopped.exitCode, 0, stopped.description)
    }

    func testAnOperatorWhoseTokenVariableIsUnsetStopsServeBeforeItListens() async throws {
        let h = try await start()
        h.addSecret(Self.webhookSecret)
        let config = try writeStandardConfig(h) { config in
            config.extra = "\n[serve]\nwebhook_secret = \"\(Self.webhookSecret)\"\nlisten = \"127.0.0.1:0\"\n"
                + "[serve.operators.carol]\ntoken_env = \"CAROL_TOKEN\"\nrole = \"operate\"\n"
        }
        let result = try await h.run(["serve", "--config", config], timeout: .seconds(30))
        XCTAssertEqual(result.exitCode, 1, result.description)
        XCTAssertTrue(result.stderr.contains("serve.operators.carol") && result.stderr.contains("CAROL_TOKEN"), result.stderr)
        XCTAssertFalse(result.stderr.contains("serving on"), result.stderr)
        // Only serve needs the operators' tokens: the same config serves a cron run.
        let run = try await h.run(["run", "--config", config, "--all", "--dry-run"], timeout: .seconds(30))
        XCTAssertEqual(run.exitCode, 0, run.description)
    }

    // MARK: TLS

    /// `[serve]` with the test CA's server certificate and `key` (`Tests/Fixtures/tls/`).
    private func tlsConfig(_ h: CommandHarness, key: String = TLSFixtures.directory.appendingPathComponent("server.key").path) throws -> String {
        h.addSecret(Self.webhookSecret)
        // Each line of the key's PEM body is a secret: none may reach the output.
        let keyText = (try? String(contentsOfFile: key, encoding: .utf8)) ?? ""
        for line in keyText.split(separator: "\n") where !line.hasPrefix("-----") { h.addSecret(String(line)) }
        let certificate = TLSFixtures.directory.appendingPathComponent("server.pem").path
        return try writeStandardConfig(h) { config in
            config.extra = "\n[serve]\nwebhook_secret = \"\(Self.webhookSecret)\"\npoll_seconds = 0\nlisten = \"127.0.0.1:0\"\n"
                + "tls_cert_file = \"\(certificate)\"\ntls_key_file = \"\(key)\"\n"
        }
    }

    func testWithACertificateServeAnnouncesHTTPSAndAClientTrustingItsCAIsAnswered() async throws {
        let h = try await start()
        let config = try tlsConfig(h)
        let (serve, port) = try await Self.launchServe(h, config: config)
        XCTAssertTrue(serve.stderrSoFar.contains("serving on https://127.0.0.1:\(port) (certificate "), serve.stderrSoFar)
        let http = HTTPClientFactory.makeHTTPClient(connectTimeout: .seconds(5), trust: try TLSTrust.caFile(TLSFixtures.caFile, section: "serve"))
        do {
            let response = try await http.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 16)
            XCTAssertEqual(response.status.code, 200)
            XCTAssertEqual(String(buffer: body), "ok\n")
        } catch {
            XCTFail("\(error)")
        }
        try await http.shutdown()
        serve.send(SIGTERM)
        let stopped = await h.finish(serve, timeout: .seconds(40))
        XCTAssertEqual(stopped.exitCode, 0, stopped.description)
    }

    func testAKeyThatIsNotPEMStopsServeBeforeItListensNamingTheFile() async throws {
        let h = try await start()
        let key = h.root.appendingPathComponent("serve.key").path
        let secret = "TOP-SECRET-KEY-MATERIAL-4b1e"
        try Data("-----BEGIN PRIVATE KEY-----\n\(secret)\n-----END PRIVATE KEY-----\n".utf8).write(to: URL(fileURLWithPath: key))
        let config = try tlsConfig(h, key: key)
        let result = try await h.run(["serve", "--config", config], timeout: .seconds(30))
        XCTAssertEqual(result.exitCode, 1, result.description)
        XCTAssertTrue(result.stderr.contains("[serve] tls_key_file: \(key): no PEM private key in it"), result.stderr)
        XCTAssertFalse(result.stderr.contains("serving on"), result.stderr)
        let builds = await h.server.builds()
        XCTAssertTrue(builds.isEmpty, "nothing polled or dispatched: \(builds)")
    }

    func testServeAndCronRunsOnOneCacheDirectoryNeverDuplicate() async throws {
        let h = try await start()
        let config = try serveConfig(h)
        let (serve, port) = try await Self.launchServe(h, config: config)
        try h.server.addWebhook(url: "http://127.0.0.1:\(port)/webhooks/github", secret: Self.webhookSecret)
        // Cron runs race serve's start-up poll for the same five issues...
        let runs = try (0..<3).map { _ in try h.launch(["run", "--all", "--keep-going", "--config", config]) }
        // ...and a human makes alpha #8 and beta.tools #1's neighbour eligible meanwhile.
        _ = await h.server.setLabels(owner: "acme", repo: "alpha", number: 8, labels: [Self.p02])
        for run in runs {
            let result = await h.finish(run, timeout: .seconds(60))
            XCTAssertTrue([0, 1].contains(result.exitCode), result.description)
        }
        try await waitUntil("alpha #8 dispatched by the webhook", timeout: .seconds(30)) {
            await self.liveLabels(h, Self.alpha.key, 8) == [Self.b03]
        }
        try await waitUntil("every eligible issue dispatched", timeout: .seconds(30)) { await self.allExpectedDispatched(h) }
        let settled = await h.server.waitForWebhookDeliveries(timeout: .seconds(10))
        XCTAssertTrue(settled)
        serve.send(SIGTERM)
        let stopped = await h.finish(serve, timeout: .seconds(40))
        XCTAssertEqual(stopped.exitCode, 0, stopped.description)

        let counts = await buildCounts(h)
        XCTAssertEqual(counts.count, Self.expectedDispatches.count + 1, "\(counts)")
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 }, "one job per issue across serve and cron: \(counts)")
        let delivered = h.server.webhookDeliveries()
        XCTAssertFalse(delivered.isEmpty)
    }
}
