import AsyncHTTPClient
import Foundation
import Logging

/// The configured repositories wired to real GitHub and Jenkins clients over shared `HTTPClient`s
/// (one, unless the services trust different CAs). The headless commands and the console both
/// start here.
public final class Workspace: Sendable {
    public let config: CoordinatorConfig
    /// In file order.
    public let repos: [RepoService]
    /// Every GitHub answer passes here: the token's rate limit and write slot, or, for a GitHub
    /// App, what its installations' states report (`serve`'s metrics observe it).
    public let githubState: GitHubTokenState
    private let http: ServiceHTTPClients
    /// Closes what the stores hold open (a database's connections).
    private let closeStores: @Sendable () async -> Void

    private init(
        config: CoordinatorConfig, repos: [RepoService], githubState: GitHubTokenState, http: ServiceHTTPClients,
        closeStores: @escaping @Sendable () async -> Void
    ) {
        self.config = config
        self.repos = repos
        self.githubState = githubState
        self.http = http
        self.closeStores = closeStores
    }

    /// Where each repository's state lives: the files of the cache directory (the default), or a
    /// database's store; `close` is called once by `shutdown`.
    public struct Stores: Sendable {
        public var store: @Sendable (RepoConfig, _ historyDays: Int, Logger) -> any RepoStore
        public var close: @Sendable () async -> Void

        public init(store: @escaping @Sendable (RepoConfig, Int, Logger) -> any RepoStore, close: @escaping @Sendable () async -> Void) {
            self.store = store
            self.close = close
        }

        /// The files in `directory`.
        public static func files(in directory: String) -> Stores {
            Stores(
                store: { repo, days, logger in
                    FileRepoStore(files: IssueCacheStore(directory: directory, repo: repo.repo), retentionDays: days, logger: RepoService.logger(logger, repo: repo))
                },
                close: {})
        }
    }

    /// Builds the clients for every configured repository. `logLevel` is also what the executor
    /// command is given (`mcp-coder --log-level`).
    /// `stores` default to the files of the configured cache directory.
    public static func open(
        config: CoordinatorConfig, logger: Logger, logLevel: String? = nil, retryPolicy: RetryPolicy = .default, stores: Stores? = nil
    ) -> Workspace {
        let stores = stores ?? .files(in: config.settings.cacheDirectory)
        let http = HTTPClientFactory.makeHTTPClients(github: config.github.trust, jenkins: config.jenkins.trust)
        let settings = config.settings
        let jenkins = JenkinsClient(
            http: http.jenkins, serverURL: config.jenkins.serverURL, username: config.jenkins.username,
            apiToken: config.jenkins.apiToken, logger: logger)
        let planner = DispatchPlanner(command: ExecutorCommand(overrides: settings.commandTemplates), logLevel: logLevel)
        let refresher = CacheRefresher(policy: RefreshPolicy(settings: settings))
        let tokenState = GitHubTokenState()
        let auth = config.github.auth(http: http.github, retryPolicy: retryPolicy, requests: tokenState, logger: logger)
        let services = config.repos.map { repo in
            let github = GitHubClient(
                http: http.github, apiBase: repo.repo.apiBase(override: config.github.apiURL),
                graphQLURL: repo.repo.graphQLURL(override: config.github.apiURL),
                owner: repo.repo.owner, repo: repo.repo.name, auth: auth,
                writeSpacing: .milliseconds(settings.writeSpacingMilliseconds), retryPolicy: retryPolicy, logger: logger)
            return RepoService(
                repo: repo, rules: config.rules,
                store: stores.store(repo, settings.historyDays, logger),
                planner: planner, refresher: refresher, github: github, jobs: jenkins,
                rateLimit: { await github.rateLimit() },
                stuckRules: StuckRules(gracePeriod: TimeInterval(settings.stuckGraceMinutes) * 60),
                logger: logger)
        }
        return Workspace(config: config, repos: services, githubState: tokenState, http: http, closeStores: stores.close)
    }

    /// The repositories `--repo NAME …` selects, in file order (nil: all of them).
    public func services(named names: [String]?) throws -> [RepoService] {
        let selected = Set(try config.selectRepos(named: names).map(\.name))
        return repos.filter { selected.contains($0.repo.name) }
    }

    /// The one repository a command taking a single name (`test REPO`) works on.
    public func services(named name: String) throws -> [RepoService] {
        try services(named: [name])
    }

    /// Closes the stores and the shared HTTP clients. Call once, when done.
    public func shutdown() async {
        await closeStores()
        await http.shutdown()
    }

    /// `user@host (how)`, for the dispatch ledger.
    public static func actor(_ how: String) -> String {
        let env = ProcessInfo.processInfo.environment
        let user = env["USER"] ?? env["LOGNAME"] ?? "unknown"
        return "\(user)@\(ProcessInfo.processInfo.hostName) (\(how))"
    }
}
