import Foundation

/// What a spent GitHub rate limit asks of the client: wait a known time, or nothing we can name.
enum RateLimitWait: Equatable {
    /// GitHub answers again after `wait`, at `retryAt`.
    case after(Duration, retryAt: Date)
    /// Limited, but the time GitHub named is no usable number (not finite, negative, or further
    /// off than `longestKnown`): the request fails at once and the error says "retry later".
    case unknown

    /// The longest wait taken at its word: a year. GitHub's own windows are an hour; anything
    /// longer is a broken header, and past about 292 years it would not even fit a `Duration`'s
    /// nanoseconds.
    static let longestKnown: TimeInterval = 366 * 86_400

    /// Epoch seconds beyond which an `x-ratelimit-reset` is not a time at all (year 9999).
    static let latestKnownEpochSeconds: TimeInterval = 253_402_300_799

    /// A wait of `seconds` (finite, 0 or more) from `now`, or `.unknown` when it is not one.
    init(seconds: TimeInterval, now: Date) {
        guard seconds.isFinite, seconds >= 0, seconds <= Self.longestKnown else {
            self = .unknown
            return
        }
        // Whole milliseconds, rounded up so the retry never comes before the reset.
        let milliseconds = Int64((seconds * 1000).rounded(.up))
        self = .after(.milliseconds(milliseconds), retryAt: now.addingTimeInterval(seconds))
    }

    /// How long GitHub asks us to wait when `answer` says a rate limit is spent, or nil when it is
    /// a plain `403` (no permission) rather than a limit.
    ///
    /// Signals, in GitHub's order of precedence: `retry-after` seconds or HTTP date (secondary
    /// limits, `429`); `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, measured against the
    /// server's `Date` so that a skewed local clock neither stretches nor cuts the wait; a bare
    /// `429`, for which GitHub's guidance is to wait a minute.
    ///
    /// The numbers come from the server, so any of them may be nonsense: a time that is not finite,
    /// a negative `retry-after`, or a wait beyond `longestKnown` answers `.unknown` (limited until
    /// a time we cannot name) instead of a `Duration` that would overflow. A reset already in the
    /// past is a wait of zero: the limit has reset.
    init?(answer: HTTPAnswer, now: Date = Date()) {
        let retryAfter = answer.header("retry-after")?.trimmingCharacters(in: .whitespaces)
        let remaining = answer.header("x-ratelimit-remaining").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let reset = answer.header("x-ratelimit-reset").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard answer.status == 429 || retryAfter != nil || remaining == 0 else { return nil }

        if let retryAfter {
            if let seconds = Double(retryAfter) {
                guard seconds >= 0 else {
                    self = .unknown
                    return
                }
                self.init(seconds: seconds, now: now)
                return
            }
            if let date = Timestamp.parseHTTPDate(retryAfter) {
                self.init(seconds: max(0, date.timeIntervalSince(now)), now: now)
                return
            }
        }
        if let reset {
            guard reset.isFinite else {
                self = .unknown
                return
            }
            let serverNow = answer.header("date").flatMap(Timestamp.parseHTTPDate) ?? now
            self.init(seconds: max(0, reset - serverNow.timeIntervalSince1970), now: now)
            return
        }
        self.init(seconds: 60, now: now)
    }

    /// The wait, or nil for `.unknown`.
    var wait: Duration? {
        if case let .after(wait, _) = self { return wait }
        return nil
    }

    /// When GitHub answers again, or nil for `.unknown`.
    var retryAt: Date? {
        if case let .after(_, retryAt) = self { return retryAt }
        return nil
    }
}
