import Foundation
import NIOHTTP1

/// What belongs to one token rather than one repository: the write slot (GitHub's secondary
/// limits count a token's writes across repositories) and the rate-limit snapshot. Behind an
/// actor so that concurrent requests see one of each; clients for several repositories that use
/// the same token share one.
public actor GitHubTokenState {
    private var lastWriteSlot: ContinuousClock.Instant?
    private(set) var rateLimit: RateLimitSnapshot?
    /// Told of every answer's status (nil: no answer, a transport failure) and the rate limit
    /// known after it: `serve`'s metrics.
    private var observer: (@Sendable (Int?, RateLimitSnapshot?) -> Void)?

    /// The state of all credentials together (a GitHub App's installations each have their own):
    /// told of every answer, and its observer sees them all.
    private let parent: GitHubTokenState?

    public init(reportingTo parent: GitHubTokenState? = nil) {
        self.parent = parent
    }

    /// Calls `observer` with the status of every answer to this token's requests, retries
    /// included (nil for a request that got no answer), and the rate limit known after it.
    public func observeRequests(_ observer: @escaping @Sendable (_ status: Int?, _ rateLimit: RateLimitSnapshot?) -> Void) {
        self.observer = observer
    }

    func recordAnswer(status: Int?) async {
        observer?(status, rateLimit)
        await parent?.recordAnswer(status: status)
    }

    /// The rate limit GitHub reported last.
    public var lastRateLimit: RateLimitSnapshot? { rateLimit }

    /// Reserves the start time for the next mutating request: now, or `spacing` after the previous
    /// reservation, whichever is later. Reserving (not sleeping) inside the actor keeps concurrent
    /// writers in line without holding the actor while they wait.
    func reserveWriteSlot(spacing: Duration, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        var slot = now
        if let last = lastWriteSlot, last + spacing > slot { slot = last + spacing }
        lastWriteSlot = slot
        return slot
    }

    func record(_ snapshot: RateLimitSnapshot) async {
        rateLimit = snapshot
        await parent?.record(snapshot)
    }
}

extension RateLimitSnapshot {
    /// GitHub's `x-ratelimit-*` headers, or nil when an answer carries none.
    init?(headers: HTTPHeaders) {
        guard let limit = headers.first(name: "x-ratelimit-limit").flatMap({ Int($0) }),
            let remaining = headers.first(name: "x-ratelimit-remaining").flatMap({ Int($0) })
        else { return nil }
        // A reset no clock can reach is shown as unknown rather than carried around as a `Date`
        // that formatting or arithmetic would choke on.
        let reset = headers.first(name: "x-ratelimit-reset").flatMap { Double($0) }
            .flatMap { abs($0) <= RateLimitWait.latestKnownEpochSeconds ? Date(timeIntervalSince1970: $0) : nil }
        self.init(limit: limit, remaining: remaining, reset: reset)
    }
}
