import Foundation
import Logging
import Sandbox
@testable import Coordinator

/// A Sandbox on an ephemeral loopback port with one repository (`acme/demo`, or more), a
/// temporary cache directory, and the configuration that points the coordinator at both.
final class CoordinatorFixture: @unchecked Sendable {
    static let token = "ghp_fixture_secret_token"
    static let jenkinsToken = "jenkins-fixture-secret"
    static let fastRetries = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxRateLimitWait: .milliseconds(200))

    let server: SandboxServer
    let directory: URL
    var config: CoordinatorConfig

    var cacheDirectory: String { config.settings.cacheDirectory }

    private init(server: SandboxServer, directory: URL, config: CoordinatorConfig) {
        self.server = server
        self.directory = directory
        self.config = config
    }

    /// Starts a Sandbox holding `issues` in `acme/demo` (plus `extraRepos`).
    static func start(
        issues: [Scenario.Issue], extraRepos: [Scenario.Repository] = [], duplicateWindowSeconds: Int = 60,
        jenkinsStartDelayMs: Int = 0
    ) async throws -> CoordinatorFixture {
        let repos = [Scenario.Repository(owner: "acme", name: "demo", issues: issues)] + extraRepos
        let scenario = Scenario(
            github: .init(tokens: [.init(token: token)], repositories: repos),
            jenkins: .init(
                users: [.init(username: "bot", apiToken: jenkinsToken)], startDelayMs: jenkinsStartDelayMs,
                jobs: repos.map { .init(path: "Coordinator/\($0.name)/executor") }))
        let server = try await SandboxServer.start(scenario: scenario)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var settings = CoordinatorSettings(cacheDirectory: directory.appendingPathComponent("cache").path)
        settings.writeSpacingMilliseconds = 0
        settings.duplicateWindowSeconds = duplicateWindowSeconds
        let config = CoordinatorConfig(
            path: directory.appendingPathComponent("config.toml").path,
            github: GitHubSettings(token: Secret(token), apiURL: server.githubAPIURL),
            jenkins: JenkinsSettings(serverURL: server.jenkinsURL, username: "bot", apiToken: Secret(jenkinsToken)),
            settings: settings,
            repos: repos.map { repo in
                let text = "https://github.com/\(repo.owner)/\(repo.name).git"
                return RepoConfig(
                    name: repo.name, repoURLText: text, repo: RepoURL(parsing: text)!,
                    executorJobPath: "Coordinator/\(repo.name)/executor", githubCredentialsID: "github-pat")
            })
        return CoordinatorFixture(server: server, directory: directory, config: config)
    }

    /// A workspace over the current `config`; the caller shuts it down.
    func workspace(logLevel: String? = nil) -> Workspace {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Workspace.open(config: config, logger: logger, logLevel: logLevel, retryPolicy: Self.fastRetries)
    }

    /// One whole headless run, as `coordinator run --all` does it.
    func run(_ options: RunOptions = RunOptions()) async -> RunReport {
        let workspace = workspace()
        let report = await CoordinatorRun(services: workspace.repos, actor: "test (run)").run(options)
        await workspace.shutdown()
        return report
    }

    func service(_ body: (RepoService) async throws -> Void) async rethrows {
        let workspace = workspace()
        do {
            try await body(workspace.repos[0])
            await workspace.shutdown()
        } catch {
            await workspace.shutdown()
            throw error
        }
    }

    var store: IssueCacheStore { IssueCacheStore(directory: cacheDirectory, repo: config.repos[0].repo) }

    func cache() throws -> IssueCache { try store.load().cache }

    /// Moves `last_checked` an hour back, so the next run refreshes instead of reusing the cache.
    func ageLastChecked() throws {
        var cache = try cache()
        cache.lastChecked = Date().addingTimeInterval(-3600)
        try store.save(cache)
    }

    func cacheBytes() -> Data? { try? Data(contentsOf: store.fileURL) }

    func liveLabels(_ number: Int, repo: String = "demo") async -> [String] {
        await server.issue(owner: "acme", repo: repo, number: number)?.labels ?? []
    }

    func builds(issue number: Int? = nil) async -> [SandboxBuild] {
        let all = await server.builds()
        guard let number else { return all }
        return all.filter { $0.parameters["COMMAND"]?.contains(" \(number) --project-dir") == true }
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

extension Scenario.Issue {
    /// An open issue updated at a fixed time in the past.
    static func open(_ number: Int, _ labels: [String], branches: [String] = [], title: String? = nil) -> Scenario.Issue {
        Scenario.Issue(
            number: number, title: title ?? "Issue \(number)", labels: labels, user: "alice",
            createdAt: "2026-11-01T08:00:00Z", updatedAt: "2026-11-02T08:00:00Z", linkedBranches: branches)
    }
}
