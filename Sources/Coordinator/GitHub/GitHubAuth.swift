import Foundation

/// The repository a GitHub request is about: an App's installation is found per repository, and
/// each API host has installations of its own.
public struct GitHubTarget: Hashable, Sendable {
    public var apiBase: String
    public var owner: String
    public var repo: String

    public init(apiBase: String, owner: String, repo: String) {
        self.apiBase = apiBase
        self.owner = owner
        self.repo = repo
    }

    /// `owner/repo`, for messages.
    public var fullName: String { "\(owner)/\(repo)" }
}

/// What one request is sent with: the `Authorization` value and the rate-limit and write-slot
/// state of whoever it authenticates (the token, or the App's installation).
public struct GitHubCredential: Sendable {
    /// `Bearer …`: goes into the `Authorization` header and nowhere else.
    public var authorization: Secret
    /// The rate limit and write slot of this token or installation.
    public var state: GitHubTokenState
    /// The App's installation the token belongs to; nil for a configured token.
    public var installationID: Int?
    /// The App, named for errors (`GitHub App 'coordinator-bot' (id 123456)`); nil for a token.
    public var app: String?

    public init(authorization: Secret, state: GitHubTokenState, installationID: Int? = nil, app: String? = nil) {
        self.authorization = authorization
        self.state = state
        self.installationID = installationID
        self.app = app
    }
}

/// Who the coordinator is on GitHub. Every GitHub request — REST and GraphQL, from a run, the
/// console, `serve` or `doctor` — asks this for its credential, so a token and a GitHub App are
/// one seam: `GitHubTokenAuth` or `GitHubAppAuth`.
public protocol GitHubAuth: Sendable {
    /// The credential for a request about `target`; an App may look up the installation and
    /// fetch a token first.
    func credential(for target: GitHubTarget) async throws -> GitHubCredential
    /// GitHub answered `401` to `credential`. Returns true when another credential is worth one
    /// more attempt (an App's token that may have expired or been revoked is dropped; a
    /// configured token cannot change).
    func refused(_ credential: GitHubCredential, for target: GitHubTarget) async -> Bool
    /// The state whose rate limit is shown for `target`, without asking GitHub; nil before the
    /// first request.
    func knownState(for target: GitHubTarget) async -> GitHubTokenState?
}

/// A configured token (`[github] token` or `GITHUB_TOKEN`): one credential, one state for every
/// repository.
public struct GitHubTokenAuth: GitHubAuth {
    private let token: Secret
    private let state: GitHubTokenState

    public init(token: Secret, state: GitHubTokenState = GitHubTokenState()) {
        self.token = token
        self.state = state
    }

    public func credential(for target: GitHubTarget) async throws -> GitHubCredential {
        // Checked before sending: the HTTP client's error for a bad header value quotes the
        // value, and this value is the token.
        guard HeaderField.isValidValue(token.reveal()) else {
            throw GitHubError.unusableToken(reason: GitHubClient.unusableTokenReason)
        }
        return GitHubCredential(authorization: Secret("Bearer \(token.reveal())"), state: state)
    }

    public func refused(_ credential: GitHubCredential, for target: GitHubTarget) async -> Bool { false }

    public func knownState(for target: GitHubTarget) async -> GitHubTokenState? { state }
}
