import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// How one service's requests travel: the headers every request carries, a deadline per attempt,
/// and retries with backoff for requests that may be sent again.
///
/// `GitHubClient` and `JenkinsClient` sit on top of it and add only what their service means:
/// endpoints, status codes, GitHub's rate limits, Jenkins' crumbs. TLS is configured once, for both,
/// in `HTTPClientFactory`.
struct HTTPTransport: Sendable {
    /// Sent as `User-Agent` to both services; GitHub rejects requests without one.
    static let userAgent = "coordinator/0.1"

    private let exchange: HTTPExchange
    private let headers: [(String, String)]
    private let retryPolicy: RetryPolicy
    private let logger: Logger

    /// - Parameters:
    ///   - headers: sent with every request (credentials, `Accept`); they are never logged.
    ///   - timeout: deadline for one attempt, answer body included.
    ///   - retryPolicy: attempts and backoff for `send(_:retrying:)` with `retrying: true`.
    ///   - service: names the config section in the advice for a refused TLS certificate.
    init(
        http: HTTPClient, headers: [(String, String)], timeout: Duration, retryPolicy: RetryPolicy, logger: Logger,
        service: HTTPService
    ) {
        self.exchange = HTTPExchange(http: http, timeout: timeout, logger: logger, service: service)
        self.headers = headers
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The body of a request, with its content type.
    enum Body {
        case json(Data)
        case form(String)
    }

    /// A request to `url` with the service's headers, `extra` headers and `body`.
    func request(_ method: HTTPMethod, url: String, headers extra: [(String, String)] = [], body: Body? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        for (name, value) in headers + extra { request.headers.add(name: name, value: value) }
        switch body {
        case .json(let data)?:
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        case .form(let text)?:
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: text))
        case nil:
            break
        }
        return request
    }

    /// Sends `request` and returns the first answer below 500, or the last one.
    ///
    /// With `retrying`, a transport failure that another attempt could cure and a `5xx` answer are
    /// tried again, `retryPolicy.maxAttempts` times in all, with doubling pauses. Only requests the
    /// server may receive twice are sent with `retrying`: a GET, or a write that is idempotent on
    /// the server. Without it the request is sent exactly once.
    ///
    /// - Parameters:
    ///   - limit: read at most this many body bytes (see `HTTPExchange.send(_:keepingAtMost:)`).
    ///   - beforeAttempt: awaited before every attempt (GitHub spaces its writes here).
    ///   - onAnswer: sees every answer, also those that are retried (GitHub's rate-limit headers).
    /// - Throws: `HTTPTransportFailure` when no attempt got an answer; `CancellationError`.
    func send(
        _ request: HTTPClientRequest, retrying: Bool, keepingAtMost limit: Int? = nil,
        beforeAttempt: (@Sendable () async throws -> Void)? = nil,
        onAnswer: (@Sendable (HTTPAnswer) async -> Void)? = nil
    ) async throws -> HTTPAnswer {
        let maxAttempts = retrying ? retryPolicy.maxAttempts : 1
        var attempts = 0
        while true {
            try await beforeAttempt?()
            attempts += 1
            let reason: String
            do {
                var answer = try await exchange.send(request, keepingAtMost: limit)
                answer.attempts = attempts
                await onAnswer?(answer)
                guard (500..<600).contains(answer.status), attempts < maxAttempts else { return answer }
                reason = "status \(answer.status)"
            } catch var failure as HTTPTransportFailure {
                failure.attempts = attempts
                guard failure.retriable, attempts < maxAttempts else { throw failure }
                reason = failure.message
            }
            let delay = retryPolicy.backoff(afterAttempt: attempts)
            logger.debug(
                "retrying \(request.method.rawValue) \(request.url) in \(delay) after attempt \(attempts): \(reason)",
                metadata: ["method": "\(request.method.rawValue)", "url": "\(request.url)"])
            try await Task.sleep(for: delay)
        }
    }

    /// `message`, followed by how many attempts it took when that was more than one.
    static func afterAttempts(_ message: String, _ attempts: Int) -> String {
        attempts > 1 ? "\(message) (after \(attempts) attempts)" : message
    }
}
