import Foundation

/// One issue as an operator's action (a dispatch, an unstick) left it: its cache entry and its
/// newest dispatch or unstick in the history. A face patches what it shows with it instead of
/// reading the whole cache and history again.
public struct IssueChange: Codable, Sendable, Equatable {
    public var number: Int
    /// The cache entry as the locked session left it; nil when the issue is not cached.
    public var cached: Issue?
    /// The issue's newest dispatch or unstick, as the history now holds it.
    public var history: DispatchSummary?

    public init(number: Int, cached: Issue?, history: DispatchSummary?) {
        self.number = number
        self.cached = cached
        self.history = history
    }

    /// The entries of `after` that differ from `before` (changed, added or gone), by number, each
    /// with the issue's newest dispatch or unstick in `history`.
    public static func changes(from before: [Int: Issue], to after: [Int: Issue], history: HistoryProjection) -> [IssueChange] {
        Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
            .map { IssueChange(number: $0, cached: after[$0], history: history.last(issue: $0)) }
    }
}

/// An operator's dispatch: what happened, and the issue as it left it (nil when no locked session
/// could start, so nothing changed).
public struct OperatorDispatch: Codable, Sendable, Equatable {
    public var outcome: DispatchOutcome
    public var change: IssueChange?

    public init(outcome: DispatchOutcome, change: IssueChange? = nil) {
        self.outcome = outcome
        self.change = change
    }
}

extension LockedRepo {
    /// Issue `number` as this session leaves it.
    public func change(of number: Int) -> IssueChange {
        IssueChange(number: number, cached: cache.issues[number], history: service.history.current().last(issue: number))
    }

}
