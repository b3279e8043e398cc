import Foundation

/// Everything the Sandbox starts from: repositories and their issues, tokens, Jenkins users
/// and jobs. Loaded from JSON (keys in snake_case); see `Tests/Fidelity/SANDBOX.md`.
///
/// Timestamps are kept as the strings found in the file (`2026-11-24T10:00:00Z`) so a scenario
/// round-trips unchanged; `validated()` checks them.
public struct Scenario: Codable, Sendable, Equatable {
    public var github: GitHub
    public var jenkins: Jenkins

    public init(github: GitHub, jenkins: Jenkins) {
        self.github = github
        self.jenkins = jenkins
    }

    public struct GitHub: Codable, Sendable, Equatable {
        public var tokens: [Token]
        /// Labels defined in every repository, in addition to each repository's own.
        public var labels: [Label]
        public var repositories: [Repository]
        /// Hooks to deliver `issues` events to (more can be added at run time).
        public var webhooks: [Webhook]
        /// GitHub Apps that may sign JWTs and buy installation tokens (see `App`).
        public var apps: [App]

        public init(tokens: [Token], labels: [Label] = [], repositories: [Repository], webhooks: [Webhook] = [], apps: [App] = []) {
            self.tokens = tokens
            self.labels = labels
            self.repositories = repositories
            self.webhooks = webhooks
            self.apps = apps
        }

        enum CodingKeys: String, CodingKey { case tokens, labels, repositories, webhooks, apps }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            tokens = try c.decode([Token].self, forKey: .tokens)
            labels = try c.decodeIfPresent([Label].self, forKey: .labels) ?? []
            repositories = try c.decode([Repository].self, forKey: .repositories)
            webhooks = try c.decodeIfPresent([Webhook].self, forKey: .webhooks) ?? []
            apps = try c.decodeIfPresent([App].self, forKey: .apps) ?? []
        }
    }

    public struct Token: Codable, Sendable, Equatable {
        public var token: String
        /// The account the token belongs to; shows up in rate-limit messages.
        public var login: String
        /// Requests per hour before GitHub answers 403 (real GitHub: 5000).
        public var hourlyQuota: Int
        /// A classic token's OAuth scopes, sent as `X-OAuth-Scopes` on every authenticated answer.
        public var scopes: [String]
        /// A fine-grained token: GitHub sends no `X-OAuth-Scopes` for it, so its rights cannot be read.
        public var fineGrained: Bool

        public init(
            token: String, login: String = "sandbox-bot", hourlyQuota: Int = 5000, scopes: [String] = ["repo"],
            fineGrained: Bool = false
        ) {
            self.token = token
            self.login = login
            self.hourlyQuota = hourlyQuota
            self.scopes = scopes
            self.fineGrained = fineGrained
        }

        enum CodingKeys: String, CodingKey { case token, login, scopes, hourlyQuota = "hourly_quota", fineGrained = "fine_grained" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            token = try c.decode(String.self, forKey: .token)
            login = try c.decodeIfPresent(String.self, forKey: .login) ?? "sandbox-bot"
            hourlyQuota = try c.decodeIfPresent(Int.self, forKey: .hourlyQuota) ?? 5000
            scopes = try c.decodeIfPresent([String].self, forKey: .scopes) ?? ["repo"]
            fineGrained = try c.decodeIfPresent(Bool.self, forKey: .fineGrained) ?? false
        }
    }

    public struct Label: Codable, Sendable, Equatable {
        public var name: String
        /// Six hex digits without `#`, as GitHub stores it.
        public var color: String
        public var description: String?

        public init(name: String, color: String = "ededed", description: String? = nil) {
            self.name = name
            self.color = color
            self.description = description
        }

        enum CodingKeys: String, CodingKey { case name, color, description }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            color = try c.decodeIfPresent(String.self, forKey: .color) ?? "ededed"
            description = try c.decodeIfPresent(String.self, forKey: .description)
        }
    }

    public struct Repository: Codable, Sendable, Equatable {
        public var owner: String
        public var name: String
        public var defaultBranch: String
        /// Host used in `html_url`s (`github.com`, or a GitHub Enterprise host).
        public var htmlHost: String
        public var description: String?
        public var labels: [Label]
        public var issues: [Issue]

        public init(
            owner: String, name: String, defaultBranch: String = "main", htmlHost: String = "github.com",
            description: String? = nil, labels: [Label] = [], issues: [Issue] = []
        ) {
            self.owner = owner
            self.name = name
            self.defaultBranch = defaultBranch
            self.htmlHost = htmlHost
            self.description = description
            self.labels = labels
            self.issues = issues
        }

        enum CodingKeys: String, CodingKey {
            case owner, name, description, labels, issues
            case defaultBranch = "default_branch", htmlHost = "html_host"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            owner = try c.decode(String.self, forKey: .owner)
            name = try c.decode(String.self, forKey: .name)
            defaultBranch = try c.decodeIfPresent(String.self, forKey: .defaultBranch) ?? "main"
            htmlHost = try c.decodeIfPresent(String.self, forKey: .htmlHost) ?? "github.com"
            description = try c.decodeIfPresent(String.self, forKey: .description)
            labels = try c.decodeIfPresent([Label].self, forKey: .labels) ?? []
            issues = try c.decodeIfPresent([Issue].self, forKey: .issues) ?? []
        }
    }

    public struct Issue: Codable, Sendable, Equatable {
        public var number: Int
        public var title: String
        public var body: String?
        /// `open` or `closed`.
        public var state: String
        public var labels: [String]
        public var assignees: [String]
        public var user: String
        public var createdAt: String
        /// Defaults to `created_at`.
        public var updatedAt: String?
        /// Defaults to `updated_at` for a closed issue.
        public var closedAt: String?
        /// A pull request: listed by the issues endpoint with a `pull_request` object.
        public var pullRequest: Bool
        /// Branches linked in the Development sidebar (GraphQL `linkedBranches`).
        public var linkedBranches: [String]
        public var locked: Bool
        public var comments: Int
        /// The issue's history before the scenario starts (`GET …/issues/{n}/events`), e.g. when
        /// its busy label was added. Nil: each of `labels` `labeled` at `created_at` by `user`, and
        /// a closed issue `closed` at `closed_at`; `[]`: no history.
        public var events: [Event]?

        public init(
            number: Int, title: String, body: String? = nil, state: String = "open", labels: [String] = [],
            assignees: [String] = [], user: String = "octocat", createdAt: String, updatedAt: String? = nil,
            closedAt: String? = nil, pullRequest: Bool = false, linkedBranches: [String] = [],
            locked: Bool = false, comments: Int = 0, events: [Event]? = nil
        ) {
            self.number = number
            self.title = title
            self.body = body
            self.state = state
            self.labels = labels
            self.assignees = assignees
            self.user = user
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.closedAt = closedAt
            self.pullRequest = pullRequest
            self.linkedBranches = linkedBranches
            self.locked = locked
            self.comments = comments
            self.events = events
        }

        /// One past event of an issue: `labeled`/`unlabeled` (with `label`), `closed` or `reopened`.
        public struct Event: Codable, Sendable, Equatable {
            public var event: String
            public var label: String?
            /// `YYYY-MM-DDTHH:MM:SSZ`, from the issue's `created_at` to its `updated_at`.
            public var createdAt: String
            /// Who did it; defaults to the issue's `user`.
            public var actor: String?

            public init(event: String, label: String? = nil, createdAt: String, actor: String? = nil) {
                self.event = event
                self.label = label
                self.createdAt = createdAt
                self.actor = actor
            }

            /// What a scenario may declare (GitHub records `renamed` and others too; the Sandbox
            /// makes those only from edits).
            public static let kinds = ["labeled", "unlabeled", "closed", "reopened"]

            enum CodingKeys: String, CodingKey { case event, label, actor, createdAt = "created_at" }
        }

        enum CodingKeys: String, CodingKey {
            case number, title, body, state, labels, assignees, user, locked, comments, events
            case createdAt = "created_at", updatedAt = "updated_at", closedAt = "closed_at"
            case pullRequest = "pull_request", linkedBranches = "linked_branches"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            number = try c.decode(Int.self, forKey: .number)
            title = try c.decode(String.self, forKey: .title)
            body = try c.decodeIfPresent(String.self, forKey: .body)
            state = try c.decodeIfPresent(String.self, forKey: .state) ?? "open"
            labels = try c.decodeIfPresent([String].self, forKey: .labels) ?? []
            assignees = try c.decodeIfPresent([String].self, forKey: .assignees) ?? []
            user = try c.decodeIfPresent(String.self, forKey: .user) ?? "octocat"
            createdAt = try c.decode(String.self, forKey: .createdAt)
            updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt)
            closedAt = try c.decodeIfPresent(String.self, forKey: .closedAt)
            pullRequest = try c.decodeIfPresent(Bool.self, forKey: .pullRequest) ?? false
            linkedBranches = try c.decodeIfPresent([String].self, forKey: .linkedBranches) ?? []
            locked = try c.decodeIfPresent(Bool.self, forKey: .locked) ?? false
            comments = try c.decodeIfPresent(Int.self, forKey: .comments) ?? 0
            events = try c.decodeIfPresent([Event].self, forKey: .events)
        }
    }

    public struct Jenkins: Codable, Sendable, Equatable {
        public var users: [User]
        /// When on, `/crumbIssuer/api/json` answers and password-authenticated POSTs need the crumb.
        public var crumb: Bool
        /// How long a queue item waits before it becomes a build.
        public var startDelayMs: Int
        /// How long a build reports `building: true` before it finishes with `buildResult`.
        public var buildDurationMs: Int
        /// The result every build ends with unless the control API sets another: `SUCCESS`,
        /// `UNSTABLE`, `FAILURE`, `NOT_BUILT` or `ABORTED` (see `SandboxBuildResult`).
        public var buildResult: String
        /// How long `/queue/item/ID/api/json` still answers after the item left the queue
        /// (Jenkins forgets left items after about five minutes).
        public var queueRetentionMs: Int
        public var jobs: [Job]

        public init(
            users: [User], crumb: Bool = false, startDelayMs: Int = 0, buildDurationMs: Int = 0,
            queueRetentionMs: Int = 300_000, jobs: [Job], buildResult: String = SandboxBuildResult.success.rawValue
        ) {
            self.users = users
            self.crumb = crumb
            self.startDelayMs = startDelayMs
            self.buildDurationMs = buildDurationMs
            self.buildResult = buildResult
            self.queueRetentionMs = queueRetentionMs
            self.jobs = jobs
        }

        enum CodingKeys: String, CodingKey {
            case users, crumb, jobs
            case startDelayMs = "start_delay_ms", buildDurationMs = "build_duration_ms"
            case queueRetentionMs = "queue_retention_ms", buildResult = "build_result"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            users = try c.decode([User].self, forKey: .users)
            crumb = try c.decodeIfPresent(Bool.self, forKey: .crumb) ?? false
            startDelayMs = try c.decodeIfPresent(Int.self, forKey: .startDelayMs) ?? 0
            buildDurationMs = try c.decodeIfPresent(Int.self, forKey: .buildDurationMs) ?? 0
            buildResult = try c.decodeIfPresent(String.self, forKey: .buildResult) ?? SandboxBuildResult.success.rawValue
            queueRetentionMs = try c.decodeIfPresent(Int.self, forKey: .queueRetentionMs) ?? 300_000
            jobs = try c.decode([Job].self, forKey: .jobs)
        }
    }

    public struct User: Codable, Sendable, Equatable {
        public var username: String
        /// Basic-auth secret that never needs a crumb.
        public var apiToken: String?
        /// Basic-auth secret that needs a crumb on POST when crumbs are on.
        public var password: String?

        public init(username: String, apiToken: String? = nil, password: String? = nil) {
            self.username = username
            self.apiToken = apiToken
            self.password = password
        }

        enum CodingKeys: String, CodingKey { case username, password, apiToken = "api_token" }
    }

    public struct Job: Codable, Sendable, Equatable {
        /// Folder path separated by `/`: `Coordinator/mcp_coder/executor`.
        public var path: String
        public var nextBuildNumber: Int
        /// The string parameters the job defines (`property[].parameterDefinitions`), in order.
        public var parameters: [String]

        /// What the job's builds write to their console between Jenkins' own first and last lines;
        /// nil: a short default (the workspace and the build's parameters).
        public var log: Log?

        /// What the coordinator's executor job takes.
        public static let executorParameters = ["REPO_URL", "BRANCH_NAME", "COMMAND", "GITHUB_CREDENTIALS_ID"]

        public init(path: String, nextBuildNumber: Int = 1, parameters: [String] = Job.executorParameters, log: Log? = nil) {
            self.path = path
            self.nextBuildNumber = nextBuildNumber
            self.parameters = parameters
            self.log = log
        }

        enum CodingKeys: String, CodingKey { case path, parameters, log, nextBuildNumber = "next_build_number" }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            nextBuildNumber = try c.decodeIfPresent(Int.self, forKey: .nextBuildNumber) ?? 1
            parameters = try c.decodeIfPresent([String].self, forKey: .parameters) ?? Job.executorParameters
            log = try c.decodeIfPresent(Log.self, forKey: .log)
        }
    }

    /// A job's console output: `{"lines": [...], "lines_per_second": N}`. Each line is written
    /// with a `\n` after it, as given (ANSI colour codes and all). Line `i` appears `i / N` seconds
    /// after the build started; without a rate (or 0) all appear at the start. A build that ends
    /// has written every line, then Jenkins' `Finished: RESULT`.
    public struct Log: Codable, Sendable, Equatable {
        public var lines: [String]
        public var linesPerSecond: Double?

        public init(lines: [String], linesPerSecond: Double? = nil) {
            self.lines = lines
            self.linesPerSecond = linesPerSecond
        }

        enum CodingKeys: String, CodingKey { case lines, linesPerSecond = "lines_per_second" }
    }
}
