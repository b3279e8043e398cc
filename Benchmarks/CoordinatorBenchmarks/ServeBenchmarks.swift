import Coordinator
import CoordinatorService
import Foundation
import Logging
import Sandbox

// `serve`'s reaction time: a label changed in the Sandbox → the Sandbox's signed `issues` webhook
// → the daemon over loopback HTTP → lock, live re-read, crumb, ledger intent → the Jenkins build
// POST. Measured from the webhook's arrival to the moment the POST is sent (the label writes
// after it are not part of it), one relabel at a time, write spacing 0.

/// Collects webhook-to-Jenkins latencies.
private final class LatencySamples: ServeMonitor, @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Duration] = []

    var all: [Duration] { lock.withLock { samples } }
    func dispatched(repo: String, outcome: DispatchOutcome) {}
    func polled(repo: String) {}
    func surveyed(repo: String, busy: [BusyIssue]) {}
    func webhookToJenkins(_ latency: Duration) { lock.withLock { samples.append(latency) } }
}

struct ServeBenchmarkError: Error, CustomStringConvertible {
    var description: String
}

/// Runs the benchmark and prints its line; a failure to set up is printed, not fatal.
func runServeBenchmark(relabels: Int) async {
    do {
        let samples = try await measureServeLatency(relabels: relabels)
        let ms = samples.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        func percentile(_ p: Double) -> Double { ms[min(ms.count - 1, Int(Double(ms.count) * p))] }
        let p95 = percentile(0.95)
        print(String(
            format: "serve (store: \(benchmarkPostgresURL == nil ? "files" : "PostgreSQL")): webhook → Jenkins POST, %d relabels: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (budget p95 ≤ 250 ms: %@)",
            ms.count, percentile(0.5), p95, percentile(0.99), ms.last ?? 0, p95 <= 250 ? "holds" : "MISSED"))
    } catch {
        print("serve: webhook → Jenkins POST: n/a (\(error))")
    }
}

/// What both serve benchmarks run over: a Sandbox with `issues` unlabelled issues of acme/demo and a
/// workspace on it (write spacing 0, logs off), in a temporary directory `stop` removes.
struct ServeBenchmarkWorld {
    static let webhookSecret = "benchmark-webhook-secret"
    let server: SandboxServer
    let directory: URL
    let workspace: Workspace
    let logger: Logger

    static func start(issues count: Int, name: String) async throws -> ServeBenchmarkWorld {
        let token = "ghp_benchmark_token", jenkinsToken = "jenkins-benchmark-token"
        let issues = (1...max(1, count)).map { Scenario.Issue(number: $0, title: "Issue \($0)", createdAt: "2026-11-20T08:00:00Z") }
        let server = try await SandboxServer.start(scenario: Scenario(
            github: .init(tokens: [.init(token: token, hourlyQuota: 10_000_000)], repositories: [.init(owner: "acme", name: "demo", issues: issues)]),
            jenkins: .init(users: [.init(username: "bot", apiToken: jenkinsToken)], jobs: [.init(path: "Coordinator/demo/executor")])))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-\(name)-bench-\(UUID().uuidString)")
        var settings = CoordinatorSettings(cacheDirectory: directory.appendingPathComponent("cache").path)
        settings.writeSpacingMilliseconds = 0
        guard let repo = RepoURL(parsing: "https://github.com/acme/demo.git") else {
            await server.stop()
            throw ServeBenchmarkError(description: "repository URL")
        }
        let config = CoordinatorConfig(
            path: directory.appendingPathComponent("config.toml").path,
            github: GitHubSettings(token: Secret(token), apiURL: server.githubAPIURL),
            jenkins: JenkinsSettings(serverURL: server.jenkinsURL, username: "bot", apiToken: Secret(jenkinsToken)),
            settings: settings,
            repos: [RepoConfig(
                name: "demo", repoURLText: "https://github.com/acme/demo.git", repo: repo,
                executorJobPath: "Coordinator/demo/executor", githubCredentialsID: "github-pat")])
        var logger = Logger(label: "benchmark")
        logger.logLevel = .critical
        var stores: Workspace.Stores?
        if let url = benchmarkPostgresURL {
            do {
                stores = try await openBenchmarkDatabase(url, logger: logger).stores
            } catch {
                await server.stop()
                throw error
            }
        }
        return ServeBenchmarkWorld(
            server: server, directory: directory, workspace: Workspace.open(config: config, logger: logger, stores: stores), logger: logger)
    }

    func stop() async {
        await workspace.shutdown()
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

private func measureServeLatency(relabels: Int) async throws -> [Duration] {
    let world = try await ServeBenchmarkWorld.start(issues: relabels, name: "serve")
    let (server, workspace, logger, secret) = (world.server, world.workspace, world.logger, ServeBenchmarkWorld.webhookSecret)
    let samples = LatencySamples()
    let daemon = await ServeDaemon(
        workspace: workspace, endpoint: ServiceEndpoint(host: "127.0.0.1", port: 0, webhookSecret: Secret(secret)),
        pollInterval: nil, actor: "benchmark (serve)", signals: false, observer: samples, logger: logger)
    let running = Task { try await daemon.run() }
    func cleanUp() async {
        await daemon.shutdown()
        _ = try? await running.value
        await world.stop()
    }
    do {
        guard let port = await daemon.port() else { throw ServeBenchmarkError(description: "the daemon did not listen") }
        try server.addWebhook(url: "http://127.0.0.1:\(port)/webhooks/github", secret: secret)
        try await until("the start-up poll") { daemon.engine.pollState().allSatisfy { $0.lastPoll != nil } }
        for number in 1...relabels {
            _ = await server.setLabels(owner: "acme", repo: "demo", number: number, labels: ["status-02:awaiting-planning"])
            try await until("the dispatch of #\(number)") { samples.all.count >= number }
        }
        await cleanUp()
        return samples.all
    } catch {
        await cleanUp()
        throw error
    }
}

private func until(_ what: String, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw ServeBenchmarkError(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(1))
    }
}
