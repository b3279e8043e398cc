import Foundation

/// Who a token belongs to and what GitHub says it may do, from `GET /user`.
public struct GitHubTokenIdentity: Sendable, Equatable {
    public var login: String
    /// A classic token's OAuth scopes from `X-OAuth-Scopes`; nil when GitHub sent no such header,
    /// as for fine-grained tokens and GitHub App tokens, whose rights cannot be read this way.
    public var scopes: [String]?

    public init(login: String, scopes: [String]?) {
        self.login = login
        self.scopes = scopes
    }

    /// `X-OAuth-Scopes: repo, read:org` → `["repo", "read:org"]`; an empty header is a classic
    /// token without any scope (`[]`), which is not the same as no header at all.
    static func scopes(fromHeader header: String?) -> [String]? {
        header.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }
}

/// What `GET /repos/{owner}/{repo}` says about the things that decide whether the coordinator
/// can work there.
public struct GitHubRepositoryInfo: Sendable, Equatable {
    public var fullName: String
    public var isPrivate: Bool
    /// `false`: the Issues feature is turned off for the repository.
    public var hasIssues: Bool
    /// An archived repository is read-only: no label can be written.
    public var archived: Bool

    public init(fullName: String, isPrivate: Bool, hasIssues: Bool = true, archived: Bool = false) {
        self.fullName = fullName
        self.isPrivate = isPrivate
        self.hasIssues = hasIssues
        self.archived = archived
    }
}

/// The requests `coordinator doctor` makes of GitHub, over the same connection (retries, rate
/// limits, error wording, the token kept in its header) as every other request.
extension GitHubClient {
    /// The most label pages `repositoryLabels()` follows: 10 000 labels at 100 a page.
    static let maxLabelPages = 100

    /// `GET /user`: whether the token works, whose it is, and its scopes when GitHub names them.
    public func tokenIdentity() async throws -> GitHubTokenIdentity {
        let url = "\(apiBase)/user"
        let answer = try await connection.send(.GET, url: url)
        let user = try connection.decode(GitHubUserPayload.self, from: answer, url: url)
        return GitHubTokenIdentity(login: user.login, scopes: GitHubTokenIdentity.scopes(fromHeader: answer.header("x-oauth-scopes")))
    }

    /// `GET /rate_limit`, which GitHub does not count: the core quota left, also when it is spent.
    /// Nil when the server has rate limiting turned off (GitHub Enterprise answers `404` then).
    public func coreRateLimit() async throws -> RateLimitSnapshot? {
        let url = "\(apiBase)/rate_limit"
        let payload: RateLimitPayload
        do {
            payload = try await connection.json(RateLimitPayload.self, .GET, url: url)
        } catch GitHubError.http(status: 404, url: _, message: _) {
            return nil
        }
        guard let core = payload.resources?.core ?? payload.rate else {
            throw GitHubError.malformed(url: url, message: "the answer names no core rate limit")
        }
        // A reset no clock can reach is shown as unknown, as for the headers (`RateLimitSnapshot`).
        let reset = core.reset.flatMap { abs($0) <= RateLimitWait.latestKnownEpochSeconds ? Date(timeIntervalSince1970: $0) : nil }
        return RateLimitSnapshot(limit: core.limit, remaining: core.remaining, reset: reset)
    }

    /// `GET /repos/{owner}/{repo}`.
    public func repositoryInfo() async throws -> GitHubRepositoryInfo {
        let payload = try await connection.json(RepositoryPayload.self, .GET, url: repoPath)
        return GitHubRepositoryInfo(
            fullName: payload.fullName ?? "\(owner)/\(repo)", isPrivate: payload.isPrivate ?? false,
            hasIssues: payload.hasIssues ?? true, archived: payload.archived ?? false)
    }

    /// The names of every label defined in the repository (`GET /repos/{owner}/{repo}/labels`,
    /// 100 a page, following `Link: rel="next"` on the same server only, as `listIssues` does).
    public func repositoryLabels() async throws -> [String] {
        var names: [String] = []
        var visited: Set<String> = []
        var nextURL: String? = "\(repoPath)/labels?per_page=100"
        while let url = nextURL {
            guard visited.insert(url).inserted else {
                throw GitHubError.malformed(url: url, message: "the Link header leads back to a page already read")
            }
            guard visited.count <= Self.maxLabelPages else {
                throw GitHubError.malformed(
                    url: url, message: "the Link header leads on past \(Self.maxLabelPages) pages of labels")
            }
            let answer = try await connection.send(.GET, url: url)
            names += try connection.decode([GitHubLabelPayload].self, from: answer, url: url).map(\.name)
            nextURL = try answer.header("link").flatMap(LinkHeader.next).map { next in
                guard Self.sameOrigin(next, apiBase) else {
                    throw GitHubError.malformed(url: url, message: "the next page is on another server: \(next)")
                }
                return next
            }
        }
        return names
    }
}

/// `GET /rate_limit`: `resources.core`, and the older top-level `rate` that mirrors it.
private struct RateLimitPayload: Decodable {
    struct Resource: Decodable {
        var limit: Int
        var remaining: Int
        var reset: Double?
    }
    struct Resources: Decodable {
        var core: Resource?
    }
    var resources: Resources?
    var rate: Resource?
}

private struct RepositoryPayload: Decodable {
    var fullName: String?
    var isPrivate: Bool?
    var hasIssues: Bool?
    var archived: Bool?

    enum CodingKeys: String, CodingKey {
        case archived
        case fullName = "full_name"
        case isPrivate = "private"
        case hasIssues = "has_issues"
    }
}
