import Coordinator

/// The issues pane in the stale view: every repository's stale entries, most harmful first, the
/// consequence leading each row, then repo, number, title, and cached and live status.
extension ScreenPainter {
    struct StaleColumns {
        var consequence: Int
        var shortConsequence: Bool
        var repo: Int
        var number: Int
        var title: Int
        var status: Int
    }

    func staleColumns(width: Int, rows: [StaleListing]) -> StaleColumns {
        let short = width < 86
        let consequence = short
            ? StaleConsequence.allCases.map { DisplayWidth.of(Self.brief($0)) }.max() ?? 8
            : StaleConsequence.allCases.map { DisplayWidth.of($0.description) }.max() ?? 20
        let longestRepo = rows.map { DisplayWidth.of(state.repos[$0.repo].name) }.max() ?? 4
        let repo = min(max(longestRepo, 4), short ? 10 : 16)
        let number = String(rows.map(\.row.number).max() ?? 0).count + 1
        let status = width >= 110 ? 20 : width >= 86 ? 14 : 10
        let fixed = consequence + 1 + repo + 1 + number + 1 + 2 * (status + 1)
        return StaleColumns(
            consequence: consequence, shortConsequence: short, repo: repo, number: number,
            title: max(width - fixed, 4), status: status)
    }

    /// `again`, `miss`, `harmless`: the consequence in a narrow pane.
    static func brief(_ consequence: StaleConsequence) -> String {
        switch consequence {
        case .wouldDispatchAgain: return "again"
        case .wouldMiss: return "miss"
        case .harmless: return "harmless"
        }
    }

    func consequenceStyle(_ consequence: StaleConsequence) -> CellStyle {
        switch consequence {
        case .wouldDispatchAgain: return CellStyle(.error, bold: true)
        case .wouldMiss: return CellStyle(.stale, bold: true)
        case .harmless: return CellStyle(.dim)
        }
    }

    mutating func paintStaleIssues() {
        let rect = layout.issues
        let list = state.stale
        var title = "Issues \(glyphs.separator) all repos \(glyphs.separator) \(state.view.title) (\(list.rows.count))"
        if !state.filter.isEmpty { title += " \(glyphs.separator) /\(state.filter)" }
        box(rect, title: title, focused: state.focus == .issues)
        let inner = rect.inner
        guard inner.height > 1, inner.width > 10 else { return }
        let columns = staleColumns(width: inner.width, rows: list.rows)
        var header = DisplayWidth.fit(columns.shortConsequence ? "Effect" : "Consequence", to: columns.consequence)
        header += " " + DisplayWidth.fit("Repo", to: columns.repo) + " " + DisplayWidth.fit("#", to: columns.number)
        header += " " + DisplayWidth.fit("Title", to: columns.title)
        header += " " + DisplayWidth.fit("Cached", to: columns.status) + " " + DisplayWidth.fit("Live", to: columns.status)
        text(header, row: inner.row, column: inner.column, width: inner.width, style: CellStyle(.dim, bold: true))

        let listHeight = layout.issueListHeight
        guard !list.rows.isEmpty else {
            text(staleEmptyMessage, row: inner.row + 1, column: inner.column + 2, width: inner.width - 2, style: CellStyle(.dim))
            return
        }
        let count = list.rows.count
        paintRows(count: count, cursor: list.cursor, scroll: list.scroll, height: listHeight, firstRow: inner.row + 1, pane: rect) {
            let listing = list.rows[$1]
            $0.paintStaleRow(listing, selected: $1 == list.cursor && listing.repo == $0.state.selectedRepo, row: $2, inner: inner, columns: columns)
        }
    }

    private mutating func paintStaleRow(_ listing: StaleListing, selected: Bool, row: Int, inner: Rect, columns: StaleColumns) {
        let issue = listing.row
        let focused = state.focus == .issues
        let base = selected ? CellStyle(.selected, bold: !focused, reverse: focused) : .normal
        grid.fill(row: row, column: inner.column, width: inner.width, style: base)
        var column = inner.column
        let consequence = issue.consequence ?? .harmless
        let words = columns.shortConsequence ? Self.brief(consequence) : consequence.description
        text(words, row: row, column: column, width: columns.consequence, style: selected ? base : consequenceStyle(consequence))
        column += columns.consequence + 1
        text(state.repos[listing.repo].name, row: row, column: column, width: columns.repo, style: selected ? base : CellStyle(.dim))
        column += columns.repo + 1
        text("#\(issue.number)", row: row, column: column, width: columns.number, style: base)
        column += columns.number + 1
        text(issue.title, row: row, column: column, width: columns.title, style: base)
        column += columns.title + 1
        let cached = issue.inCache ? shortStatus(issue.cachedStatus) : "(new)"
        let live = issue.isLive ? shortStatus(issue.liveStatus) : "(gone)"
        let differs = cached != live
        text(cached, row: row, column: column, width: columns.status, style: base)
        column += columns.status + 1
        text(live, row: row, column: column, width: columns.status, style: selected ? base : CellStyle(differs ? .stale : .normal, bold: differs))
    }

    private var staleEmptyMessage: String {
        if state.repos.allSatisfy({ !$0.cacheLoaded && $0.live == nil }) { return "loading…" }
        if !state.filter.isEmpty { return "no stale entry matches the filter" }
        if state.repos.allSatisfy({ $0.live == nil }) { return "no live data yet (r refreshes)" }
        return "every cache matches live GitHub"
    }
}
