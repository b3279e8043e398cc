import AsyncHTTPClient
import Coordinator
import CoordinatorService
import Foundation
import Logging
import Sandbox
import XCTest

/// A Sandbox with one or more repositories, a temporary cache directory, a workspace over both,
/// and a `ServeEngine` running on it, for one test. `stop()` in `tearDown`.
final class ServeHarness: @unchecked Sendable {
    static let token = "ghp_serve_harness_secret"
    static let jenkinsToken = "jenkins-serve-harness-secret"
    static let webhookSecret = "serve-harness-webhook-secret"

    let server: SandboxServer
    let directory: URL
    let config: CoordinatorConfig
    let workspace: Workspace
    let engine: ServeEngine
    let monitor = RecordingMonitor()
    private var running: Task<Void, any Error>?
    private let http = HTTPClient(eventLoopGroupProvider: .singleton)

    static var quietLogger: Logger {
        var logger = Logger(label: "serve.tests")
        logger.logLevel = .critical
        return logger
    }

    private init(server: SandboxServer, directory: URL, config: CoordinatorConfig, pollInterval: Duration?, stallLimit: Duration) {
        self.server = server
        self.directory = directory
        self.config = config
        workspace = Workspace.open(
            config: config, logger: Self.quietLogger,
            retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxRateLimitWait: .milliseconds(200)))
        engine = ServeEngine(
            services: workspace.repos, pollInterval: pollInterval, actor: "test (serve)", monitor: monitor, stallLimit: stallLimit,
            logger: Self.quietLogger)
    }

    /// Starts a Sandbox holding `repos` (by default `acme/demo` with `issues`) and the engine.
    static func start(
        issues: [Scenario.Issue] = [], repos: [Scenario.Repository]? = nil, pollInterval: Duration? = nil,
        stallLimit: Duration = .seconds(600), runEngine: Bool = true, app: ServeHarnessApp? = nil
    ) async throws -> ServeHarness {
        let repos = repos ?? [Scenario.Repository(owner: "acme", name: "demo", issues: issues)]
        let apps = app.map { app in
            [Scenario.App(
                id: ServeHarnessApp.appID, slug: "serve-harness", publicKeyPEM: app.key.publicKey.pemRepresentation,
                installations: [.init(id: ServeHarnessApp.installationID, account: "acme", repositories: repos.map { "\($0.owner)/\($0.name)" })],
                tokenTTLSeconds: app.tokenTTLSeconds)]
        } ?? []
        let scenario = Scenario(
            github: .init(tokens: [.init(token: token, hourlyQuota: 1_000_000)], repositories: repos, apps: apps),
            jenkins: .init(
                users: [.init(username: "bot", apiToken: jenkinsToken)],
                jobs: repos.map { .init(path: "Coordinator/\($0.name)/executor") }))
        let server = try await SandboxServer.start(scenario: scenario)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var settings = CoordinatorSettings(cacheDirectory: directory.appendingPathComponent("cache").path)
        settings.writeSpacingMilliseconds = 0
        var serve = ServeSettings()
        serve.webhookSecret = Secret(webhookSecret)
        serve.pollSeconds = 0
        let config = CoordinatorConfig(
            path: directory.appendingPathComponent("config.toml").path,
            github: app.map { app in
                GitHubSettings(
                    token: Secret(""), app: GitHubAppSettings(
                        appID: ServeHarnessApp.appID, privateKeyFile: directory.appendingPathComponent("app.pem").path,
                        privateKeyPEM: Secret(app.key.pemRepresentation)),
                    apiURL: server.githubAPIURL)
            } ?? GitHubSettings(token: Secret(token), apiURL: server.githubAPIURL),
            jenkins: JenkinsSettings(serverURL: server.jenkinsURL, username: "bot", apiToken: Secret(jenkinsToken)),
            settings: settings,
            repos: try repos.map { repo in
                let text = "https://github.com/\(repo.owner)/\(repo.name).git"
                return RepoConfig(
                    name: repo.name, repoURLText: text, repo: try XCTUnwrap(RepoURL(parsing: text)),
                    executorJobPath: "Coordinator/\(repo.name)/executor", githubCredentialsID: "github-pat")
            },
            serve: serve)
        let harness = ServeHarness(server: server, directory: directory, config: config, pollInterval: pollInterval, stallLimit: stallLimit)
        if runEngine { try await harness.startEngine() }
        return harness
    }

    /// Runs the engine and waits for its start-up poll of every repository.
    func startEngine() async throws {
        let engine = self.engine
        running = Task { try await engine.run() }
        let repos = config.repos.map(\.name)
        try await waitUntil("the start-up poll", timeout: .seconds(20)) { [monitor] in
            Set(monitor.polls).isSuperset(of: repos)
        }
    }

    func stop() async {
        engine.stop()
        _ = try? await running?.value
        await workspace.shutdown()
        try? await http.shutdown()
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Deliveries made by hand

    /// An `issues` delivery for issue `number` as GitHub would send it now: the issue's REST JSON
    /// read from the Sandbox, wrapped with `action` and the repository.
    func event(_ action: String, issue number: Int, owner: String = "acme", repo: String = "demo", delivery: String = UUID().uuidString)
        async throws -> IssueEvent
    {
        let body = try await payload(action, issue: number, owner: owner, repo: repo)
        return IssueEvent(delivery: delivery, payload: try IssuesWebhookPayload.decode(body), receivedAt: .now)
    }

    /// The JSON body of that delivery; `extra` adds top-level fields (raw JSON values), such as
    /// the `installation` and `organization` an organisation's or an App's hook sends.
    func payload(_ action: String, issue number: Int, owner: String = "acme", repo: String = "demo", extra: [String: String] = [:])
        async throws -> Data
    {
        var request = HTTPClientRequest(url: "\(server.githubAPIURL)/repos/\(owner)/\(repo)/issues/\(number)")
        request.headers.add(name: "Authorization", value: "Bearer \(Self.token)")
        let response = try await http.execute(request, timeout: .seconds(5))
        let issue = try await response.body.collect(upTo: 1 << 20)
        var body = Data("{\"action\":\"\(action)\",\"repository\":{\"full_name\":\"\(owner)/\(repo)\"},".utf8)
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { body.append(Data("\"\(key)\":\(value),".utf8)) }
        body.append(Data("\"issue\":".utf8))
        body.append(Data(buffer: issue))
        body.append(Data("}".utf8))
        return body
    }

    // MARK: What happened

    func builds(of repo: String = "demo") async -> [SandboxBuild] {
        await server.builds().filter { $0.jobPath == "Coordinator/\(repo)/executor" }
    }

    func labels(_ number: Int, owner: String = "acme", repo: String = "demo") async -> [String] {
        await server.issue(owner: owner, repo: repo, number: number)?.labels ?? []
    }

    func cachedLabels(_ number: Int, repo: String = "demo") async throws -> [String]? {
        let service = try XCTUnwrap(workspace.repos.first { $0.repo.name == repo })
        return try await service.readCache().cache.issues[number]?.labels
    }
}

/// Records what the engine reports.
final class RecordingMonitor: ServeMonitor, @unchecked Sendable {
    private let lock = NSLock()
    private var _outcomes: [(repo: String, outcome: DispatchOutcome)] = []
    private var _polls: [String] = []
    private var _latencies: [Duration] = []
    private var _surveys: [(repo: String, busy: [BusyIssue])] = []

    var outcomes: [(repo: String, outcome: DispatchOutcome)] { lock.withLock { _outcomes } }
    var polls: [String] { lock.withLock { _polls } }
    var latencies: [Duration] { lock.withLock { _latencies } }
    var surveys: [(repo: String, busy: [BusyIssue])] { lock.withLock { _surveys } }

    func dispatched(repo: String, outcome: DispatchOutcome) { lock.withLock { _outcomes.append((repo, outcome)) } }
    func polled(repo: String) { lock.withLock { _polls.append(repo) } }
    func webhookToJenkins(_ latency: Duration) { lock.withLock { _latencies.append(latency) } }
    func surveyed(repo: String, busy: [BusyIssue]) { lock.withLock { _surveys.append((repo, busy)) } }
}

/// The whole daemon (`ServeDaemon`: engine, HTTP endpoint, metrics) on 127.0.0.1:0 over a
/// `ServeHarness`'s Sandbox and workspace, with the Sandbox's webhook pointed at it.
final class DaemonHarness: @unchecked Sendable {
    let base: ServeHarness
    let daemon: ServeDaemon
    let port: Int
    let hook: SandboxWebhook
    private let running: Task<Void, any Error>

    /// "http", or "https" when started with `tls`.
    let scheme: String

    var server: SandboxServer { base.server }
    var url: String { "\(scheme)://127.0.0.1:\(port)" }

    private init(base: ServeHarness, daemon: ServeDaemon, port: Int, hook: SandboxWebhook, scheme: String, running: Task<Void, any Error>) {
        self.base = base
        self.daemon = daemon
        self.port = port
        self.hook = hook
        self.scheme = scheme
        self.running = running
    }

    /// - Parameters:
    ///   - hookSecret: what the Sandbox signs with (the daemon always expects
    ///     `ServeHarness.webhookSecret`).
    ///   - hookContentType: how the Sandbox's hook sends payloads (`.form`: as GitHub's web form
    ///     sets a hook up by default).
    ///   - tls: serve HTTPS with this certificate and key (the Sandbox's hook, which trusts only
    ///     the system store, then cannot deliver).
    static func start(
        issues: [Scenario.Issue] = [], repos: [Scenario.Repository]? = nil, pollInterval: Duration? = nil,
        hookSecret: String? = ServeHarness.webhookSecret, hookContentType: Scenario.Webhook.ContentType = .json,
        apiToken: String? = nil, operators: [ServeOperator] = [], tls: ServeTLSIdentity? = nil,
        eventHeartbeat: Duration? = nil, logger: Logger = ServeHarness.quietLogger
    ) async throws -> DaemonHarness {
        let base = try await ServeHarness.start(issues: issues, repos: repos, runEngine: false)
        var endpoint = ServiceEndpoint(
            host: "127.0.0.1", port: 0, webhookSecret: Secret(ServeHarness.webhookSecret), apiToken: apiToken.map(Secret.init),
            operators: operators)
        endpoint.tls = tls
        if let eventHeartbeat { endpoint.eventHeartbeat = eventHeartbeat }
        let daemon = await ServeDaemon(
            workspace: base.workspace, endpoint: endpoint, pollInterval: pollInterval, actor: "test (serve)", signals: false, logger: logger)
        let running = Task { try await daemon.run() }
        guard let port = await daemon.port() else {
            await base.stop()
            throw DaemonDidNotListen()
        }
        let hook = try base.server.addWebhook(
            url: "\(endpoint.scheme)://127.0.0.1:\(port)/webhooks/github", secret: hookSecret, contentType: hookContentType)
        let harness = DaemonHarness(base: base, daemon: daemon, port: port, hook: hook, scheme: endpoint.scheme, running: running)
        try await waitUntil("the start-up poll", timeout: .seconds(20)) {
            harness.daemon.engine.pollState().allSatisfy { $0.lastPoll != nil }
        }
        return harness
    }

    func stop() async {
        await daemon.shutdown()
        _ = try? await running.value
        await base.stop()
    }

    /// One sample of the daemon's metrics (see `prometheusSample`).
    func metric(_ name: String, _ labels: String = "") -> Double? {
        prometheusSample(daemon.metrics.render(), name, labels)
    }

    /// Waits until the Sandbox has sent every delivery and the engine has handled them, twice in
    /// a row (a dispatch's own label writes cause new deliveries).
    func settle() async throws {
        var quiet = 0
        try await waitUntil("deliveries sent and handled", timeout: .seconds(30)) {
            _ = await self.server.waitForWebhookDeliveries(timeout: .seconds(10))
            quiet = self.daemon.engine.isIdle ? quiet + 1 : 0
            return quiet >= 3
        }
    }
}

/// A plain HTTP GET client for the daemon's endpoints.
final class HTTPProbe: Sendable {
    private let http = HTTPClient(eventLoopGroupProvider: .singleton)

    func get(_ url: String, bearer: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await http.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// POSTs `body` with `headers` as they are given.
    func post(_ url: String, headers: [(String, String)], body: Data) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: .seconds(5))
        let answer = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: answer))
    }

    func shutdown() {
        try? http.syncShutdown()
    }
}

/// The daemon stopped before it listened (the port was taken, say).
struct DaemonDidNotListen: Error, CustomStringConvertible {
    var description: String { "the daemon did not start listening" }
}
