import Coordinator

/// What the marker column says about an issue, most urgent first.
public enum RowMarker: Sendable, Equatable {
    case dispatched
    case conflict
    case stale
    case none
}

/// One line of the issues pane, derived from cache, live data and session history when they
/// change, so that drawing 10 000 issues costs only the visible rows.
public struct IssueRow: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var cachedStatus: String?
    public var liveStatus: String?
    /// nil while no live data has been loaded.
    public var diff: CacheDiff.Kind?
    /// What the stale cache entry would make a run inside the reuse window do; nil when in sync
    /// or while no live data has been loaded.
    public var consequence: StaleConsequence?
    public var eligibility: Eligibility
    /// The busy label the issue carries now (live when loaded, else cached), if it is open.
    public var busyLabel: String?
    public var marker: RowMarker
    public var inCache: Bool
    public var isLive: Bool
    /// Title and every cached and live label, lower-cased and one per line: what `/` searches,
    /// made once per data change instead of once per key press.
    public var searchText: String

    public var workflow: WorkflowName? { eligibility.route?.workflow }
    public var isStale: Bool { diff.map { $0 != .inSync } ?? false }
}
