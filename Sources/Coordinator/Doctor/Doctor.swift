import AsyncHTTPClient
import Foundation
import Logging

/// `coordinator doctor`: checks, for a loaded config, everything a run needs from outside — the
/// GitHub token and its rights, the rate limit, each repository and its labels, the linked-branches
/// query, Jenkins and each executor job with its parameters, where the state lives (the cache
/// directory, or with `[store] postgres_url` the database, through `storeChecks`), and with
/// `[serve]` each repository's webhook (`WebhookChecks`) — and says for each
/// what it found and, when something is wrong, what to do.
///
/// Every request goes through the same `GitHubClient` and `JenkinsClient` a run uses, so what
/// doctor reports is what a run would meet. Nothing is written on either service; the only write is
/// a probe file in the cache directory (and the directory itself, when missing, as a run would) —
/// none with a database store, whose checks only read.
/// A check that cannot run because one before it failed is `skipped` with the reason, not another
/// failure.
public struct Doctor: Sendable {
    let config: CoordinatorConfig
    let githubHTTP: HTTPClient
    let jenkinsHTTP: HTTPClient
    let retryPolicy: RetryPolicy
    let requestTimeout: Duration
    let logger: Logger
    let storeChecks: StoreChecks?

    /// The checks of a store other than the files (`CoordinatorPostgres`' `PostgresDoctor`, which
    /// this target cannot import): those of the whole store (`repo` nil) go where the cache
    /// directory's go, each repository's at the end of that repository's checks.
    public typealias StoreChecks = @Sendable () async -> [DoctorCheck]

    /// Retries a failing server or connection once, as a run would, but never waits for a spent
    /// rate limit: doctor reports it instead.
    public static let retryPolicy = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(500), maxRateLimitWait: .zero)

    /// - Parameters:
    ///   - githubHTTP, jenkinsHTTP: the shared clients (`HTTPClientFactory`); the caller shuts
    ///     them down. They may be the same object.
    ///   - storeChecks: with `[store] postgres_url`, the database's checks; they replace the
    ///     cache directory's (which then holds no state). Without them such a store is reported
    ///     as not checked (`unknown`).
    public init(
        config: CoordinatorConfig, githubHTTP: HTTPClient, jenkinsHTTP: HTTPClient,
        retryPolicy: RetryPolicy = Doctor.retryPolicy, requestTimeout: Duration = .seconds(15), logger: Logger,
        storeChecks: StoreChecks? = nil
    ) {
        self.config = config
        self.githubHTTP = githubHTTP
        self.jenkinsHTTP = jenkinsHTTP
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.storeChecks = storeChecks
    }

    /// Runs every check, in order: GitHub (once per API base), Jenkins, the cache directory (or
    /// the database store), then each repository in file order.
    public func run() async -> DoctorReport {
        var checks: [DoctorCheck] = []
        let auth = config.github.auth(
            http: githubHTTP, requestTimeout: requestTimeout, retryPolicy: retryPolicy, requests: GitHubTokenState(), logger: logger)
        let clients = config.repos.map { repo in
            GitHubClient(
                http: githubHTTP, apiBase: repo.repo.apiBase(override: config.github.apiURL),
                graphQLURL: repo.repo.graphQLURL(override: config.github.apiURL),
                owner: repo.repo.owner, repo: repo.repo.name, auth: auth,
                requestTimeout: requestTimeout, retryPolicy: retryPolicy, logger: logger)
        }

        // The token or the App, once per API base: the repositories on one server share its answer.
        var access: [String: GitHubAccess] = [:]
        let bases = config.repos.map { $0.repo.apiBase(override: config.github.apiURL) }
        if let settings = config.github.app { checks.append(Self.checkPrivateKey(settings)) }
        for (index, base) in bases.enumerated() where access[base] == nil {
            let (found, result) = if let app = auth as? GitHubAppAuth {
                await checkApp(app, client: clients[index], base: base, namingBase: Set(bases).count > 1)
            } else {
                await checkToken(clients[index], base: base, namingBase: Set(bases).count > 1)
            }
            checks += found
            access[base] = result
        }

        let jenkins = JenkinsClient(
            http: jenkinsHTTP, serverURL: config.jenkins.serverURL, username: config.jenkins.username,
            apiToken: config.jenkins.apiToken, requestTimeout: requestTimeout, logger: logger)
        let (jenkinsCheck, jenkinsProblem) = await checkJenkins(jenkins)
        checks.append(jenkinsCheck)

        // Where the state lives: the cache directory, or the database (whose per-repository
        // checks wait for their repository).
        var cacheUsable = false
        var storeChecksByRepo: [String: [DoctorCheck]] = [:]
        if let database = config.store.postgres {
            let found = await storeChecks?() ?? [DoctorCheck(
                id: "store.connection", status: .unknown, found: "the PostgreSQL store \(database) was not checked (this doctor has no database checks)")]
            for check in found {
                if let repo = check.repo { storeChecksByRepo[repo, default: []].append(check) } else { checks.append(check) }
            }
        } else {
            let cache = CacheDirectoryInspection.directoryChecks(path: config.settings.cacheDirectory)
            checks += cache
            cacheUsable = cache.first?.status == .ok
        }

        for (index, repo) in config.repos.enumerated() {
            let github = access[bases[index]] ?? .unusable(reason: "GitHub was not asked")
            checks += await checkGitHub(repo, client: clients[index], access: github)
            if config.serve.isConfigured {
                // The webhook `serve` depends on; only where the token works at all.
                if case let .unusable(reason) = github {
                    checks += WebhookChecks.ids.map { .skipped($0, repo: repo.name, because: reason) }
                } else {
                    checks += await WebhookChecks.run(repo: repo.name, admin: clients[index], webhookURL: config.serve.webhookURL)
                }
            }
            checks += await checkJob(repo, jenkins: jenkins, jenkinsProblem: jenkinsProblem)
            if config.store.postgres != nil {
                checks += storeChecksByRepo.removeValue(forKey: repo.name) ?? []
            } else {
                let store = IssueCacheStore(directory: config.settings.cacheDirectory, repo: repo.repo)
                checks.append(cacheUsable
                    ? CacheDirectoryInspection.filesCheck(store: store, repo: repo.name)
                    : .skipped("cache.files", repo: repo.name, because: "the cache directory is not usable"))
            }
        }
        // A store check of a repository the config does not name is still said, never dropped.
        checks += storeChecksByRepo.sorted { $0.key < $1.key }.flatMap(\.value)
        return DoctorReport(config: config.path, checks: checks)
    }

    // MARK: GitHub

    /// What the token check leaves for the repository checks.
    enum GitHubAccess {
        /// The token works; `identity` is nil when it could not be asked (the rate limit).
        case usable(GitHubTokenIdentity)
        /// The GitHub App answers; each repository's installation is checked with it.
        case app(GitHubAppAuth)
        /// Nothing more can be asked; `reason` says why, for the skipped checks.
        case unusable(reason: String)
    }

    static let tokenFix = "check [github] token or GITHUB_TOKEN (a classic token with the repo scope, or a fine-grained one with Issues: read and write)"

    /// `github.token` and `github.rate_limit`.
    private func checkToken(_ client: GitHubClient, base: String, namingBase: Bool) async -> ([DoctorCheck], GitHubAccess) {
        let at = namingBase ? " at \(base)" : ""
        var checks: [DoctorCheck] = []
        let access: GitHubAccess
        do {
            let identity = try await client.tokenIdentity()
            let scopes = identity.scopes.map { "scopes: \(TokenScopeRule.text($0))" } ?? "fine-grained token, scopes not shown"
            checks.append(.ok("github.token", "token works\(at) (user \(identity.login), \(scopes))"))
            access = .usable(identity)
        } catch let error as GitHubError {
            switch error {
            case let .unauthorized(url, message):
                checks.append(.failed("github.token", "GitHub refused the token (401 \(message)) at \(url)", fix: Self.tokenFix))
                access = .unusable(reason: "the GitHub token does not work")
            case .rateLimited:
                checks.append(DoctorCheck(
                    id: "github.token", status: .unknown, found: "GitHub's rate limit is spent\(at); the token cannot be asked whose it is",
                    fix: "see github.rate_limit"))
                access = .unusable(reason: "GitHub's rate limit is spent")
            case .transport:
                checks.append(.failed(
                    "github.token", "\(error)",
                    fix: "check [github] api_url (or the repo_url host), the network and any proxy, and [github] ca_file for a private CA"))
                return (checks + [.skipped("github.rate_limit", because: "GitHub could not be reached")],
                        .unusable(reason: "GitHub could not be reached"))
            case .malformed:
                checks.append(.failed(
                    "github.token", "\(error)",
                    fix: "check [github] api_url: it must be the REST API base (https://api.github.com or https://HOST/api/v3)"))
                access = .unusable(reason: "GitHub's answer was not understood")
            default:
                checks.append(.failed("github.token", "\(error)", fix: Self.tokenFix))
                access = .unusable(reason: "the GitHub token does not work")
            }
        } catch {
            checks.append(.failed("github.token", "\(error)", fix: Self.tokenFix))
            access = .unusable(reason: "the GitHub token does not work")
        }

        if case .unusable = access, checks.last?.status == .failed {
            checks.append(.skipped("github.rate_limit", because: "the token does not work"))
            return (checks, access)
        }
        checks.append(await checkRateLimit(client, at: at))
        return (checks, access)
    }

    /// `github.rate_limit`, from `GET /rate_limit`, which costs nothing and answers when spent.
    private func checkRateLimit(_ client: GitHubClient, at: String) async -> DoctorCheck {
        let id = "github.rate_limit"
        do {
            guard let limit = try await client.coreRateLimit() else {
                return .ok(id, "rate limiting is turned off on this server\(at)")
            }
            let reset = limit.reset.map { ", resets at \(Timestamp.format($0))" } ?? ""
            if limit.remaining <= 0 {
                let when = limit.reset.map { "wait until \(Timestamp.format($0))" } ?? "wait for the hourly reset"
                return .failed(id, "rate limit spent\(at): 0 of \(limit.limit) requests left\(reset)", fix: "\(when), or use another token")
            }
            return .ok(id, "\(limit.remaining) of \(limit.limit) requests left this hour\(at)\(reset)")
        } catch {
            return DoctorCheck(id: id, status: .unknown, found: "the rate limit could not be read: \(error)")
        }
    }

    /// `github.repository`, `github.scopes`, `github.labels`, `github.failure_labels`,
    /// `github.linked_branches`.
    private func checkGitHub(_ repo: RepoConfig, client: GitHubClient, access: GitHubAccess) async -> [DoctorCheck] {
        let ids = ["github.repository", "github.scopes", "github.labels", "github.failure_labels", "github.linked_branches"]
        let section = "[coordinator.repos.\(repo.name)]"
        let name = repo.repo.fullName
        var checks: [DoctorCheck] = []
        let identity: GitHubTokenIdentity?
        switch access {
        case let .unusable(reason):
            return ids.map { .skipped($0, repo: repo.name, because: reason) }
        case let .usable(tokenIdentity):
            identity = tokenIdentity
        case let .app(app):
            // An App has no scopes: its installation's permissions stand in for them, and without
            // an installation nothing else about the repository can be read.
            identity = nil
            let (found, installed) = await checkInstallation(repo, app: app)
            checks += found
            guard installed else {
                return checks + ids.filter { $0 != "github.scopes" }.map { .skipped($0, repo: repo.name, because: "the App is not installed on \(name)") }
            }
        }

        let info: GitHubRepositoryInfo
        do {
            info = try await client.repositoryInfo()
        } catch {
            let found: String
            let fix: String
            if case GitHubError.http(status: 404, url: _, message: _) = error {
                found = "\(name) not found on GitHub"
                fix = "check repo_url in \(section); a private repository also needs a token that can see it"
            } else {
                found = "\(name) could not be read: \(error)"
                fix = "check repo_url in \(section) and the token's access to it"
            }
            return [.failed("github.repository", repo: repo.name, found, fix: fix)]
                + ids.dropFirst().map { .skipped($0, repo: repo.name, because: "the repository could not be read") }
        }

        let visibility = info.isPrivate ? "private" : "public"
        if info.archived {
            checks.append(.failed(
                "github.repository", repo: repo.name, "\(info.fullName) is archived: no label can be written",
                fix: "unarchive it, or remove \(section) from the config"))
        } else if !info.hasIssues {
            checks.append(.failed(
                "github.repository", repo: repo.name, "\(info.fullName) has issues turned off",
                fix: "turn Issues on in the repository's settings"))
        } else {
            checks.append(.ok("github.repository", repo: repo.name, "\(info.fullName) exists (\(visibility))"))
        }

        // A token's scopes; an App's permissions were checked with its installation.
        if let identity {
            switch TokenScopeRule.verdict(scopes: identity.scopes, isPrivate: info.isPrivate) {
            case let .allowed(scope):
                checks.append(.ok("github.scopes", repo: repo.name, "the token may read issues and write labels in \(name) (scope \(scope))"))
            case let .missing(needed):
                checks.append(.failed(
                    "github.scopes", repo: repo.name,
                    "the token lacks the \(needed) scope needed to write labels in \(name) (\(visibility); it has: \(TokenScopeRule.text(identity.scopes ?? [])))",
                    fix: "give the token the repo scope, or use one that has it (\(Self.tokenFix))"))
            case .cannotTell:
                checks.append(DoctorCheck(
                    id: "github.scopes", repo: repo.name, status: .unknown,
                    found: "cannot tell (fine-grained token) whether it may read issues and write labels in \(name)",
                    fix: "make sure the token has Issues: read and write on \(name)"))
            }
        }

        do {
            let existing = try await client.repositoryLabels()
            checks.append(RequiredLabels.check(existing: existing, rules: config.rules, repo: repo))
            checks.append(RequiredLabels.checkFailureLabels(existing: existing, rules: config.rules, repo: repo))
        } catch {
            checks.append(.failed("github.labels", repo: repo.name, "the labels of \(name) could not be listed: \(error)",
                                  fix: "check the token's access to \(name)"))
            checks.append(.skipped("github.failure_labels", repo: repo.name, because: "the labels of \(name) could not be listed"))
        }

        do {
            // Any number will do: GitHub answers an unknown one with a NOT_FOUND for that issue
            // alone, which the client takes as "no branches"; what matters is that the query works.
            _ = try await client.linkedBranches(issues: [1])
            checks.append(.ok("github.linked_branches", repo: repo.name, "the linked-branches GraphQL query answers for \(name)"))
        } catch {
            checks.append(.failed(
                "github.linked_branches", repo: repo.name, "the linked-branches GraphQL query failed for \(name): \(error)",
                fix: "check [github] api_url (GraphQL is at \(repo.repo.graphQLURL(override: config.github.apiURL))) and that the server's GraphQL API has Issue.linkedBranches"))
        }
        return checks
    }

    // MARK: Jenkins

    static let jenkinsUnreachableFix = "check [jenkins] server_url (or JENKINS_URL) and that Jenkins is up, and [jenkins] ca_file for a private CA"

    /// `jenkins.connection`, and when it failed, why the checks that need Jenkins are skipped:
    /// a Jenkins that cannot be reached at all is not one that refuses the credentials, and the
    /// skipped lines must not send the operator to the API token.
    private func checkJenkins(_ jenkins: JenkinsClient) async -> (DoctorCheck, skipReason: String?) {
        let id = "jenkins.connection"
        let user = config.jenkins.username
        let server = config.jenkins.serverURL
        let credentialsFix = "check [jenkins] username and api_token (or JENKINS_USER and JENKINS_TOKEN); the API token is made under your user's Security settings in Jenkins"
        let unanswered = "Jenkins does not answer these credentials"
        do {
            let info = try await jenkins.serverInfo()
            let version = info.version.map { "Jenkins \($0)" } ?? "Jenkins"
            return (.ok(id, "\(version) answers user \(user) at \(server)"), nil)
        } catch let error as JenkinsError {
            switch error {
            case .unauthorized:
                return (.failed(id, "Jenkins refused the credentials of user \(user) (401) at \(server)", fix: credentialsFix), unanswered)
            case .http(status: 403, _, _):
                return (.failed(id, "\(error)", fix: "give user \(user) the Overall/Read permission in Jenkins"), unanswered)
            case .transport, .answerLost:
                return (.failed(id, "\(error)", fix: Self.jenkinsUnreachableFix), "Jenkins could not be reached at \(server)")
            case .malformed:
                return (
                    .failed(id, "\(error)", fix: "check [jenkins] server_url: it must be Jenkins' root URL (the one its own pages use)"),
                    unanswered)
            default:
                return (.failed(id, "\(error)", fix: "check [jenkins] server_url and that Jenkins is up"), unanswered)
            }
        } catch {
            return (.failed(id, "\(error)", fix: "check [jenkins] server_url and that Jenkins is up"), unanswered)
        }
    }

    /// `jenkins.job` and `jenkins.job_parameters`.
    /// - Parameter jenkinsProblem: why Jenkins cannot be asked (nil when `jenkins.connection` passed).
    private func checkJob(_ repo: RepoConfig, jenkins: JenkinsClient, jenkinsProblem: String?) async -> [DoctorCheck] {
        if let jenkinsProblem {
            return ["jenkins.job", "jenkins.job_parameters"].map { .skipped($0, repo: repo.name, because: jenkinsProblem) }
        }
        let section = "[coordinator.repos.\(repo.name)]"
        let path = repo.executorJobPath
        let job: JenkinsJobInfo
        do {
            job = try await jenkins.jobInfo(path: path)
        } catch {
            var found = "\(error)"
            let fix: String
            switch error {
            case let JenkinsError.jobNotFound(_, url):
                found = "Jenkins has no job \(path) (404 at \(url))"
                fix = "check executor_job_path in \(section) (folders separated by /), and that user \(config.jenkins.username) may see the job"
            case JenkinsError.http(status: 403, _, _):
                fix = "give user \(config.jenkins.username) the Job/Read and Job/Build permissions on \(path)"
            default:
                fix = "check executor_job_path in \(section) and that Jenkins is up"
            }
            return [.failed("jenkins.job", repo: repo.name, found, fix: fix),
                    .skipped("jenkins.job_parameters", repo: repo.name, because: "the job could not be read")]
        }
        if job.isFolder {
            return [.failed("jenkins.job", repo: repo.name, "\(path) is a folder, not a job",
                            fix: "set executor_job_path in \(section) to the executor job inside it"),
                    .skipped("jenkins.job_parameters", repo: repo.name, because: "\(path) is not a job")]
        }
        return [.ok("jenkins.job", repo: repo.name, "job \(path) exists"), ExecutorJobParameters.check(job: job, repo: repo)]
    }
}
