import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// GitHub's side of the shared transport: its headers, its write spacing, its rate limits, and
/// the translation of answers into `GitHubError`. The endpoints live in `GitHubClient`.
///
/// Every request may be retried: GitHub's reads are GETs (GraphQL queries are POSTs that change
/// nothing), and its label writes are idempotent (adding a label twice, or removing one already
/// gone, leaves the same labels).
struct GitHubConnection: Sendable {
    private let transport: HTTPTransport
    private let auth: any GitHubAuth
    private let target: GitHubTarget
    private let writeSpacing: Duration
    private let retryPolicy: RetryPolicy
    private let logger: Logger

    init(
        http: HTTPClient, auth: any GitHubAuth, target: GitHubTarget, writeSpacing: Duration, requestTimeout: Duration,
        retryPolicy: RetryPolicy, logger: Logger
    ) {
        // The credential is added per request (an App's token changes); it goes into the
        // `Authorization` header and nowhere else: not into URLs, errors or logs.
        self.transport = HTTPTransport(
            http: http,
            headers: [
                ("Accept", "application/vnd.github+json"),
                ("X-GitHub-Api-Version", "2022-11-28"),
            ],
            timeout: requestTimeout, retryPolicy: retryPolicy, logger: logger, service: .github)
        self.auth = auth
        self.target = target
        self.writeSpacing = writeSpacing
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// Sends a request until it gets an answer worth returning: any 2xx or 3xx (the caller decides
    /// what a `304` means). Everything else ends as a `GitHubError`.
    ///
    /// Server errors and transport failures are retried by the transport. A spent rate limit is
    /// waited out when GitHub names a wait within `retryPolicy.maxRateLimitWait`, at most
    /// `retryPolicy.maxAttempts` times, and is `GitHubError.rateLimited` otherwise. Mutating
    /// requests start `writeSpacing` apart per token, retries included.
    ///
    /// - Parameter mutating: spaces the request after the previous mutating one; defaults to
    ///   "anything but GET" (a GraphQL query is a POST that changes nothing and passes `false`).
    /// - Parameter retrying: false for a write GitHub must not receive twice (creating a webhook):
    ///   one attempt, whatever happens.
    func send(
        _ method: HTTPMethod, url: String, body: Data? = nil, headers: [(String, String)] = [], mutating: Bool? = nil,
        retrying: Bool = true
    ) async throws -> HTTPAnswer {
        var credential = try await auth.credential(for: target)
        let isMutating = mutating ?? (method != .GET && method != .HEAD)
        var rateLimitWaits = 0
        var renewedAfterRefusal = false
        while true {
            // Checked before sending: the HTTP client's error for a bad header value quotes the
            // value, and this value is the token.
            guard HeaderField.isValidValue(credential.authorization.reveal()) else {
                throw GitHubError.unusableToken(reason: GitHubClient.unusableTokenReason)
            }
            let request = transport.request(
                method, url: url, headers: headers + [("Authorization", credential.authorization.reveal())], body: body.map { .json($0) })
            let (state, spacing) = (credential.state, writeSpacing)
            let waitForWriteSlot: (@Sendable () async throws -> Void)? = isMutating ? { @Sendable in
                let clock = ContinuousClock()
                let slot = await state.reserveWriteSlot(spacing: spacing, now: clock.now)
                try await clock.sleep(until: slot, tolerance: nil)
            } : nil

            let answer: HTTPAnswer
            do {
                answer = try await transport.send(request, retrying: retrying, beforeAttempt: waitForWriteSlot) { answer in
                    if let snapshot = RateLimitSnapshot(headers: answer.headers) { await state.record(snapshot) }
                    await state.recordAnswer(status: answer.status)
                }
            } catch let failure as HTTPTransportFailure {
                await state.recordAnswer(status: nil)
                throw GitHubError.transport(url: url, message: failure.text)
            }

            switch answer.status {
            case 200..<400:
                return answer
            case 401:
                // An App's token may have ended early or been revoked: one new token, one more try.
                if !renewedAfterRefusal, await auth.refused(credential, for: target) {
                    renewedAfterRefusal = true
                    credential = try await auth.credential(for: target)
                    continue
                }
                if let app = credential.app {
                    throw GitHubError.appRefused(app: app, url: url, message: answer.errorText)
                }
                throw GitHubError.unauthorized(url: url, message: answer.errorText)
            case 403, 429:
                guard let limit = RateLimitWait(answer: answer) else {
                    throw GitHubError.http(status: answer.status, url: url, message: answer.errorText)
                }
                guard case let .after(wait, retryAt) = limit else {
                    throw GitHubError.rateLimited(url: url, retryAt: nil)
                }
                guard wait <= retryPolicy.maxRateLimitWait, rateLimitWaits < retryPolicy.maxAttempts else {
                    throw GitHubError.rateLimited(url: url, retryAt: retryAt)
                }
                rateLimitWaits += 1
                logger.notice(
                    "GitHub rate limit spent; waiting \(wait) before retrying",
                    metadata: ["method": "\(method.rawValue)", "url": "\(url)", "status": "\(answer.status)"])
                try await Task.sleep(for: wait)
            case 500..<600:
                throw GitHubError.http(
                    status: answer.status, url: url, message: HTTPTransport.afterAttempts(answer.errorText, answer.attempts))
            default:
                throw GitHubError.http(status: answer.status, url: url, message: answer.errorText)
            }
        }
    }

    /// Sends the request and decodes a `200`/`201` answer as `T`; any other answer is an error.
    func json<T: Decodable>(
        _ type: T.Type, _ method: HTTPMethod, url: String, body: Data? = nil, mutating: Bool? = nil
    ) async throws -> T {
        try decode(type, from: try await send(method, url: url, body: body, mutating: mutating), url: url)
    }

    /// Decodes a `200`/`201` answer; only those carry the JSON the callers read, so another 2xx
    /// or 3xx is an error here.
    func decode<T: Decodable>(_ type: T.Type, from answer: HTTPAnswer, url: String) throws -> T {
        guard answer.status == 200 || answer.status == 201 else {
            throw GitHubError.http(status: answer.status, url: url, message: answer.errorText)
        }
        do {
            return try answer.decoded(type)
        } catch {
            throw GitHubError.malformed(url: url, message: error.message)
        }
    }
}
