import Coordinator

/// The issues pane in the busy view: the selected repo's open issues carrying a busy label,
/// stuck first — stuck marker and reason, number, title, busy label, busy for, build.
extension ScreenPainter {
    struct BusyColumns {
        var stuck: Int
        var number: Int
        var title: Int
        var label: Int
        var since: Int
        var build: Int
    }

    func busyColumns(width: Int, maxNumber: Int) -> BusyColumns {
        let wide = width >= 86
        let stuck = wide ? 11 : 9
        let number = String(maxNumber).count + 1
        let label = wide ? 20 : 10
        let since = wide ? 5 : 4
        let build = wide ? 18 : 10
        // The marker column (marked with Space) and its space come first.
        let fixed = 2 + stuck + 1 + number + 1 + 1 + label + 1 + since + 1 + build
        return BusyColumns(stuck: stuck, number: number, title: max(width - fixed, 4), label: label, since: since, build: build)
    }

    mutating func paintBusyIssues() {
        let rect = layout.issues
        guard let repo = state.currentRepo else {
            box(rect, title: "Issues", focused: state.focus == .issues)
            return
        }
        let count = repo.rows.count
        var title = "Issues \(glyphs.separator) \(repo.name) \(glyphs.separator) \(state.view.title) (\(count))"
        if let survey = repo.busySurvey, survey.stuckCount > 0 { title += " \(glyphs.separator) \(survey.stuckCount) stuck" }
        if !state.filter.isEmpty { title += " \(glyphs.separator) /\(state.filter)" }
        box(rect, title: title, focused: state.focus == .issues)
        let inner = rect.inner
        guard inner.height > 1, inner.width > 10 else { return }
        let columns = busyColumns(width: inner.width, maxNumber: repo.rows.reduce(0) { max($0, $1.number) })
        var header = "  " + DisplayWidth.fit("Stuck", to: columns.stuck) + " " + DisplayWidth.fit("#", to: columns.number)
        header += " " + DisplayWidth.fit("Title", to: columns.title) + " " + DisplayWidth.fit("Busy", to: columns.label)
        header += " " + DisplayWidth.fit("For", to: columns.since) + " " + DisplayWidth.fit("Build", to: columns.build)
        text(header, row: inner.row, column: inner.column, width: inner.width, style: CellStyle(.dim, bold: true))

        let listHeight = layout.issueListHeight
        guard count > 0 else {
            text(busyEmptyMessage(repo), row: inner.row + 1, column: inner.column + 2, width: inner.width - 2, style: CellStyle(.dim))
            return
        }
        paintRows(count: count, cursor: repo.cursor, scroll: repo.scroll, height: listHeight, firstRow: inner.row + 1, pane: rect) {
            $0.paintBusyRow(repo.rows[$1], repo: repo, selected: $1 == repo.cursor, row: $2, inner: inner, columns: columns)
        }
    }

    private mutating func paintBusyRow(_ issue: IssueRow, repo: RepoStatus, selected: Bool, row: Int, inner: Rect, columns: BusyColumns) {
        let focused = state.focus == .issues
        let base = selected ? CellStyle(.selected, bold: !focused, reverse: focused) : .normal
        grid.fill(row: row, column: inner.column, width: inner.width, style: base)
        let surveyed = repo.busySurvey?.issue(issue.number)
        var column = inner.column
        if repo.marked.contains(issue.number) {
            grid.put(glyphs.marked, row: row, column: column, maxWidth: 1, style: selected ? base : CellStyle(.header, bold: true))
        }
        column += 2
        if let stuck = surveyed?.stuck {
            text("\(glyphs.failure) \(stuck.brief)", row: row, column: column, width: columns.stuck, style: selected ? base : CellStyle(.error, bold: true))
        }
        column += columns.stuck + 1
        text("#\(issue.number)", row: row, column: column, width: columns.number, style: base)
        column += columns.number + 1
        text(issue.title, row: row, column: column, width: columns.title, style: base)
        column += columns.title + 1
        text(shortStatus(issue.busyLabel), row: row, column: column, width: columns.label, style: base)
        column += columns.label + 1
        let since = surveyed?.busySince.map { ElapsedText.duration(state.now.timeIntervalSince($0)) } ?? (surveyed == nil ? "" : "?")
        text(since, row: row, column: column, width: columns.since, style: base)
        column += columns.since + 1
        let build: (String, CellStyle)
        if let surveyed {
            if let status = surveyed.build {
                build = (status.summary, status.state.isFinished && status.state != .success ? CellStyle(.error) : .normal)
            } else {
                build = ("not ours", CellStyle(.dim))
            }
        } else {
            build = (repo.surveying ? "checking\(glyphs.ellipsis)" : "", CellStyle(.dim))
        }
        text(build.0, row: row, column: column, width: columns.build, style: selected ? base : build.1)
    }

    private func busyEmptyMessage(_ repo: RepoStatus) -> String {
        if !repo.cacheLoaded && repo.live == nil { return "loading…" }
        if !state.filter.isEmpty { return "no busy issue matches the filter" }
        return "no issue carries a busy label"
    }
}
