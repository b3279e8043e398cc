import AsyncHTTPClient
import _CryptoExtras
import Foundation
import Logging
import NIOHTTP1

/// The coordinator as a GitHub App: a JWT signed with the App's key finds each repository's
/// installation and buys an installation token for it, which every request then carries.
///
/// Tokens live in memory only, one per installation, and are renewed shortly before GitHub's
/// `expires_at` and once after a `401` (a token revoked or expired early). Each installation has
/// its own `GitHubTokenState`, because GitHub counts rate limits and write spacing per
/// installation; every one reports to `requests`, which `serve`'s metrics observe.
///
/// Neither the key, the JWT nor a token goes anywhere but the `Authorization` header: errors name
/// the App, the installation and the repository.
public actor GitHubAppAuth: GitHubAuth {
    private let settings: GitHubAppSettings
    private let transport: HTTPTransport
    private let requests: GitHubTokenState
    private let logger: Logger
    private let now: @Sendable () -> Date
    private var key: _RSA.Signing.PrivateKey?
    private var identity: GitHubAppIdentity?
    private var installationOf: [GitHubTarget: Int] = [:]
    private var tokens: [InstallationKey: InstallationToken] = [:]
    private var states: [InstallationKey: GitHubTokenState] = [:]
    private var renewals: [InstallationKey: Task<InstallationToken, any Error>] = [:]

    /// An installation on one GitHub host.
    private struct InstallationKey: Hashable {
        var apiBase: String
        var id: Int
    }

    /// An installation token and when it stops working.
    private struct InstallationToken: Sendable {
        var value: Secret
        var expiresAt: Date
        var receivedAt: Date

        /// Renewed 5 minutes before its end, or a tenth of its life when that is shorter (a token
        /// of a few seconds in a test would otherwise never be fresh).
        func isFresh(at now: Date) -> Bool {
            let margin = min(300, max(0, expiresAt.timeIntervalSince(receivedAt)) / 10)
            return now < expiresAt.addingTimeInterval(-margin)
        }
    }

    /// - Parameters:
    ///   - requests: told of every answer, the App's own requests and every installation's.
    ///   - now: the clock the JWT and the tokens' ends are read against.
    public init(
        settings: GitHubAppSettings, http: HTTPClient, requestTimeout: Duration = .seconds(30),
        retryPolicy: RetryPolicy = .default, requests: GitHubTokenState, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.transport = HTTPTransport(
            http: http,
            headers: [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")],
            timeout: requestTimeout, retryPolicy: retryPolicy, logger: logger, service: .github)
        self.requests = requests
        self.logger = logger
        self.now = now
    }

    /// `GitHub App 123456` until `GET /app` named it, then `GitHub App 'slug' (id 123456)`.
    public var described: String { identity?.described ?? "GitHub App \(settings.appID)" }

    // MARK: GitHubAuth

    public func credential(for target: GitHubTarget) async throws -> GitHubCredential {
        let id = try await installationID(for: target)
        let key = InstallationKey(apiBase: target.apiBase, id: id)
        let token = try await token(for: key, target: target)
        return GitHubCredential(
            authorization: Secret("Bearer \(token.value.reveal())"), state: state(for: key), installationID: id, app: described)
    }

    public func refused(_ credential: GitHubCredential, for target: GitHubTarget) async -> Bool {
        guard let id = credential.installationID else { return false }
        let key = InstallationKey(apiBase: target.apiBase, id: id)
        if let token = tokens[key], "Bearer \(token.value.reveal())" == credential.authorization.reveal() {
            tokens[key] = nil
        }
        // The installation may be gone too: look it up again, so its absence is named.
        installationOf[target] = nil
        logger.notice(
            "GitHub refused the installation token of \(described), installation \(id); fetching a new one",
            metadata: ["repository": "\(target.fullName)"])
        return true
    }

    public func knownState(for target: GitHubTarget) async -> GitHubTokenState? {
        guard let id = settings.installationID ?? installationOf[target] else { return nil }
        return states[InstallationKey(apiBase: target.apiBase, id: id)]
    }

    // MARK: The App's own endpoints (JWT)

    /// `GET /app`: which App the key signs for.
    public func app(apiBase: String) async throws -> GitHubAppIdentity {
        let url = "\(apiBase)/app"
        let answer = try await sendAsApp(.GET, url: url)
        guard answer.status == 200 else { throw appError(answer, url: url, repository: nil) }
        let app = try decode(GitHubAppIdentity.self, answer, url: url)
        identity = app
        return app
    }

    /// `GET /repos/{o}/{r}/installation`: the installation that covers `target`, and what it may
    /// do. `404` is `GitHubError.appNotInstalled` naming the App and the repository.
    public func installation(for target: GitHubTarget) async throws -> GitHubInstallation {
        let url = "\(target.apiBase)/repos/\(HTTPEncoding.pathSegment(target.owner))/\(HTTPEncoding.pathSegment(target.repo))/installation"
        let answer = try await sendAsApp(.GET, url: url)
        guard answer.status == 200 else {
            if answer.status == 404 { await learnName(apiBase: target.apiBase) }
            throw appError(answer, url: url, repository: target.fullName)
        }
        let installation = try decode(GitHubInstallation.self, answer, url: url)
        installationOf[target] = installation.id
        return installation
    }

    /// `GET /app/installations/{id}`: the configured `installation_id`, for `doctor`.
    public func installation(id: Int, apiBase: String) async throws -> GitHubInstallation {
        let url = "\(apiBase)/app/installations/\(id)"
        let answer = try await sendAsApp(.GET, url: url)
        guard answer.status == 200 else {
            if answer.status == 404 {
                await learnName(apiBase: apiBase)
                throw GitHubError.appInstallationGone(app: described, installation: id, repository: nil)
            }
            throw appError(answer, url: url, repository: nil)
        }
        return try decode(GitHubInstallation.self, answer, url: url)
    }

    // MARK: Installations and tokens

    private func installationID(for target: GitHubTarget) async throws -> Int {
        if let id = settings.installationID ?? installationOf[target] { return id }
        return try await installation(for: target).id
    }

    private func state(for key: InstallationKey) -> GitHubTokenState {
        if let state = states[key] { return state }
        let state = GitHubTokenState(reportingTo: requests)
        states[key] = state
        return state
    }

    /// The installation's token, fetched when there is none or it is about to end. Concurrent
    /// requests wait for the one exchange in flight rather than each buying a token.
    private func token(for key: InstallationKey, target: GitHubTarget) async throws -> InstallationToken {
        if let token = tokens[key], token.isFresh(at: now()) { return token }
        if let renewal = renewals[key] { return try await renewal.value }
        let renewal = Task { try await self.exchange(key, target: target) }
        renewals[key] = renewal
        defer { renewals[key] = nil }
        let token = try await renewal.value
        tokens[key] = token
        return token
    }

    /// `POST /app/installations/{id}/access_tokens` → `201 {"token", "expires_at", …}`.
    private func exchange(_ key: InstallationKey, target: GitHubTarget) async throws -> InstallationToken {
        let url = "\(key.apiBase)/app/installations/\(key.id)/access_tokens"
        let answer = try await sendAsApp(.POST, url: url)
        guard answer.status == 201 || answer.status == 200 else {
            if answer.status == 404 {
                installationOf[target] = nil
                await learnName(apiBase: key.apiBase)
                throw GitHubError.appInstallationGone(app: described, installation: key.id, repository: target.fullName)
            }
            throw appError(answer, url: url, repository: target.fullName)
        }
        let payload = try decode(GitHubInstallationTokenPayload.self, answer, url: url)
        guard let expiresAt = Timestamp.parse(payload.expiresAt) else {
            throw GitHubError.malformed(url: url, message: "expires_at is not a time: \(payload.expiresAt)")
        }
        guard HeaderField.isValidValue(payload.token), !payload.token.isEmpty else {
            throw GitHubError.malformed(url: url, message: "the installation token cannot go into a header")
        }
        logger.info(
            "installation token for \(described), installation \(key.id), valid until \(Timestamp.format(expiresAt))",
            metadata: ["repository": "\(target.fullName)"])
        return InstallationToken(value: Secret(payload.token), expiresAt: expiresAt, receivedAt: now())
    }

    // MARK: Sending as the App

    private func jwt() throws -> Secret {
        let key: _RSA.Signing.PrivateKey
        if let cached = self.key {
            key = cached
        } else {
            do {
                key = try _RSA.Signing.PrivateKey(pemRepresentation: settings.privateKeyPEM.reveal())
            } catch {
                throw GitHubError.appKeyUnusable(file: settings.privateKeyFile)
            }
            self.key = key
        }
        do {
            return try GitHubAppJWT.make(appID: settings.appID, key: key, now: now())
        } catch {
            throw GitHubError.appKeyUnusable(file: settings.privateKeyFile)
        }
    }

    private func sendAsApp(_ method: HTTPMethod, url: String) async throws -> HTTPAnswer {
        let token = try jwt()
        let request = transport.request(method, url: url, headers: [("Authorization", "Bearer \(token.reveal())")])
        let requests = self.requests
        do {
            // Asking twice is harmless: a lookup reads, and a second token only replaces the first.
            return try await transport.send(request, retrying: true, onAnswer: { answer in
                await requests.recordAnswer(status: answer.status)
            })
        } catch let failure as HTTPTransportFailure {
            await requests.recordAnswer(status: nil)
            throw GitHubError.transport(url: url, message: failure.text)
        }
    }

    /// Asks `GET /app` for the App's name once, so the error that follows can name it.
    private func learnName(apiBase: String) async {
        guard identity == nil else { return }
        _ = try? await app(apiBase: apiBase)
    }

    private func appError(_ answer: HTTPAnswer, url: String, repository: String?) -> GitHubError {
        switch answer.status {
        case 401:
            return .appRefused(app: described, url: url, message: answer.errorText)
        case 404 where repository != nil:
            return .appNotInstalled(app: described, repository: repository ?? "")
        default:
            return .http(status: answer.status, url: url, message: "\(answer.errorText) (as \(described))")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ answer: HTTPAnswer, url: String) throws -> T {
        do {
            return try answer.decoded(type)
        } catch {
            throw GitHubError.malformed(url: url, message: error.message)
        }
    }
}
