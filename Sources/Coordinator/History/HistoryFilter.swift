import Foundation

/// Which dispatches and unsticks an audit lists: `coordinator history --issue N --since DATE`,
/// and `serve`'s `GET /api/history?issue=N&since=DATE`, which answers what the command prints.
public struct HistoryFilter: Sendable, Equatable {
    /// Only this issue's.
    public var issue: Int?
    /// Only those with a record (a step or a note) at or after this time (`HistoryEntry.since`
    /// reads `2026-12-01` or an ISO-8601 time).
    public var since: Date?

    public init(issue: Int? = nil, since: Date? = nil) {
        self.issue = issue
        self.since = since
    }

    /// Everything.
    public static let all = HistoryFilter()

    public func admits(_ summary: DispatchSummary) -> Bool {
        (issue.map { summary.issue == $0 } ?? true) && (since.map { summary.lastTime >= $0 } ?? true)
    }
}
