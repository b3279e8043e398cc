/// Which issues the issues pane lists; `v` cycles through them.
public enum IssueView: String, Sendable, Equatable, CaseIterable {
    /// Issues a run would dispatch now (live data when loaded, else the cache), plus those
    /// dispatched in this session so their `→` stays visible.
    case eligible
    /// Every repository's issues whose cache entry differs from live, most harmful first (would
    /// dispatch again, would miss, harmless), then by number.
    case stale
    /// The selected repository's open issues carrying a busy label: busy label, for how long, the
    /// build, and whether they are stuck (stuck first).
    case busy
    /// Every cached issue, and those only live.
    case all

    public var next: IssueView {
        switch self {
        case .eligible: return .stale
        case .stale: return .busy
        case .busy: return .all
        case .all: return .eligible
        }
    }

    public var title: String {
        switch self {
        case .eligible: return "eligible"
        case .stale: return "stale"
        case .busy: return "busy"
        case .all: return "all cached"
        }
    }
}

/// The panes focus moves between.
public enum Pane: Int, Sendable, Equatable, CaseIterable {
    case repos, issues, detail
}
