import Foundation

/// `doctor` for a GitHub App (`[github] app_id`): the key file, the App itself (`GET /app` with
/// the JWT), and per repository the installation that covers it and its permissions. These
/// replace the token's `github.token` and `github.scopes` checks.
extension Doctor {
    /// Permissions a dispatch needs: reading and labelling issues. `metadata` is granted to every
    /// App; `read` or `write` both do.
    static let requiredAppPermissions: [(name: String, level: String, wording: String)] = [
        ("issues", "write", "Issues: Read and write"),
        ("metadata", "read", "Metadata: Read-only"),
    ]
    /// Needed only by doctor's webhook checks, so its absence is a warning.
    static let webhookPermission = (name: "repository_hooks", level: "read", wording: "Webhooks: Read-only")

    static let appFix = "check [github] app_id and that private_key_file holds the App's current key (the App's settings → Private keys), and that this machine's clock is right (the JWT is valid for 10 minutes)"

    /// `github.private_key`: a key group or others may read lets anyone on the machine act as the App.
    static func checkPrivateKey(_ app: GitHubAppSettings) -> DoctorCheck {
        let mode = String(app.privateKeyMode & 0o777, radix: 8)
        let padded = String(repeating: "0", count: max(0, 4 - mode.count)) + mode
        guard app.keyReadableByOthers else {
            return .ok("github.private_key", "\(app.privateKeyFile) is readable by its owner only (mode \(padded))")
        }
        return DoctorCheck(
            id: "github.private_key", status: .warning,
            found: "\(app.privateKeyFile) can be read by group or others (mode \(padded)): anyone on this machine could act as the GitHub App",
            fix: "chmod 600 \(app.privateKeyFile) (owned by the user the coordinator runs as)")
    }

    /// `github.app` and `github.rate_limit`, once per API base.
    func checkApp(_ app: GitHubAppAuth, client: GitHubClient, base: String, namingBase: Bool) async -> ([DoctorCheck], GitHubAccess) {
        let at = namingBase ? " at \(base)" : ""
        do {
            let identity = try await app.app(apiBase: base)
            let name = identity.name.map { ", \"\($0)\"" } ?? ""
            let found = DoctorCheck.ok("github.app", "\(identity.described)\(name) answers its JWT\(at)")
            return ([found, await checkInstallationRateLimit(client, at: at)], .app(app))
        } catch {
            let fix = if case GitHubError.transport = error {
                "check [github] api_url (or the repo_url host), the network and any proxy, and [github] ca_file for a private CA"
            } else {
                Self.appFix
            }
            return (
                [.failed("github.app", "\(error)", fix: fix), .skipped("github.rate_limit", because: "the GitHub App does not answer")],
                .unusable(reason: "the GitHub App does not answer"))
        }
    }

    /// The rate limit of the first repository's installation (an App's limit is per installation).
    private func checkInstallationRateLimit(_ client: GitHubClient, at: String) async -> DoctorCheck {
        do {
            guard let limit = try await client.coreRateLimit() else {
                return .ok("github.rate_limit", "rate limiting is turned off on this server\(at)")
            }
            return .ok("github.rate_limit", "\(limit.remaining) of \(limit.limit) requests left this hour for installation of \(client.owner)/\(client.repo)\(at)")
        } catch {
            return DoctorCheck(id: "github.rate_limit", status: .unknown, found: "the installation's rate limit could not be read: \(error)")
        }
    }

    /// `github.installation` for one repository: which installation covers it, whether it is the
    /// configured `installation_id`, and whether its permissions suffice. Returns false when the
    /// App cannot act on the repository at all.
    func checkInstallation(_ repo: RepoConfig, app: GitHubAppAuth) async -> ([DoctorCheck], Bool) {
        let id = "github.installation"
        let name = repo.repo.fullName
        let target = GitHubTarget(apiBase: repo.repo.apiBase(override: config.github.apiURL), owner: repo.repo.owner, repo: repo.repo.name)
        let installation: GitHubInstallation
        do {
            installation = try await app.installation(for: target)
        } catch GitHubError.appNotInstalled(let described, _) {
            return ([.failed(
                id, repo: repo.name, "\(described) is not installed on \(name)",
                fix: "install it there: the App's page → Install App (or Configure) → Repository access → add \(name); or remove [coordinator.repos.\(repo.name)]")], false)
        } catch {
            return ([.failed(id, repo: repo.name, "the App's installation on \(name) could not be read: \(error)", fix: Self.appFix)], false)
        }
        let account = installation.account.map { " (\($0.login))" } ?? ""
        let what = "installation \(installation.id)\(account)"
        if let configured = config.github.app?.installationID, configured != installation.id {
            return ([.failed(
                id, repo: repo.name, "[github] installation_id is \(configured), but \(name) is covered by \(what)",
                fix: "set installation_id = \(installation.id), or remove it to look the installation up per repository")], false)
        }
        if installation.suspendedAt != nil {
            return ([.failed(
                id, repo: repo.name, "\(what) is suspended: GitHub refuses its tokens for \(name)",
                fix: "unsuspend it: the organisation's settings → GitHub Apps → Configure → Unsuspend")], false)
        }
        let missing = Self.requiredAppPermissions.filter { !Self.grants(installation.permissions[$0.name], $0.level) }
        let has = installation.permissions.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        if !missing.isEmpty {
            return ([.failed(
                id, repo: repo.name,
                "\(what) on \(name) lacks \(missing.map { "\($0.name): \($0.level)" }.joined(separator: ", ")) (it has: \(has.isEmpty ? "nothing" : has))",
                fix: "in the App's settings → Permissions & events → Repository permissions give \(missing.map(\.wording).joined(separator: ", ")), then accept the new permissions on the installation")], false)
        }
        let hooks = Self.webhookPermission
        guard Self.grants(installation.permissions[hooks.name], hooks.level) else {
            return ([DoctorCheck(
                id: id, repo: repo.name, status: .warning,
                found: "\(what) covers \(name) and may label issues, but cannot read its webhooks (no \(hooks.name): \(hooks.level)), so the webhook checks cannot run",
                fix: "give the App \(hooks.wording) under Permissions & events → Repository permissions, then accept it on the installation")], true)
        }
        return ([.ok(id, repo: repo.name, "\(what) covers \(name) (\(has))")], true)
    }

    /// `write` grants `read`; anything else grants only itself.
    static func grants(_ granted: String?, _ needed: String) -> Bool {
        switch (granted, needed) {
        case ("write", _), ("admin", _): return true
        case ("read", "read"): return true
        default: return false
        }
    }
}
