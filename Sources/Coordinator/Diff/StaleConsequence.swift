/// What a stale cache entry would make a run inside the reuse window do wrong — the operator's
/// first question about it. Cases are ordered most harmful first.
public enum StaleConsequence: Int, Sendable, Equatable, Comparable, CaseIterable, CustomStringConvertible {
    /// The cache says eligible; live the issue is busy, closed or otherwise changed. A run inside
    /// the reuse window plans a dispatch from the cache: the dispatcher's live re-read refuses it,
    /// but the cache is lying.
    case wouldDispatchAgain
    /// Live the issue is eligible; the cache has it ineligible or lacks it. A run inside the reuse
    /// window does not dispatch it.
    case wouldMiss
    /// Neither: a title, labels outside the workflow, the state of an ineligible issue.
    case harmless

    /// Classifies the cached and the live issue with `rules` (nil: absent on that side — not yet
    /// cached, or no longer open on GitHub). The cache "would dispatch" an issue it holds as
    /// eligible along a route live does not confirm; it "would miss" one live holds as eligible
    /// while it holds it as ineligible.
    public init(cached: Issue?, live: Issue?, rules: WorkflowRules) {
        let cachedRoute = cached.flatMap { rules.classify($0).route }
        let liveRoute = live.flatMap { rules.classify($0).route }
        if let cachedRoute, cachedRoute != liveRoute {
            self = .wouldDispatchAgain
        } else if liveRoute != nil, cachedRoute == nil {
            self = .wouldMiss
        } else {
            self = .harmless
        }
    }

    public static func < (a: StaleConsequence, b: StaleConsequence) -> Bool { a.rawValue < b.rawValue }

    /// `would dispatch again`, `would miss`, `harmless`.
    public var description: String {
        switch self {
        case .wouldDispatchAgain: return "would dispatch again"
        case .wouldMiss: return "would miss"
        case .harmless: return "harmless"
        }
    }

    /// The JSON value: `would_dispatch_again`, `would_miss`, `harmless`.
    public var code: String {
        switch self {
        case .wouldDispatchAgain: return "would_dispatch_again"
        case .wouldMiss: return "would_miss"
        case .harmless: return "harmless"
        }
    }
}
