import Foundation

/// `GET /app`: the App the JWT speaks for.
public struct GitHubAppIdentity: Decodable, Sendable, Equatable {
    public var id: Int
    public var slug: String?
    public var name: String?

    public init(id: Int, slug: String?, name: String?) {
        self.id = id
        self.slug = slug
        self.name = name
    }

    /// `GitHub App 'coordinator-bot' (id 123456)`.
    public var described: String {
        if let slug, !slug.isEmpty { return "GitHub App '\(slug)' (id \(id))" }
        return "GitHub App \(id)"
    }
}

/// `GET /repos/{o}/{r}/installation`, `GET /app/installations/{id}`: where the App is installed
/// and what it may do there.
public struct GitHubInstallation: Decodable, Sendable, Equatable {
    public struct Account: Decodable, Sendable, Equatable {
        public var login: String
    }

    public var id: Int
    public var account: Account?
    /// GitHub's permission names (`issues`, `metadata`, `repository_hooks`, …) → `read`/`write`.
    public var permissions: [String: String]
    public var suspendedAt: String?

    public init(id: Int, account: String?, permissions: [String: String], suspendedAt: String? = nil) {
        self.id = id
        self.account = account.map(Account.init(login:))
        self.permissions = permissions
        self.suspendedAt = suspendedAt
    }

    enum CodingKeys: String, CodingKey { case id, account, permissions, suspendedAt = "suspended_at" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        account = try c.decodeIfPresent(Account.self, forKey: .account)
        permissions = try c.decodeIfPresent([String: String].self, forKey: .permissions) ?? [:]
        suspendedAt = try c.decodeIfPresent(String.self, forKey: .suspendedAt)
    }
}

/// `POST /app/installations/{id}/access_tokens` → `201`: the installation token and its end.
struct GitHubInstallationTokenPayload: Decodable {
    var token: String
    var expiresAt: String

    enum CodingKeys: String, CodingKey { case token, expiresAt = "expires_at" }
}
