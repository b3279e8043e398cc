import Foundation

extension Scenario {
    /// A GitHub App the Sandbox hosts: it knows the App's public key (GitHub keeps only that),
    /// checks the JWTs signed with the private one, and sells its installations' tokens.
    public struct App: Codable, Sendable, Equatable {
        public var id: Int
        /// The App's URL name; its bot is `SLUG[bot]`.
        public var slug: String
        public var name: String
        /// The RSA public key in PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`).
        public var publicKeyPEM: String
        public var installations: [Installation]
        /// How long an installation token works (GitHub: one hour).
        public var tokenTTLSeconds: Int

        public init(
            id: Int, slug: String? = nil, name: String? = nil, publicKeyPEM: String, installations: [Installation],
            tokenTTLSeconds: Int = 3600
        ) {
            self.id = id
            self.slug = slug ?? "sandbox-app-\(id)"
            self.name = name ?? "Sandbox App \(id)"
            self.publicKeyPEM = publicKeyPEM
            self.installations = installations
            self.tokenTTLSeconds = tokenTTLSeconds
        }

        enum CodingKeys: String, CodingKey {
            case id, slug, name, installations
            case publicKeyPEM = "public_key_pem", tokenTTLSeconds = "token_ttl_seconds"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(Int.self, forKey: .id)
            slug = try c.decodeIfPresent(String.self, forKey: .slug) ?? "sandbox-app-\(id)"
            name = try c.decodeIfPresent(String.self, forKey: .name) ?? "Sandbox App \(id)"
            publicKeyPEM = try c.decode(String.self, forKey: .publicKeyPEM)
            installations = try c.decodeIfPresent([Installation].self, forKey: .installations) ?? []
            tokenTTLSeconds = try c.decodeIfPresent(Int.self, forKey: .tokenTTLSeconds) ?? 3600
        }
    }

    /// Where an App is installed: an account, some of its repositories, and what the App may do there.
    public struct Installation: Codable, Sendable, Equatable {
        public var id: Int
        /// The organisation or user the App is installed on.
        public var account: String
        /// `owner/name` of each repository the installation covers.
        public var repositories: [String]
        /// GitHub's permission names → `read` / `write`.
        public var permissions: [String: String]

        /// What an App the coordinator runs as needs: issues written, metadata and webhooks read.
        public static let coordinatorPermissions = ["issues": "write", "metadata": "read", "repository_hooks": "read"]

        public init(id: Int, account: String, repositories: [String], permissions: [String: String] = Installation.coordinatorPermissions) {
            self.id = id
            self.account = account
            self.repositories = repositories
            self.permissions = permissions
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(Int.self, forKey: .id)
            account = try c.decode(String.self, forKey: .account)
            repositories = try c.decodeIfPresent([String].self, forKey: .repositories) ?? []
            permissions = try c.decodeIfPresent([String: String].self, forKey: .permissions) ?? Self.coordinatorPermissions
        }
    }
}
