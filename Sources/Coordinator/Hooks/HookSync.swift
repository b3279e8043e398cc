import AsyncHTTPClient
import Foundation
import Logging

/// `coordinator hooks sync`: makes each repository's webhook what `serve` needs — calling
/// `public_url` + `/webhooks/github`, signed with `webhook_secret`, JSON, the `issues` event,
/// active, certificates verified — creating it when there is none, editing it when it differs,
/// and leaving it alone when it is right, so a second sync sends no write.
///
/// Which hook is ours is `WebhookTarget.match`: the exact URL, never a hook on the same path at
/// another address (those are named in the result, and left alone).
///
/// GitHub never shows a hook's secret, so a hook that has one is taken to have the right one,
/// unless GitHub's newest delivery to it, made after the hook's last change, was refused `401`
/// (what `serve` answers a signature it cannot check): then the secret is sent again. Otherwise a
/// sync would rewrite every hook every time, or never mend a wrong secret.
public struct HookSync: Sendable {
    /// What a sync does (or, dry, would do) to one repository's webhook.
    public enum Change: Sendable, Equatable {
        case create
        /// `differences` in words, e.g. "content type form → json".
        case update(hookID: Int, differences: [String])
        case unchanged(hookID: Int)
    }

    /// One repository's outcome.
    public struct Outcome: Sendable, Equatable {
        /// `[coordinator.repos.NAME]`.
        public var repo: String
        /// "owner/name".
        public var repository: String
        /// Nil when the hooks could not be read.
        public var change: Change?
        /// Whether `change` was made (false in a dry run, for `.unchanged`, and on failure).
        public var applied: Bool
        /// The hook made or edited.
        public var hookID: Int?
        /// Hooks on `/webhooks/github` at another address, left alone.
        public var elsewhere: [GitHubHook]
        /// What went wrong, with its fix; nil on success.
        public var failure: String?
    }

    public let target: WebhookTarget
    private let secret: Secret

    /// - Parameters:
    ///   - target: `public_url` + `/webhooks/github`.
    ///   - secret: `[serve] webhook_secret`; sent to GitHub in the request body, nowhere else.
    public init(target: WebhookTarget, secret: Secret) {
        self.target = target
        self.secret = secret
    }

    /// The settings every hook of ours gets.
    var settings: GitHubHookSettings {
        GitHubHookSettings(url: target.url, secret: secret, events: [WebhookTarget.event])
    }

    /// What to do about `hooks`, pure. `refusedSince` is the newest delivery to our hook when it
    /// was answered `401` after the hook last changed (nil otherwise).
    public func plan(_ hooks: [GitHubHook], refusedSince: GitHubHookDelivery?) -> Change {
        guard case let .ours(hook) = target.match(hooks) else { return .create }
        var differences: [String] = []
        if !hook.active { differences.append("inactive → active") }
        if !hook.sendsIssues {
            let current = hook.events.isEmpty ? "none" : hook.events.joined(separator: ", ")
            differences.append("events + issues (it had: \(current))")
        }
        if hook.contentType != "json" { differences.append("content type \(hook.contentType) → json") }
        if hook.insecureSSL != "0" { differences.append("certificate verification turned on (insecure_ssl \(hook.insecureSSL) → 0)") }
        if !hook.hasSecret {
            differences.append("secret set (it had none)")
        } else if let refused = refusedSince {
            let when = refused.deliveredAt.map { " at \(Timestamp.format($0))" } ?? ""
            differences.append("secret set again (GitHub's last delivery\(when) was refused 401: the secret differs)")
        }
        return differences.isEmpty ? .unchanged(hookID: hook.id) : .update(hookID: hook.id, differences: differences)
    }

    /// Reads one repository's hooks and makes (unless `dryRun`) the change `plan` says.
    public func sync(repo: String, admin: any WebhookAdmin, dryRun: Bool) async -> Outcome {
        var outcome = Outcome(
            repo: repo, repository: admin.repositoryName, change: nil, applied: false, hookID: nil, elsewhere: [], failure: nil)
        let hooks: [GitHubHook]
        do {
            hooks = try await admin.repositoryHooks()
        } catch {
            outcome.failure = Self.explain(error, reading: true, repository: admin.repositoryName)
            return outcome
        }
        if case let .elsewhere(others) = target.match(hooks) { outcome.elsewhere = others }
        var refused: GitHubHookDelivery?
        if case let .ours(hook) = target.match(hooks), hook.hasSecret {
            // Only to tell a wrong secret; a server without the deliveries API leaves it untold.
            let newest = (try? await admin.hookDeliveries(hookID: hook.id, count: 1))?.first
            if let newest, newest.statusCode == 401, Self.isAfter(newest.deliveredAt, hook.updatedAt) { refused = newest }
        }
        let change = plan(hooks, refusedSince: refused)
        outcome.change = change
        switch change {
        case let .unchanged(id):
            outcome.hookID = id
        case .create:
            guard !dryRun else { return outcome }
            do {
                outcome.hookID = try await admin.createHook(settings).id
                outcome.applied = true
            } catch {
                outcome.failure = Self.explain(error, reading: false, repository: admin.repositoryName)
            }
        case let .update(id, _):
            outcome.hookID = id
            guard !dryRun else { return outcome }
            do {
                let current = hooks.first { $0.id == id }
                let addEvents = current?.sendsIssues == true ? [] : [WebhookTarget.event]
                _ = try await admin.updateHook(id: id, settings, addEvents: addEvents)
                outcome.applied = true
            } catch {
                outcome.failure = Self.explain(error, reading: false, repository: admin.repositoryName)
            }
        }
        return outcome
    }

    /// Strictly later: a delivery in the same second as the change may have been made before it.
    static func isAfter(_ delivered: Date?, _ changed: Date?) -> Bool {
        guard let delivered else { return false }
        guard let changed else { return true }
        return delivered > changed
    }

    /// The fix for a failed hooks request: GitHub hides hooks from a token that may not manage
    /// them (`404`), or refuses it (`403`).
    static func explain(_ error: any Error, reading: Bool, repository: String) -> String {
        let what = reading ? "the webhooks of \(repository) could not be read" : "the webhook of \(repository) could not be written"
        if case let GitHubError.http(status, _, _) = error, status == 404 || status == 403 {
            return "\(what): \(error) — fix: \(WebhookAccess.fix(writing: true))"
        }
        return "\(what): \(error)"
    }
}

/// Why `hooks sync` cannot start: what it needs is not in the config.
public enum HookSyncError: Error, Sendable, Equatable, CustomStringConvertible {
    case noPublicURL(path: String)
    case noSecret(path: String)

    public var description: String {
        switch self {
        case let .noPublicURL(path):
            return "Config \(path): hooks sync needs [serve] public_url, the URL GitHub reaches serve at (e.g. public_url = \"https://coordinator.example.com\"; /webhooks/github is added to it)"
        case let .noSecret(path):
            return "Config \(path): hooks sync needs [serve] webhook_secret (or GITHUB_WEBHOOK_SECRET): GitHub signs every delivery with it, and serve refuses unsigned ones"
        }
    }
}

extension HookSync {
    /// The sync for `config`'s `[serve]` settings, or why there cannot be one.
    public static func configured(_ config: CoordinatorConfig) throws -> HookSync {
        guard let url = config.serve.webhookURL else { throw HookSyncError.noPublicURL(path: config.path) }
        guard let secret = config.serve.webhookSecret, !secret.isEmpty else { throw HookSyncError.noSecret(path: config.path) }
        return HookSync(target: WebhookTarget(url: url), secret: secret)
    }

    /// Syncs the selected repositories (nil: all), in file order, over the GitHub client a run
    /// uses; one repository's failure does not stop the others.
    public func run(
        config: CoordinatorConfig, repos names: [String]?, dryRun: Bool, http: HTTPClient, logger: Logger
    ) async throws -> [Outcome] {
        let tokenState = GitHubTokenState()
        var outcomes: [Outcome] = []
        for repo in try config.selectRepos(named: names) {
            let client = GitHubClient(
                http: http, apiBase: repo.repo.apiBase(override: config.github.apiURL),
                graphQLURL: repo.repo.graphQLURL(override: config.github.apiURL),
                owner: repo.repo.owner, repo: repo.repo.name, token: config.github.token,
                writeSpacing: .milliseconds(config.settings.writeSpacingMilliseconds), tokenState: tokenState, logger: logger)
            outcomes.append(await sync(repo: repo.name, admin: client, dryRun: dryRun))
        }
        return outcomes
    }
}
