/// How hard a client tries before giving up on a request: attempts and backoff are applied by
/// `HTTPTransport`, the rate-limit wait by GitHub's side of it (`GitHubConnection`).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per request for server errors (5xx) and transport failures, the first included.
    /// Client errors (4xx) are never retried, except a spent rate limit (see `maxRateLimitWait`).
    public var maxAttempts: Int
    /// The wait before the second attempt; it doubles for every further one.
    public var baseDelay: Duration
    /// The longest the client waits for a spent rate limit to reset before it gives up with
    /// `GitHubError.rateLimited`. A coordinator run should stall briefly, not for an hour.
    public var maxRateLimitWait: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxRateLimitWait: Duration = .seconds(60)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxRateLimitWait = maxRateLimitWait
    }

    /// Three attempts, 0.5 s then 1 s apart; waits up to a minute for a rate limit.
    public static let `default` = RetryPolicy()

    /// The pause after failed attempt `attempt` (1-based): `baseDelay · 2^(attempt-1)`.
    func backoff(afterAttempt attempt: Int) -> Duration {
        baseDelay * (1 << min(max(attempt - 1, 0), 16))
    }
}
