import Foundation

/// GitHub's side of GitHub Apps: the endpoints an App reaches with its JWT (`GET /app`, its
/// installations, a repository's installation, buying an installation token) and the `ghs_…`
/// tokens it sells, each working until it expires and only on its installation's repositories.
///
/// Plain value type inside `GitHubService`, which the world actor serialises.
struct GitHubAppHost: Sendable {
    private(set) var apps: [Int: Scenario.App] = [:]
    private var issued: [String: IssuedToken] = [:]

    /// An installation token sold, and what it is good for.
    struct IssuedToken: Sendable {
        var appID: Int
        var installationID: Int
        var expiresAt: Date
    }

    /// What an `Authorization` token is to the App host.
    enum TokenUse {
        /// Not a token this host sold (maybe a personal token).
        case unknown
        /// Sold, but expired or its installation is gone: `401 Bad credentials`.
        case refused
        /// Works on these repositories (`owner/name`, lowercased), as `login`.
        case installation(id: Int, repositories: Set<String>, login: String)
    }

    init(apps: [Scenario.App]) {
        for app in apps { self.apps[app.id] = app }
    }

    /// Whether `segments` is one of the JWT-only App endpoints.
    static func isAppRoute(_ segments: [String]) -> Bool {
        segments.first == "app" || (segments.count == 4 && segments[0] == "repos" && segments[3] == "installation")
    }

    func use(of token: String, now: Date) -> TokenUse {
        guard let sold = issued[token] else { return .unknown }
        guard sold.expiresAt > now, let app = apps[sold.appID],
            let installation = app.installations.first(where: { $0.id == sold.installationID })
        else { return .refused }
        return .installation(
            id: installation.id, repositories: Set(installation.repositories.map { $0.lowercased() }), login: "\(app.slug)[bot]")
    }

    /// Uninstalls: the installation and every token sold for it stop working. False when unknown.
    mutating func removeInstallation(_ id: Int, ofApp appID: Int) -> Bool {
        guard var app = apps[appID], let index = app.installations.firstIndex(where: { $0.id == id }) else { return false }
        app.installations.remove(at: index)
        apps[appID] = app
        issued = issued.filter { $0.value.installationID != id }
        return true
    }

    // MARK: The JWT endpoints

    /// Answers an App endpoint (`isAppRoute`), after checking the JWT as GitHub does.
    mutating func handle(_ request: IncomingRequest, segments: [String], jwt: String?, representation: GitHubRepresentation, now: Date) -> OutgoingResponse {
        guard let jwt, AppJWTCheck.looksLikeJWT(jwt) else {
            return GitHubError.response(401, AppJWTCheck.undecodable)
        }
        let app: Scenario.App
        switch AppJWTCheck.verify(jwt, apps: apps, now: now) {
        case .failure(let refusal): return GitHubError.response(401, refusal.message)
        case .success(let found): app = found
        }
        switch (request.method, segments) {
        case ("GET", ["app"]):
            return .json(200, appJSON(app, representation: representation))
        case ("GET", ["app", "installations"]):
            return .json(200, .array(app.installations.map { installationJSON($0, of: app, representation: representation) }))
        case ("GET", let s) where s.count == 3 && s[1] == "installations":
            guard let installation = app.installations.first(where: { "\($0.id)" == s[2] }) else { return GitHubError.notFound() }
            return .json(200, installationJSON(installation, of: app, representation: representation))
        case ("POST", let s) where s.count == 4 && s[1] == "installations" && s[3] == "access_tokens":
            guard let installation = app.installations.first(where: { "\($0.id)" == s[2] }) else { return GitHubError.notFound() }
            let token = Self.newToken()
            let expiresAt = now.addingTimeInterval(TimeInterval(app.tokenTTLSeconds))
            issued[token] = IssuedToken(appID: app.id, installationID: installation.id, expiresAt: expiresAt)
            return .json(201, .object([
                ("token", .string(token)),
                ("expires_at", .string(Timestamp.format(expiresAt))),
                ("permissions", permissionsJSON(installation.permissions)),
                ("repository_selection", .string("selected")),
            ]))
        case ("GET", let s) where s.count == 4 && s[0] == "repos":
            let fullName = "\(s[1])/\(s[2])".lowercased()
            guard let installation = app.installations.first(where: { $0.repositories.contains { $0.lowercased() == fullName } }) else {
                return GitHubError.notFound()
            }
            return .json(200, installationJSON(installation, of: app, representation: representation))
        default:
            return GitHubError.notFound()
        }
    }

    /// `ghs_` and 36 letters and digits, as GitHub's installation tokens look.
    private static func newToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "ghs_" + String((0..<36).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }

    private func permissionsJSON(_ permissions: [String: String]) -> JSONValue {
        .object(permissions.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    private func appJSON(_ app: Scenario.App, representation: GitHubRepresentation) -> JSONValue {
        let owner = app.installations.first?.account ?? "sandbox"
        var permissions: [String: String] = [:]
        for installation in app.installations { permissions.merge(installation.permissions) { a, b in a == "write" ? a : b } }
        return .object([
            ("id", .int(app.id)),
            ("slug", .string(app.slug)),
            ("node_id", .string("A_sandbox\(app.id)")),
            ("client_id", .string("Iv1.sandbox\(app.id)")),
            ("owner", representation.simpleUser(owner)),
            ("name", .string(app.name)),
            ("description", .string("")),
            ("external_url", .string("https://example.com")),
            ("html_url", .string("https://github.com/apps/\(app.slug)")),
            ("created_at", .string("2026-01-01T00:00:00Z")),
            ("updated_at", .string("2026-01-01T00:00:00Z")),
            ("permissions", permissionsJSON(permissions)),
            ("events", .array([.string("issues")])),
            ("installations_count", .int(app.installations.count)),
        ])
    }

    private func installationJSON(_ installation: Scenario.Installation, of app: Scenario.App, representation: GitHubRepresentation) -> JSONValue {
        .object([
            ("id", .int(installation.id)),
            ("account", representation.simpleUser(installation.account)),
            ("repository_selection", .string("selected")),
            ("access_tokens_url", .string("\(representation.apiBase)/app/installations/\(installation.id)/access_tokens")),
            ("repositories_url", .string("\(representation.apiBase)/installation/repositories")),
            ("html_url", .string("https://github.com/organizations/\(installation.account)/settings/installations/\(installation.id)")),
            ("app_id", .int(app.id)),
            ("app_slug", .string(app.slug)),
            ("target_id", .int(GitHubRepresentation.userID(installation.account))),
            ("target_type", .string("Organization")),
            ("permissions", permissionsJSON(installation.permissions)),
            ("events", .array([.string("issues")])),
            ("created_at", .string("2026-01-01T00:00:00Z")),
            ("updated_at", .string("2026-01-01T00:00:00Z")),
            ("single_file_name", .null),
            ("has_multiple_single_files", .bool(false)),
            ("single_file_paths", .array([])),
            ("suspended_by", .null),
            ("suspended_at", .null),
        ])
    }
}
