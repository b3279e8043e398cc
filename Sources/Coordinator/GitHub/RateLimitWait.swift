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
