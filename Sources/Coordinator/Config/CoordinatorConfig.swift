import Foundation

/// Which OS the executor job runs on; picks the command template.
public enum ExecutorOS: String, Codable, Sendable, Equatable {
    case linux, windows
}

/// One `[coordinator.repos.NAME]` section, validated.
public struct RepoConfig: Sendable, Equatable {
    public var name: String
    public var repoURLText: String
    public var repo: RepoURL
    public var executorJobPath: String
    public var githubCredentialsID: String
    public var executorOS: ExecutorOS
    public var mainBranch: String

    public init(
        name: String, repoURLText: String, repo: RepoURL, executorJobPath: String,
        githubCredentialsID: String, executorOS: ExecutorOS = .linux, mainBranch: String = "main"
    ) {
        self.name = name
        self.repoURLText = repoURLText
        self.repo = repo
        self.executorJobPath = executorJobPath
        self.githubCredentialsID = githubCredentialsID
        self.executorOS = executorOS
        self.mainBranch = mainBranch
    }
}

/// `[github]`: how GitHub is reached and who the coordinator is there — a token, or a GitHub App
/// (`app` set, `token` empty).
public struct GitHubSettings: Sendable, Equatable {
    public var token: Secret
    /// `[github] app_id` + `private_key_file`: act as this GitHub App; nil in token mode.
    public var app: GitHubAppSettings?
    /// `[github] api_url`: overrides the API base derived from each repo URL's host.
    public var apiURL: String?
    /// The CAs GitHub's certificate is checked against: `[github] ca_file`, `SSL_CERT_FILE`/`DIR`
    /// or the system store (see `TLSTrust`).
    public var trust: TLSTrust

    public init(token: Secret, app: GitHubAppSettings? = nil, apiURL: String? = nil, trust: TLSTrust = .system) {
        self.token = token
        self.app = app
        self.apiURL = apiURL
        self.trust = trust
    }
}

public struct JenkinsSettings: Sendable, Equatable {
    public var serverURL: String
    public var username: String
    public var apiToken: Secret
    /// The CAs Jenkins' certificate is checked against: `[jenkins] ca_file`, `SSL_CERT_FILE`/`DIR`
    /// or the system store (see `TLSTrust`).
    public var trust: TLSTrust

    public init(serverURL: String, username: String, apiToken: Secret, trust: TLSTrust = .system) {
        self.serverURL = serverURL
        self.username = username
        self.apiToken = apiToken
        self.trust = trust
    }
}

/// `[coordinator]` settings with their defaults.
public struct CoordinatorSettings: Sendable, Equatable {
    public var cacheRefreshMinutes: Int = 1440
    public var duplicateWindowSeconds: Int = 60
    public var writeSpacingMilliseconds: Int = 1000
    public var cacheDirectory: String
    public var labelsFile: String?
    /// Console: seconds between automatic live refreshes (0 = off).
    public var consoleRefreshSeconds: Int = 0
    /// Minutes an issue may keep its busy label after its build ended before it counts as stuck.
    public var stuckGraceMinutes: Int = 10
    /// Days of finished dispatch history kept in the log; older moves to the archive.
    public var historyDays: Int = CoordinatorSettings.defaultHistoryDays
    public static let defaultHistoryDays = 90
    /// Overrides of the executor command templates, keyed "WORKFLOW.OS" (e.g. "implement.linux"):
    /// `[coordinator.command_templates]` and every workflow's `command.OS`, checked at load.
    public var commandTemplates: [String: String] = [:]

    public init(cacheDirectory: String) {
        self.cacheDirectory = cacheDirectory
    }

    /// The values a numeric setting accepts, and how its error message names them.
    public struct Bound: Sendable, Equatable {
        public var range: ClosedRange<Int>
        /// "minutes", "seconds", "milliseconds".
        public var unit: String
        /// The upper bound in words, for the error message.
        public var upperMeaning: String

        /// `cache_refresh_minutes`: a full refresh at least once a year.
        public static let cacheRefreshMinutes = Bound(range: 1...525_600, unit: "minutes", upperMeaning: "one year")
        /// `duplicate_window_seconds`: 0 turns reuse off.
        public static let duplicateWindowSeconds = Bound(range: 0...31_536_000, unit: "seconds", upperMeaning: "one year")
        /// `write_spacing_ms`: an hour between two label writes already stalls every dispatch.
        public static let writeSpacingMilliseconds = Bound(range: 0...3_600_000, unit: "milliseconds", upperMeaning: "one hour")
        /// `console_refresh_seconds`: 0 turns automatic refresh off.
        public static let consoleRefreshSeconds = Bound(range: 0...31_536_000, unit: "seconds", upperMeaning: "one year")
        /// `stuck_grace_minutes`: 0 flags an issue as soon as its build ended.
        public static let stuckGraceMinutes = Bound(range: 0...10_080, unit: "minutes", upperMeaning: "one week")
        /// `history_days`: at least a day of finished history stays in the log, at most ten years.
        public static let historyDays = Bound(range: 1...3_650, unit: "days", upperMeaning: "ten years")
    }
}

/// The whole configuration, validated: every repo parsed, the label set loaded and checked.
public struct CoordinatorConfig: Sendable, Equatable {
    /// The file it came from, for messages.
    public var path: String
    public var github: GitHubSettings
    public var jenkins: JenkinsSettings
    public var settings: CoordinatorSettings
    /// In file order.
    public var repos: [RepoConfig]
    public var rules: WorkflowRules
    /// `[serve]`, read by `coordinator serve` only.
    public var serve: ServeSettings
    /// `[store]`: files (the default) or PostgreSQL.
    public var store: StoreSettings

    public init(
        path: String, github: GitHubSettings, jenkins: JenkinsSettings, settings: CoordinatorSettings,
        repos: [RepoConfig], rules: WorkflowRules = WorkflowRules(), serve: ServeSettings = ServeSettings(),
        store: StoreSettings = StoreSettings()
    ) {
        self.path = path
        self.github = github
        self.jenkins = jenkins
        self.settings = settings
        self.repos = repos
        self.rules = rules
        self.serve = serve
        self.store = store
    }

    /// The repos `--repo NAME …` names, in file order and each once (nil: all of them). Every
    /// unknown name is reported in one error, with the names the file has.
    public func selectRepos(named names: [String]?) throws -> [RepoConfig] {
        let selected = Set(try Self.select(names, among: repos.map(\.name), in: path))
        return repos.filter { selected.contains($0.name) }
    }

    /// The rule of `--repo NAME …` over the names `known` (in file order): those named, in file
    /// order and each once (nil: all of them). Every unknown name is reported in one error, with
    /// the known ones; `source` says where they are known (a config file, `serve at URL`).
    public static func select(_ names: [String]?, among known: [String], in source: String) throws -> [String] {
        guard let names else { return known }
        let knownSet = Set(known)
        var unknown: [String] = []
        for name in names where !knownSet.contains(name) && !unknown.contains(name) { unknown.append(name) }
        guard unknown.isEmpty else {
            throw ConfigError.unknownRepository(path: source, name: unknown.joined(separator: "', '"), known: known)
        }
        let wanted = Set(names)
        return known.filter { wanted.contains($0) }
    }
}
