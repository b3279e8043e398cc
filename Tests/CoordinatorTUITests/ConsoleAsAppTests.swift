import _CryptoExtras
@testable import Coordinator
@testable import CoordinatorConsole
@testable import CoordinatorTUI
import Foundation
import Sandbox
import XCTest

/// The console's dispatch as a GitHub App on the Sandbox: the real `WorkspaceBackend` over a
/// config with `app_id` and `private_key_file`, driven by the reducer and the `EffectRunner` as
/// the console drives them (`d`, `y`), while the installation token ends and is renewed.
final class ConsoleAsAppTests: XCTestCase {
    static let appID = 737373
    static let installationID = 8118
    static let slug = "coordinator-console-e2e"
    /// `{"alg":"RS256","typ":"JWT"}` in base64url: the start of every JWT the App signs.
    static let jwtHeader = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    static let jenkinsToken = "jenkins-console-app-secret-3f9a"
    static let unusedToken = "ghp_console_app_unused_7d21"
    static let p02 = "status-02:awaiting-planning", b03 = "status-03:planning"

    private var server: SandboxServer?
    private var workspace: Workspace?
    private var directory: URL?

    override func tearDown() async throws {
        await workspace?.shutdown()
        await server?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
        workspace = nil
        server = nil
        directory = nil
    }

    func testTheConsoleDispatchesAsAnAppAcrossATokenRenewal() async throws {
        let began = Date()
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let issues = [
            Scenario.Issue(number: 1, title: "Plan the retry queue", labels: [Self.p02], createdAt: "2026-11-20T08:00:00Z"),
            Scenario.Issue(number: 2, title: "With a human", labels: ["status-04:plan-review"], createdAt: "2026-11-20T08:00:00Z"),
        ]
        let scenario = Scenario(
            github: .init(
                // A personal token the Sandbox needs to exist; the config does not use it.
                tokens: [.init(token: Self.unusedToken)], repositories: [.init(owner: "acme", name: "demo", issues: issues)],
                apps: [.init(
                    id: Self.appID, slug: Self.slug, publicKeyPEM: key.publicKey.pemRepresentation,
                    installations: [.init(id: Self.installationID, account: "acme", repositories: ["acme/demo"])],
                    tokenTTLSeconds: 2)]),
            jenkins: .init(users: [.init(username: "bot", apiToken: Self.jenkinsToken)], jobs: [.init(path: "Coordinator/demo/executor")]))
        let server = try await SandboxServer.start(scenario: scenario, host: "127.0.0.1", port: 0)
        self.server = server

        // The config file as an operator writes it: the key in a file of mode 0600 beside it.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-console-app-\(UUID().uuidString)")
        self.directory = directory
        let cacheDirectory = directory.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let keyFile = directory.appendingPathComponent("app.pem")
        try key.pkcs8PEMRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        let configPath = directory.appendingPathComponent("config.toml").path
        try """
            [github]
            app_id = \(Self.appID)
            private_key_file = "app.pem"
            api_url = "\(server.githubAPIURL)"

            [jenkins]
            server_url = "\(server.jenkinsURL)"
            username = "bot"
            api_token = "\(Self.jenkinsToken)"

            [coordinator]
            cache_refresh_minutes = 1440
            cache_dir = "\(cacheDirectory.path)"
            write_spacing_ms = 0

            [coordinator.repos."demo"]
            repo_url = "https://github.com/acme/demo.git"
            executor_job_path = "Coordinator/demo/executor"
            github_credentials_id = "github-pat"

            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: configPath, environment: [:])

        // What `ConsoleSession.run` builds, minus the terminal: the log file in the cache directory.
        let logPath = cacheDirectory.appendingPathComponent("console.log").path
        let logger = ConsoleLogFile.logger(path: logPath, level: .debug)
        let workspace = Workspace.open(config: config, logger: logger, logLevel: "debug")
        self.workspace = workspace
        let backend = WorkspaceBackend(workspace: workspace, actor: Workspace.actor("console"))
        let inbox = Inbox()
        let runner = EffectRunner(backend: backend, inbox: inbox)
        var state = ConsoleState(repos: backend.repos, now: Date())
        var seen: [ConsoleAction] = []
        func settle(_ effects: [ConsoleEffect]) async {
            var pending = effects
            while !pending.isEmpty {
                for effect in pending { await runner.run(effect)?.value }
                let actions = inbox.drain()
                seen += actions
                pending = actions.flatMap { reduce(&state, $0) }
            }
        }

        await settle(reduce(&state, .started))
        XCTAssertEqual(state.listed, [1], "\(seen)")
        XCTAssertEqual(state.selectedNumber, 1)
        let firstPurchases = await server.requests().filter { $0.path.hasSuffix("/access_tokens") }
        XCTAssertEqual(firstPurchases.map(\.status), [201], "one token for loading the console")

        // The token bought for loading ends (2 s, renewed 0.2 s early) before the operator dispatches.
        try await Task.sleep(for: .milliseconds(2100))
        seen = []
        await settle(press(&state, .char("d"), .char("y")))

        // The dispatch's outcome and what it changed, as the runner posted them.
        let finished = seen.compactMap { action -> (DispatchOutcome, IssueChange?)? in
            if case let .dispatchFinished(repo: "demo", outcome, change, _) = action { return (outcome, change) }
            return nil
        }
        XCTAssertEqual(finished.count, 1, "\(seen)")
        let (outcome, change) = try XCTUnwrap(finished.first)
        guard case let .dispatched(receipt) = outcome else { return XCTFail("expected a dispatch, got \(outcome)") }
        XCTAssertEqual(receipt.issueNumber, 1)
        XCTAssertEqual(receipt.labelMove, LabelMove(remove: Self.p02, add: Self.b03))
        XCTAssertEqual(receipt.labels, [Self.b03])
        XCTAssertTrue(receipt.cacheUpdated)

        // Exactly one Jenkins build, for #1.
        let builds = await server.builds()
        XCTAssertEqual(builds.count, 1, "\(builds)")
        XCTAssertEqual(builds.first?.jobPath, "Coordinator/demo/executor")
        XCTAssertTrue(builds.first?.parameters["COMMAND"]?.contains(" create-plan 1 ") ?? false, "\(builds)")

        // The labels moved on the Sandbox, by the App's bot.
        let live = await server.issue(owner: "acme", repo: "demo", number: 1)?.labels
        XCTAssertEqual(live, [Self.b03])
        let events = await server.issueEvents(owner: "acme", repo: "demo", number: 1) ?? []
        // (The scenario's own `labeled` event of the pickup label is octocat's.)
        let moves = events.filter {
            ($0.kind == .labeled && $0.label?.name == Self.b03) || ($0.kind == .unlabeled && $0.label?.name == Self.p02)
        }
        XCTAssertEqual(moves.map(\.actor), ["\(Self.slug)[bot]", "\(Self.slug)[bot]"], "the label moves are the App's bot's: \(events)")

        // The cache file and the core's view of it.
        let cached = try await backend.readCache(repo: "demo")
        XCTAssertEqual(cached.issues[1]?.labels, [Self.b03])
        let cacheFile = cacheDirectory.appendingPathComponent("github_com_acme_demo.issues.json")
        let cacheJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: cacheFile)) as? [String: Any]
        XCTAssertEqual(((cacheJSON?["issues"] as? [String: Any])?["1"] as? [String: Any])?["labels"] as? [String], [Self.b03])

        // The change carries the new cached labels and the history's summary, and the console shows them.
        let issueChange = try XCTUnwrap(change, "a locked session ran, so the change is reported")
        XCTAssertEqual(issueChange.number, 1)
        XCTAssertEqual(issueChange.cached?.labels, [Self.b03])
        let history = try XCTUnwrap(issueChange.history)
        XCTAssertEqual(history.issue, 1)
        XCTAssertEqual(history.pickup, Self.p02)
        XCTAssertEqual(history.busy, Self.b03)
        XCTAssertEqual(history.workflow, WorkflowName.createPlan.rawValue)
        XCTAssertEqual(history.jobPath, "Coordinator/demo/executor")
        XCTAssertEqual(history.lastStep, .done)
        XCTAssertEqual(history.by, Workspace.actor("console"))
        XCTAssertEqual(cached.lastDispatches[1], history)
        let demo = try XCTUnwrap(state.repos.first { $0.repo.name == "demo" })
        XCTAssertEqual(demo.cached[1]?.labels, [Self.b03])
        XCTAssertEqual(demo.history[1], history)
        XCTAssertEqual(demo.dispatches[1], .dispatched(receipt, at: try XCTUnwrap(dispatchTime(seen))))
        XCTAssertEqual(state.result?.message, "dispatched #1 (queue item \(receipt.queueID ?? -1)); labels moved, cache updated")

        // The token ended mid-session and was renewed; no request was refused for it.
        let purchases = await server.requests().filter { $0.path.hasSuffix("/access_tokens") }
        XCTAssertGreaterThanOrEqual(purchases.count, 2, "the first token ended and a new one was bought")
        XCTAssertTrue(purchases.allSatisfy { $0.status == 201 }, "\(purchases)")
        let refused = await server.requests().filter { $0.status == 401 }
        XCTAssertEqual(refused.map(\.path), [])

        // No token, JWT or key text in the console's log or anywhere in the cache directory.
        let log = try String(contentsOfFile: logPath, encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: "installation token for GitHub App \(Self.appID)").count - 1, purchases.count, log)
        let keyLines = key.pemRepresentation.split(separator: "\n") + key.pkcs8PEMRepresentation.split(separator: "\n")
        let secrets = ["ghs_", Self.jwtHeader, Self.jenkinsToken, Self.unusedToken] + keyLines.filter { !$0.hasPrefix("-----") }.map(String.init)
        let files = FileManager.default.enumerator(at: cacheDirectory, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        XCTAssertTrue(files.contains { $0.lastPathComponent == "console.log" }, "\(files)")
        for file in files {
            guard let data = try? Data(contentsOf: file) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for secret in secrets where text.contains(secret) {
                XCTFail("\(file.lastPathComponent) holds a secret (\(secret.prefix(8))…)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(began), 10, "bounded in time")
    }

    private func dispatchTime(_ actions: [ConsoleAction]) -> Date? {
        for action in actions {
            if case let .dispatchFinished(repo: _, _, change: _, at: at) = action { return at }
        }
        return nil
    }
}
