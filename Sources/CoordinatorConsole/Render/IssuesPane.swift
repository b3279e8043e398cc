/// The issues pane: marker, number, title, cached and live status side by side, workflow. Only the
/// visible slice of the rows is drawn, so 10 000 issues cost what 30 do.
extension ScreenPainter {
    struct IssueColumns {
        var number: Int
        var title: Int
        var status: Int
        var workflow: Int
    }

    func issueColumns(width: Int, maxNumber: Int) -> IssueColumns {
        let number = String(maxNumber).count + 1
        let status = width >= 110 ? 22 : width >= 86 ? 20 : width >= 70 ? 14 : 10
        let workflow = width >= 64 ? 11 : 0
        // marker + space, number + space, then title, two status columns and the workflow, each
        // preceded by a space.
        let fixed = 2 + number + 1 + 2 * (status + 1) + (workflow > 0 ? workflow + 1 : 0)
        return IssueColumns(number: number, title: max(width - fixed, 4), status: status, workflow: workflow)
    }

    mutating func paintIssues() {
        let rect = layout.issues
        if state.history != nil {
            paintHistory()
            return
        }
        if state.view == .stale {
            paintStaleIssues()
            return
        }
        if state.view == .busy {
            paintBusyIssues()
            return
        }
        guard let repo = state.currentRepo else {
            box(rect, title: "Issues", focused: state.focus == .issues)
            return
        }
        let count = repo.rows.count
        var title = "Issues \(glyphs.separator) \(repo.name) \(glyphs.separator) \(state.view.title) (\(count))"
        if !state.filter.isEmpty { title += " \(glyphs.separator) /\(state.filter)" }
        box(rect, title: title, focused: state.focus == .issues)
        let inner = rect.inner
        guard inner.height > 1, inner.width > 10 else { return }
        let maxNumber = repo.rows.reduce(0) { max($0, $1.number) }
        let columns = issueColumns(width: inner.width, maxNumber: maxNumber)

        var header = "  " + DisplayWidth.fit("#", to: columns.number) + " " + DisplayWidth.fit("Title", to: columns.title)
        header += " " + DisplayWidth.fit("Cached", to: columns.status) + " " + DisplayWidth.fit("Live", to: columns.status)
        if columns.workflow > 0 { header += " " + DisplayWidth.fit("Workflow", to: columns.workflow) }
        text(header, row: inner.row, column: inner.column, width: inner.width, style: CellStyle(.dim, bold: true))

        let listHeight = layout.issueListHeight
        if count == 0 {
            text(emptyMessage(repo), row: inner.row + 1, column: inner.column + 2, width: inner.width - 2, style: CellStyle(.dim))
            return
        }
        paintRows(count: count, cursor: repo.cursor, scroll: repo.scroll, height: listHeight, firstRow: inner.row + 1, pane: rect) {
            $0.paintIssueRow(repo.rows[$1], selected: $1 == repo.cursor, marked: repo.marked.contains(repo.rows[$1].number), row: $2, inner: inner, columns: columns)
        }
    }

    private mutating func paintIssueRow(_ issue: IssueRow, selected: Bool, marked: Bool, row: Int, inner: Rect, columns: IssueColumns) {
        let focused = state.focus == .issues
        let base = selected ? CellStyle(.selected, bold: !focused, reverse: focused) : .normal
        grid.fill(row: row, column: inner.column, width: inner.width, style: base)
        var column = inner.column
        let (marker, markerRole): (String, StyleRole) = {
            if marked { return (glyphs.marked, .header) }
            switch issue.marker {
            case .dispatched: return (glyphs.dispatched, .dispatched)
            case .conflict: return (glyphs.conflict, .conflict)
            case .stale: return (glyphs.stale, .stale)
            case .none: return (" ", .normal)
            }
        }()
        grid.put(marker, row: row, column: column, maxWidth: 1, style: selected ? base : CellStyle(markerRole, bold: true))
        column += 2
        text("#\(issue.number)", row: row, column: column, width: columns.number, style: base)
        column += columns.number + 1
        text(issue.title, row: row, column: column, width: columns.title, style: base)
        column += columns.title + 1

        let cached = issue.inCache ? shortStatus(issue.cachedStatus) : "(new)"
        let live: String
        if issue.diff == nil {
            live = "?"
        } else if !issue.isLive {
            live = "(gone)"
        } else {
            live = shortStatus(issue.liveStatus)
        }
        let differs = issue.isStale && cached != live
        text(cached, row: row, column: column, width: columns.status, style: base)
        column += columns.status + 1
        text(live, row: row, column: column, width: columns.status, style: selected ? base : CellStyle(differs ? .stale : .normal, bold: differs))
        column += columns.status + 1
        if columns.workflow > 0 {
            let workflow = issue.workflow?.rawValue ?? (issue.eligibility.isConflict ? "conflict" : "")
            text(workflow, row: row, column: column, width: columns.workflow, style: selected ? base : CellStyle(issue.workflow == nil ? .dim : .normal))
        }
    }

    /// `status-02:awaiting-planning` → `02:awaiting-planning`: the prefix is the same on every label.
    func shortStatus(_ label: String?) -> String {
        guard let label else { return glyphs.none }
        return label.hasPrefix("status-") ? String(label.dropFirst("status-".count)) : label
    }

    private func emptyMessage(_ repo: RepoStatus) -> String {
        if !repo.cacheLoaded && repo.live == nil { return "loading…" }
        if !state.filter.isEmpty { return "no issue matches the filter" }
        switch state.view {
        case .eligible: return "no eligible issue (v shows stale or all)"
        case .stale: return repo.live == nil ? "no live data yet (r refreshes)" : "the cache matches live GitHub"
        case .busy: return "no issue carries a busy label"
        case .all: return "no issues"
        }
    }
}
