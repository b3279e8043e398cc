import Foundation

/// A cache's own clocks (SPEC §5): what decides which refresh comes next and what it lists.
public struct CacheTimes: Codable, Sendable, Equatable {
    public var lastChecked: Date?
    public var lastFullRefresh: Date?
    /// The incremental cursor (`updates_covered_through`): incremental listings ask for updates
    /// since this time minus the overlap.
    public var cursor: Date?

    public init(lastChecked: Date? = nil, lastFullRefresh: Date? = nil, cursor: Date? = nil) {
        self.lastChecked = lastChecked
        self.lastFullRefresh = lastFullRefresh
        self.cursor = cursor
    }

    public init(_ cache: IssueCache) {
        self.init(lastChecked: cache.lastChecked, lastFullRefresh: cache.lastFullRefresh, cursor: cache.updatesCoveredThrough)
    }
}

/// Why a stale entry is stale in time, and which refresh will bring it into the cache: the
/// issue's `updated_at` against the cache's cursor and `last_checked`, whether the reuse window
/// is still open, and whether the next refresh — incremental or full, as `CacheRefresher` would
/// choose it — lists the change.
public struct StaleSighting: Sendable, Equatable {
    /// Which refresh sees the change.
    public enum SeenBy: Sendable, Equatable {
        /// The next refresh is a full one (due, or the cache has no cursor): it lists every open issue.
        case nextFullRefresh
        /// The change is newer than the cursor minus the overlap: the next incremental listing
        /// carries it.
        case nextIncremental
        /// The change is older than the cursor: no incremental listing asks for it, only a full
        /// refresh will (due at `due`; nil when the cache never had one).
        case onlyFullRefresh(due: Date?)
        /// GitHub no longer lists the issue as open, so its `updated_at` is unknown: an
        /// incremental listing (state=all) sees a closing newer than the cursor; a deletion, or a
        /// closing older than it, only the full refresh due at `fullDue` will.
        case closedOrDeleted(fullDue: Date?)
    }

    /// The live issue's `updated_at`; nil when it is not open on GitHub or GitHub did not say.
    public var updatedAt: Date?
    public var times: CacheTimes
    /// `last_checked` plus `duplicate_window_seconds`; nil without `last_checked`.
    public var reuseWindowEnds: Date?
    /// A run now would use the cache as it is, without any API call.
    public var reuseWindowOpen: Bool
    /// The change is newer than the cache's last look at GitHub.
    public var changedSinceLastCheck: Bool?
    public var seenBy: SeenBy

    public init(entry: CacheDiff.Entry, times: CacheTimes, policy: RefreshPolicy, now: Date) {
        self.init(live: entry.live, times: times, policy: policy, now: now)
    }

    /// `live`: the issue as GitHub lists it open now; nil when it does not.
    public init(live: Issue?, times: CacheTimes, policy: RefreshPolicy, now: Date) {
        updatedAt = live?.updatedAt
        self.times = times
        let refresher = CacheRefresher(policy: policy)
        let shell = IssueCache(lastChecked: times.lastChecked, lastFullRefresh: times.lastFullRefresh, updatesCoveredThrough: times.cursor)
        reuseWindowOpen = refresher.kind(for: shell, now: now, force: false) == .reused
        reuseWindowEnds = times.lastChecked.map { $0.addingTimeInterval(policy.duplicateWindow) }
        changedSinceLastCheck = updatedAt.flatMap { updated in times.lastChecked.map { updated > $0 } }
        // The first refresh that asks GitHub anything: the one after the reuse window.
        let next = reuseWindowOpen ? max(now, reuseWindowEnds ?? now) : now
        let fullDue = times.lastFullRefresh.map { $0.addingTimeInterval(policy.fullRefreshInterval) }
        if refresher.kind(for: shell, now: next, force: false) != .incremental {
            seenBy = .nextFullRefresh
        } else if live == nil {
            seenBy = .closedOrDeleted(fullDue: fullDue)
        } else if let updatedAt, let cursor = times.cursor, updatedAt < cursor.addingTimeInterval(-policy.overlap) {
            seenBy = .onlyFullRefresh(due: fullDue)
        } else {
            // Newer than the cursor, or no updated_at to tell: an incremental listing carries it.
            seenBy = .nextIncremental
        }
    }
}
