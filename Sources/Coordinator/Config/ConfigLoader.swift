import Foundation
import TOMLKit

/// Reads and validates the TOML configuration (SPEC §4). Everything is checked before anything is
/// dispatched: all repos, the label set, the workflows (SPEC §11) and their command templates.
public enum ConfigLoader {
    /// `--config PATH`, else `$COORDINATOR_CONFIG`, else `~/.mcp_coder/config.toml`.
    public static func resolvePath(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return expandTilde(explicit, environment: environment) }
        if let fromEnv = environment["COORDINATOR_CONFIG"], !fromEnv.isEmpty { return expandTilde(fromEnv, environment: environment) }
        return expandTilde("~/.mcp_coder/config.toml", environment: environment)
    }

    /// Loads the file at `path`. A missing file gets a commented template written there and
    /// `ConfigError.templateWritten` thrown.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CoordinatorConfig {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else {
            try writeTemplate(to: path)
            throw ConfigError.templateWritten(path: path)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Parses config text; `path` is only for messages and relative paths.
    public static func parse(_ text: String, path: String, environment: [String: String] = [:]) throws -> CoordinatorConfig {
        let root = try table(text, path: path)
        let reader = SectionReader(path: path)
        let github = root["github"]?.table
        let jenkins = root["jenkins"]?.table
        let coordinator = root["coordinator"]?.table

        func env(_ key: String) -> String? {
            guard let value = environment[key], !value.isEmpty else { return nil }
            return value
        }
        var missing: [ConfigError.MissingFields] = []
        func require(_ section: String, _ pairs: [(String, String?)]) {
            let absent = pairs.filter { $0.1 == nil || $0.1!.isEmpty }.map(\.0)
            if !absent.isEmpty { missing.append(.init(section: section, fields: absent)) }
        }

        // Either a token or a GitHub App. GITHUB_TOKEN overrides a token in the file; with an App
        // configured it is not read (a shell's GITHUB_TOKEN for `gh` must not switch the bot off
        // its App), but a `token` in the same file as the App is a contradiction.
        let app = try githubApp(github, reader: reader, path: path, environment: environment)
        let fileToken = try reader.string(github, "github", "token")
        if app != nil, let fileToken, !fileToken.isEmpty {
            throw ConfigError.invalidValue(
                path: path, section: "github", field: "token",
                reason: "set either token or app_id + private_key_file, not both: remove token to act as the GitHub App, or app_id and private_key_file to use the token")
        }
        let token = app != nil ? nil : (env("GITHUB_TOKEN") ?? fileToken)
        let apiURL = try reader.string(github, "github", "api_url")
        if app == nil { require("github", [("token (or GITHUB_TOKEN), or app_id and private_key_file", token)]) }
        if let token, !HeaderField.isValidValue(token) {
            // The reason must not quote the value: it is a secret.
            throw ConfigError.invalidValue(
                path: path, section: "github", field: env("GITHUB_TOKEN") != nil ? "token (from GITHUB_TOKEN)" : "token",
                reason: GitHubClient.unusableTokenReason + "; a token is one line of printable characters")
        }

        let serverURL = try env("JENKINS_URL") ?? reader.string(jenkins, "jenkins", "server_url")
        let username = try env("JENKINS_USER") ?? reader.string(jenkins, "jenkins", "username")
        let apiToken = try env("JENKINS_TOKEN") ?? reader.string(jenkins, "jenkins", "api_token")
        require("jenkins", [
            ("server_url (or JENKINS_URL)", serverURL), ("username (or JENKINS_USER)", username),
            ("api_token (or JENKINS_TOKEN)", apiToken),
        ])
        // TLS: each service's ca_file, else SSL_CERT_FILE / SSL_CERT_DIR, else the system store.
        let trust = try tlsTrust(
            githubCAFile: try reader.string(github, "github", "ca_file"), jenkinsCAFile: try reader.string(jenkins, "jenkins", "ca_file"),
            path: path, environment: environment)

        var settings = CoordinatorSettings(cacheDirectory: expandTilde("~/.mcp_coder/coordinator_cache", environment: environment))
        if let minutes = try reader.int(coordinator, "coordinator", "cache_refresh_minutes", .cacheRefreshMinutes) {
            settings.cacheRefreshMinutes = minutes
        }
        if let seconds = try reader.int(coordinator, "coordinator", "duplicate_window_seconds", .duplicateWindowSeconds) {
            settings.duplicateWindowSeconds = seconds
        }
        if let spacing = try reader.int(coordinator, "coordinator", "write_spacing_ms", .writeSpacingMilliseconds) {
            settings.writeSpacingMilliseconds = spacing
        }
        if let refresh = try reader.int(coordinator, "coordinator", "console_refresh_seconds", .consoleRefreshSeconds) {
            settings.consoleRefreshSeconds = refresh
        }
        if let grace = try reader.int(coordinator, "coordinator", "stuck_grace_minutes", .stuckGraceMinutes) {
            settings.stuckGraceMinutes = grace
        }
        if let days = try reader.int(coordinator, "coordinator", "history_days", .historyDays) {
            settings.historyDays = days
        }
        if let dir = try reader.string(coordinator, "coordinator", "cache_dir"), !dir.isEmpty {
            settings.cacheDirectory = resolveRelative(expandTilde(dir, environment: environment), to: path)
        }
        if let labels = try reader.string(coordinator, "coordinator", "labels_file"), !labels.isEmpty {
            settings.labelsFile = resolveRelative(expandTilde(labels, environment: environment), to: path)
        }
        if let templates = coordinator?["command_templates"]?.table {
            for key in templates.keys {
                guard let value = templates[key]?.string else {
                    throw ConfigError.invalidValue(path: path, section: "coordinator.command_templates", field: key, reason: "must be a string")
                }
                settings.commandTemplates[key] = value
            }
        }

        let workflows = try workflowTable(coordinator?["workflows"], reader: reader, missing: &missing)

        let serve = try serveSettings(root["serve"]?.table, reader: reader, environment: env)
        let store = try storeSettings(root["store"], reader: reader, environment: environment)

        var repos: [RepoConfig] = []
        let repoTable = coordinator?["repos"]?.table
        for name in orderedRepoNames(in: text, keys: repoTable?.keys ?? []) {
            let section = "coordinator.repos.\(name)"
            guard let table = repoTable?[name]?.table else {
                throw ConfigError.invalidValue(path: path, section: section, field: name, reason: "must be a table")
            }
            let urlText = try reader.string(table, section, "repo_url")
            let jobPath = try reader.string(table, section, "executor_job_path")
            let credentials = try reader.string(table, section, "github_credentials_id")
            let osText = try reader.string(table, section, "executor_os")
            let mainBranch = try reader.string(table, section, "main_branch")
            require(section, [("repo_url", urlText), ("executor_job_path", jobPath), ("github_credentials_id", credentials)])
            guard let urlText, let jobPath, let credentials, !urlText.isEmpty, !jobPath.isEmpty, !credentials.isEmpty else { continue }
            guard let repo = RepoURL(parsing: urlText) else {
                throw ConfigError.invalidValue(
                    path: path, section: section, field: "repo_url",
                    reason: "'\(urlText)' is not https://HOST/OWNER/REPO[.git] or git@HOST:OWNER/REPO[.git]")
            }
            var os = ExecutorOS.linux
            if let osText, !osText.isEmpty {
                guard let parsed = ExecutorOS(rawValue: osText.lowercased()) else {
                    throw ConfigError.invalidValue(path: path, section: section, field: "executor_os", reason: "'\(osText)' is neither \"linux\" nor \"windows\"")
                }
                os = parsed
            }
            let trimmedJob = jobPath.split(separator: "/").joined(separator: "/")
            repos.append(RepoConfig(
                name: name, repoURLText: urlText, repo: repo, executorJobPath: trimmedJob,
                githubCredentialsID: credentials, executorOS: os,
                mainBranch: (mainBranch?.isEmpty == false) ? mainBranch! : "main"))
        }
        if !missing.isEmpty { throw ConfigError.missingFields(path: path, missing: missing) }
        if repos.isEmpty { throw ConfigError.noRepositories(path: path) }

        var labels = LabelSet.standard
        if let labelsFile = settings.labelsFile {
            labels = try LabelSet.load(from: labelsFile)
        }
        let mapping = workflows.mapping(labels: labels)
        try mapping.validate(against: labels, source: settings.labelsFile ?? builtInLabelSource, configPath: workflows.isConfigured ? path : nil)
        let rules = WorkflowRules(labels: labels, mapping: mapping)
        settings.commandTemplates = try commandTemplates(settings.commandTemplates, workflows: workflows, path: path)
        return CoordinatorConfig(
            path: path,
            github: GitHubSettings(token: Secret(token ?? ""), app: app, apiURL: (apiURL?.isEmpty == false) ? apiURL : nil, trust: trust.github),
            jenkins: JenkinsSettings(serverURL: (serverURL ?? "").trimmingTrailingSlashes(), username: username ?? "", apiToken: Secret(apiToken ?? ""), trust: trust.jenkins),
            settings: settings, repos: repos, rules: rules, serve: serve, store: store)
    }

    /// The TOML document `text`, or `ConfigError.invalidTOML` with the line and column.
    static func table(_ text: String, path: String) throws -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError.invalidTOML(path: path, line: error.source.begin.line, column: error.source.begin.column, reason: error.description)
        } catch {
            throw ConfigError.invalidTOML(path: path, line: 0, column: 0, reason: "\(error)")
        }
    }

    /// Repo section names in the order they stand in the file. The TOML library keeps tables
    /// sorted, and repos must be processed in file order, so the headers are read off the text.
    static func orderedRepoNames(in text: String, keys: [String]) -> [String] {
        var ordered: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var header = line.trimmingCharacters(in: .whitespaces)
            guard header.hasPrefix("["), !header.hasPrefix("[[") else { continue }
            header.removeFirst()
            guard let close = header.firstIndex(of: "]") else { continue }
            let dotted = header[..<close].trimmingCharacters(in: .whitespaces)
            let prefix = "coordinator.repos."
            guard dotted.hasPrefix(prefix) else { continue }
            var name = String(dotted.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            if name.count >= 2, let first = name.first, first == "\"" || first == "'", name.last == first {
                name = String(name.dropFirst().dropLast())
            }
            if keys.contains(name), !ordered.contains(name) { ordered.append(name) }
        }
        return ordered + keys.sorted().filter { !ordered.contains($0) }
    }

    static func expandTilde(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    static func resolveRelative(_ path: String, to configPath: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: configPath).deletingLastPathComponent().appendingPathComponent(path).path
    }

    /// Writes the commented template to `path` (creating its directory), never over an existing file.
    public static func writeTemplate(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(Data(template.utf8), to: url, permissions: 0o600)
        } catch {
            throw ConfigError.unreadable(path: path, reason: "no config file, and a template could not be written: \(error)")
        }
    }

    public static let template = """
        # Coordinator configuration.
        # Environment variables win over this file when set: GITHUB_TOKEN, JENKINS_URL, JENKINS_USER, JENKINS_TOKEN,
        # COORDINATOR_POSTGRES_URL.

        [github]
        token = ""                                   # a token with issues read/write on every repo below
        # Or act as a GitHub App (then no token): Issues read & write, Metadata read; Webhooks read for doctor.
        # app_id = 123456
        # private_key_file = "/etc/coordinator/app.pem"   # PKCS#1 or PKCS#8 RSA PEM, mode 0600
        # installation_id = 789                            # optional; else looked up per repository
        # api_url = "https://ghe.example.com/api/v3"  # only to override the API base derived from repo_url
        # ca_file = "/path/to/company-ca.pem"        # PEM bundle GitHub's certificate is checked against (default: SSL_CERT_FILE/SSL_CERT_DIR, else the system store)

        [jenkins]
        server_url = "https://jenkins.example.com"
        username = ""
        api_token = ""
        # ca_file = "/path/to/jenkins-ca.pem"        # PEM bundle (or a self-signed Jenkins' own certificate); as for [github]

        [coordinator]
        cache_refresh_minutes = 1440                 # full refresh at least this often (1 to 525600: a year)
        # duplicate_window_seconds = 60              # reuse the cache without any API call inside this window (0 to a year)
        # write_spacing_ms = 1000                    # least time between two label writes on GitHub (0 to 3600000: an hour)
        # cache_dir = "~/.mcp_coder/coordinator_cache"
        # labels_file = "/path/to/labels.json"
        # console_refresh_seconds = 0                # console: live refresh every N seconds (0 = off; at most a year)
        # stuck_grace_minutes = 10                   # a busy issue is stuck this long after its build ended (0 to a week)
        # history_days = 90                          # finished dispatch history kept in the log; older moves to the archive (1 to 3650)

        # Workflows (default: create-pr, implement, create-plan as in README.md). A [coordinator.workflows.NAME]
        # table replaces that set with the ones listed: see README.md, "Workflows".

        # coordinator serve: webhooks from GitHub, polling as a safety net (run, status, … ignore this table;
        # doctor checks the repositories' webhooks when it is there, hooks sync sets them up).
        # [serve]
        # webhook_secret = ""                        # GITHUB_WEBHOOK_SECRET wins; serve refuses to start without one
        # poll_seconds = 300                         # safety-net poll per repo (0 = webhooks only; at most 86400)
        # listen = "127.0.0.1:8750"
        # api_token = ""                             # COORDINATOR_API_TOKEN wins; bearer token for /api/*, off without one
        # public_url = "https://coordinator.example.com"   # what GitHub calls (+ /webhooks/github): doctor, hooks sync
        # tls_cert_file = "/etc/coordinator/tls/fullchain.pem"   # HTTPS: certificate (+ intermediates) and its key, PEM;
        # tls_key_file = "/etc/coordinator/tls/privkey.pem"      # both or neither (default: plain HTTP, e.g. behind a proxy)
        # One table per person or tool using /api/* (api_token above is the operator "api", role operate):
        # [serve.operators.alice]
        # token_sha256 = ""                          # printf %s "$TOKEN" | sha256sum (or token_env = "VARIABLE")
        # role = "read"                              # read, or operate

        # Where cache, history and locks live: files in cache_dir unless a PostgreSQL URL is given (several serve
        # instances can then share one store). COORDINATOR_POSTGRES_URL wins over postgres_url.
        # [store]
        # postgres_url = "postgres://coordinator@db.example.com:5432/coordinator?sslmode=verify-full"
        #                                            # sslmode: disable, prefer (default), require, verify-ca, verify-full;
        #                                            # &sslrootcert=/path/ca.pem; a unix socket: ?host=/var/run/postgresql
        # password_file = "/etc/coordinator/pgpassword"   # first line; read when neither the URL nor PGPASSWORD has one

        # One section per repository; NAME is what --repo NAME selects.
        # [coordinator.repos.NAME]
        # repo_url = "https://github.com/OWNER/REPO.git"
        # executor_job_path = "Folder/Sub/Job"
        # github_credentials_id = "github-pat"
        # executor_os = "linux"                      # or "windows"
        # main_branch = "main"

        """
}

/// Typed reads from one TOML section, with errors that name the file, section and field.
struct SectionReader {
    let path: String

    func string(_ table: TOMLTable?, _ section: String, _ key: String) throws -> String? {
        guard let value = table?[key] else { return nil }
        guard let string = value.string else {
            throw ConfigError.invalidValue(path: path, section: section, field: key, reason: "must be a string")
        }
        return string
    }

    /// A whole number inside `range`. The ranges are what the settings mean (a refresh interval
    /// of a million years is a typo, not a policy) and keep every later conversion to seconds,
    /// `Duration` or `TimeAmount` far from overflowing.
    func int(_ table: TOMLTable?, _ section: String, _ key: String, _ bound: CoordinatorSettings.Bound) throws -> Int? {
        guard let value = table?[key] else { return nil }
        guard let int = value.int, bound.range.contains(int) else {
            throw ConfigError.invalidValue(
                path: path, section: section, field: key,
                reason: "must be a whole number of \(bound.unit) from \(bound.range.lowerBound) to \(bound.range.upperBound) (\(bound.upperMeaning))")
        }
        return int
    }
}
