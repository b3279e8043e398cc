import Foundation

/// Which issues a list request asks for.
public enum IssueStateFilter: String, Sendable {
    case open, closed, all
}

/// What makes a list request conditional: the URL of its first page and the `ETag` GitHub gave it.
/// Kept with the cache so that an unchanged repository costs one `304`, which is free of quota.
public struct ListValidator: Codable, Sendable, Equatable {
    public var url: String
    public var etag: String

    public init(url: String, etag: String) {
        self.url = url
        self.etag = etag
    }
}

/// The answer to a list request: the issues (pull requests already dropped), GitHub's clock, and
/// whether the server said nothing changed since `validator`.
public struct IssueListing: Sendable, Equatable {
    public var issues: [Issue]
    /// The `Date` header of the first page: cursors follow the server's clock, not ours.
    public var serverDate: Date?
    /// `true` when GitHub answered `304 Not Modified`; `issues` is then empty and means "same as before".
    public var notModified: Bool
    /// The validator to send next time (only for single-page answers), or nil.
    public var validator: ListValidator?

    public init(issues: [Issue], serverDate: Date? = nil, notModified: Bool = false, validator: ListValidator? = nil) {
        self.issues = issues
        self.serverDate = serverDate
        self.notModified = notModified
        self.validator = validator
    }
}

/// Reads issues of one repository.
public protocol IssueSource: Sendable {
    /// Lists issues in `state`, updated at or after `since` when given, following every page.
    func listIssues(state: IssueStateFilter, since: Date?, validator: ListValidator?) async throws -> IssueListing
    /// Reads one issue live.
    func issue(number: Int) async throws -> Issue
}

/// Changes labels of one repository's issues. Each call returns the issue's full label list as
/// GitHub answered it.
public protocol LabelWriter: Sendable {
    func addLabels(_ labels: [String], toIssue number: Int) async throws -> [String]
    /// Removes one label; returns nil when GitHub answers `404` (the label was already gone).
    func removeLabel(_ label: String, fromIssue number: Int) async throws -> [String]?
}

/// Finds the branches linked to an issue (GitHub's "Development" section).
public protocol BranchResolver: Sendable {
    func linkedBranches(issue number: Int) async throws -> [String]
    /// The linked branches of several issues, batched: at most 50 issues per GraphQL request.
    /// An issue GitHub does not resolve (unknown number, a pull request) is absent from the result;
    /// a failed request throws.
    func linkedBranches(issues numbers: [Int]) async throws -> [Int: [String]]
}

/// One `labeled` or `unlabeled` event of an issue, as GitHub's issue events list it.
public struct IssueLabelEvent: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable {
        case labeled, unlabeled
    }

    public var action: Action
    public var label: String
    public var at: Date
    public var actor: String?

    public init(action: Action, label: String, at: Date, actor: String?) {
        self.action = action
        self.label = label
        self.at = at
        self.actor = actor
    }
}

/// When one label last came on an issue, as far as a batched lookup of the newest label events
/// could tell.
public enum LastLabeled: Sendable, Equatable {
    /// The label's newest `labeled` event.
    case at(Date)
    /// Every label event of the issue was seen, none of them this label's.
    case never
    /// GitHub could not say: the issue did not resolve, or the label is not among its newest label
    /// events and older ones exist. Its REST events (`labelEvents(issue:)`) can.
    case unanswered
}

/// Reads an issue's label history: when a busy label came on, for issues we did not dispatch.
public protocol IssueEventReader: Sendable {
    /// The issue's `labeled` / `unlabeled` events, oldest first, every page.
    func labelEvents(issue number: Int) async throws -> [IssueLabelEvent]
    /// When `labels[n]` last came on issue `n`, for each issue of `labels`: one GraphQL request
    /// per `lastLabeledBatchSize` issues. A failed request throws.
    func lastLabeled(_ labels: [Int: String]) async throws -> [Int: LastLabeled]
}

extension IssueEventReader {
    /// How many issues one `lastLabeled` request asks about: a caller that wants a failed request
    /// to cost only its own issues asks this many at a time.
    public var lastLabeledBatchSize: Int { LabeledEventsBatch.maxIssues }
}

/// GitHub's rate-limit headers as last seen.
public struct RateLimitSnapshot: Codable, Sendable, Equatable {
    public var limit: Int
    public var remaining: Int
    public var reset: Date?

    public init(limit: Int, remaining: Int, reset: Date?) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
    }
}

/// A failed GitHub request, with what the operator needs to act on it. Never carries the token.
public enum GitHubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `401`: the token is missing, wrong or expired.
    case unauthorized(url: String, message: String)
    /// `403`/`429` with the limit spent; `retryAt` says when GitHub will answer again.
    case rateLimited(url: String, retryAt: Date?)
    /// Any other non-success status, with GitHub's `message`.
    case http(status: Int, url: String, message: String)
    /// The request never got an HTTP answer (connection refused, timeout, dropped).
    case transport(url: String, message: String)
    /// The answer was not the JSON GitHub sends.
    case malformed(url: String, message: String)
    /// A GraphQL answer with `errors`.
    case graphQL(message: String)
    /// The token cannot go into an `Authorization` header (a line break or another control
    /// character), so nothing was sent. The reason never quotes the token.
    case unusableToken(reason: String)
    /// GitHub App: `401` to the App's JWT or to an installation token just bought (a key that is
    /// not the App's, another App's id, a clock far off).
    case appRefused(app: String, url: String, message: String)
    /// GitHub App: `404` for the repository's installation — never installed there, uninstalled,
    /// or the repository taken out of the installation.
    case appNotInstalled(app: String, repository: String)
    /// GitHub App: the installation a token was bought for is gone (`404`), e.g. uninstalled.
    case appInstallationGone(app: String, installation: Int, repository: String?)
    /// GitHub App: the private key cannot sign (it was readable and valid at start-up).
    case appKeyUnusable(file: String)

    public var description: String {
        switch self {
        case let .unauthorized(url, message):
            return "GitHub refused the token (401 \(message)) for \(url): check [github] token or GITHUB_TOKEN"
        case let .rateLimited(url, retryAt):
            let when = retryAt.map { "retry after \(Timestamp.format($0))" } ?? "retry later"
            return "GitHub rate limit exceeded for \(url): \(when)"
        case let .http(status, url, message):
            return "GitHub answered \(status) \(message) for \(url)"
        case let .transport(url, message):
            return "GitHub could not be reached at \(url): \(message)"
        case let .malformed(url, message):
            return "GitHub sent an unexpected answer for \(url): \(message)"
        case let .graphQL(message):
            return "GitHub GraphQL error: \(message)"
        case let .unusableToken(reason):
            return "The GitHub token cannot be sent: \(reason); check [github] token or GITHUB_TOKEN"
        case let .appRefused(app, url, message):
            return "GitHub refused \(app) (401 \(message)) for \(url): check [github] app_id, that private_key_file holds this App's current key, and this machine's clock"
        case let .appNotInstalled(app, repository):
            return "\(app) is not installed on \(repository) (GitHub answered 404 for its installation: never installed there, uninstalled, or the repository was taken out of it): install the App on \(repository) (the App's page → Install App), or remove the repository from the config"
        case let .appInstallationGone(app, installation, repository):
            let on = repository.map { " (for \($0))" } ?? ""
            return "\(app): installation \(installation)\(on) no longer exists (uninstalled or revoked): install the App again\(repository.map { " on \($0)" } ?? ""), and fix or remove [github] installation_id if it names \(installation)"
        case let .appKeyUnusable(file):
            return "The GitHub App's private key \(file) cannot sign a token: download a new key from the App's settings page"
        }
    }
}
