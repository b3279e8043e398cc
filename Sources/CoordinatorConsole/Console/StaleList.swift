import Coordinator

/// One row of the stale view, which lists the stale entries of every repository together.
public struct StaleListing: Sendable, Equatable {
    /// The repository's position in `ConsoleState.repos`.
    public var repo: Int
    public var row: IssueRow

    public init(repo: Int, row: IssueRow) {
        self.repo = repo
        self.row = row
    }
}

/// The stale view's list: every repository's stale entries, most harmful first, then by issue
/// number. It crosses repositories, so it has a cursor of its own; the selected repository and
/// its cursor follow it, so that the detail, `d` and `p` act on the entry under the cursor.
public struct StaleList: Sendable, Equatable {
    public var rows: [StaleListing] = []
    public var cursor = 0
    public var scroll = 0

    public init() {}

    public var selected: StaleListing? { rows.indices.contains(cursor) ? rows[cursor] : nil }
}

extension ConsoleState {
    /// Lists every repository's stale rows (each already filtered and ranked by `relist`) ranked
    /// together, keeping the selected entry selected while it is listed. When the list was empty
    /// (the view was just entered) the cursor starts on `entering` — the issue selected before —
    /// when it is stale, else on the first entry of its repository. Entering never changes the
    /// selected repository: when it has no stale entry, the cursor rests on the first entry
    /// without selecting it until the operator moves. Empty outside the stale view, which is the
    /// only one that shows it.
    mutating func relistStale(entering: (repo: Int, number: Int?)? = nil) {
        guard view == .stale else {
            stale = StaleList()
            return
        }
        let onList = stale.selected.map { $0.repo == selectedRepo } ?? false
        let previous = stale.selected.map { (repo: $0.repo, number: Optional($0.row.number)) } ?? entering
        var rows: [StaleListing] = []
        for (index, repo) in repos.enumerated() {
            rows += repo.rows.map { StaleListing(repo: index, row: $0) }
        }
        rows.sort { Self.rank($0) < Self.rank($1) }
        let wasEmpty = stale.rows.isEmpty
        stale.rows = rows
        if let previous, let index = rows.firstIndex(where: { $0.repo == previous.repo && $0.row.number == previous.number }) {
            stale.cursor = index
        } else if wasEmpty, let previous, let index = rows.firstIndex(where: { $0.repo == previous.repo }) {
            stale.cursor = index
            followStaleCursor()
        } else {
            stale.cursor = min(stale.cursor, max(rows.count - 1, 0))
            // The selected entry went (synced, filtered out): the selection moves to the entry
            // now under the cursor, if the operator was on the list.
            if onList { followStaleCursor() }
        }
    }

    /// Whether the entry under the stale cursor is the selection (it is not while the selected
    /// repository has no stale entry and the operator has not moved onto the list).
    var isOnStaleList: Bool { stale.selected.map { $0.repo == selectedRepo } ?? false }

    /// Makes the entry under the stale cursor the selection: its repository selected, its row that
    /// repository's cursor.
    mutating func followStaleCursor() {
        guard view == .stale, let entry = stale.selected, repos.indices.contains(entry.repo) else { return }
        selectedRepo = entry.repo
        if let index = repos[entry.repo].rows.firstIndex(where: { $0.number == entry.row.number }) {
            repos[entry.repo].cursor = index
        }
    }

    private static func rank(_ listing: StaleListing) -> StaleRank {
        var rank = RepoStatus.staleRank(listing.row)
        rank.repo = listing.repo
        return rank
    }
}
