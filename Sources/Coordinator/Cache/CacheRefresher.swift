import Foundation

/// How a refresh brought the cache up to date (SPEC §5.1).
public enum RefreshKind: String, Sendable, Equatable {
    /// Inside the reuse window: the cache as it was, no API call.
    case reused
    /// Every open issue listed; the issue map replaced.
    case full
    /// Issues updated since the cursor (minus the overlap) merged in.
    case incremental
    /// The incremental listing answered `304`: nothing changed, no quota spent.
    case notModified
}

/// The refresh policy from `[coordinator]`.
public struct RefreshPolicy: Codable, Sendable, Equatable {
    /// Reuse the cache without any API call when `last_checked` is this recent.
    public var duplicateWindow: TimeInterval
    /// Do a full refresh when the last one is older than this.
    public var fullRefreshInterval: TimeInterval
    /// How far before the cursor an incremental listing starts: GitHub's `since` index lags.
    public var overlap: TimeInterval = 5 * 60

    public init(duplicateWindow: TimeInterval, fullRefreshInterval: TimeInterval) {
        self.duplicateWindow = duplicateWindow
        self.fullRefreshInterval = fullRefreshInterval
    }

    public init(settings: CoordinatorSettings) {
        self.init(
            // Multiplied as floating point: settings built in code skip the config's bounds, and
            // `Int` minutes times 60 can overflow where a `TimeInterval` only grows.
            duplicateWindow: TimeInterval(settings.duplicateWindowSeconds),
            fullRefreshInterval: TimeInterval(settings.cacheRefreshMinutes) * 60)
    }
}

/// Brings a cache up to date from an `IssueSource`. It returns the new cache and writes nothing:
/// the caller saves it (under the repo lock) only when the whole refresh succeeded, so a failed
/// request leaves the file, `last_checked` and the cursor exactly as they were (failure mode 2).
public struct CacheRefresher: Sendable {
    public var policy: RefreshPolicy

    public init(policy: RefreshPolicy) {
        self.policy = policy
    }

    /// Which kind of refresh `cache` needs at `now`. `reuse: false` asks GitHub even inside the
    /// reuse window (`serve`'s safety-net poll, whose whole point is to look).
    public func kind(for cache: IssueCache, now: Date, force: Bool, reuse: Bool = true) -> RefreshKind {
        if force { return .full }
        if reuse, let checked = cache.lastChecked, now.timeIntervalSince(checked) < policy.duplicateWindow, now >= checked {
            return .reused
        }
        // Measured from the last *full* refresh, not from last_checked, which moves every run
        // (failure mode 3).
        guard let full = cache.lastFullRefresh, cache.updatesCoveredThrough != nil,
            now.timeIntervalSince(full) < policy.fullRefreshInterval
        else { return .full }
        return .incremental
    }

    /// Refreshes `cache`. Throws the source's error on any failed request; nothing is changed then.
    public func refresh(
        _ cache: IssueCache, from source: any IssueSource, now: Date = Date(), force: Bool = false, reuse: Bool = true
    ) async throws -> (IssueCache, RefreshKind) {
        var next = cache
        let kind = kind(for: cache, now: now, force: force, reuse: reuse)
        switch kind {
        case .reused, .notModified:
            return (cache, .reused)
        case .full:
            let listing = try await source.listIssues(state: .open, since: nil, validator: nil)
            let fetchTime = listing.serverDate ?? now
            // Replace, do not merge: issues that closed disappear (failure mode 4).
            next.issues = Dictionary(listing.issues.map { ($0.number, $0) }, uniquingKeysWith: { _, last in last })
            next.lastFullRefresh = fetchTime
            // Everything up to the fetch is covered, and so is every update the listing showed:
            // an updated_at past a Date header rounded down to the second must not make the first
            // incremental listing move the cursor, or its validator would be for a URL never
            // asked again and the steady state (one 304) would come a listing later.
            next.updatesCoveredThrough = max(fetchTime, listing.issues.compactMap(\.updatedAt).max() ?? fetchTime)
            next.listValidator = nil
            next.lastChecked = now
            return (next, .full)
        case .incremental:
            // `kind` only answers `.incremental` when there is a cursor.
            guard let cursor = cache.updatesCoveredThrough else { return try await refresh(cache, from: source, now: now, force: true) }
            // state=all, or closures are never seen (failure mode 5).
            let listing = try await source.listIssues(
                state: .all, since: cursor.addingTimeInterval(-policy.overlap), validator: cache.listValidator)
            next.lastChecked = now
            if listing.notModified { return (next, .notModified) }
            for issue in listing.issues { next.issues[issue.number] = issue }
            // The next cursor is the newest update GitHub showed us, never the wall clock
            // (failure mode 6), and never moves backwards.
            if let newest = listing.issues.compactMap(\.updatedAt).max(), newest > cursor {
                next.updatesCoveredThrough = newest
            }
            next.listValidator = listing.validator
            return (next, .incremental)
        }
    }
}
