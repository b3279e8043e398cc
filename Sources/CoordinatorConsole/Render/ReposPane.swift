/// The repos pane: per repo its counts, how fresh the live data is, a spinner while busy, and
/// the last error.
extension ScreenPainter {
    mutating func paintRepos() {
        let rect = layout.repos
        box(rect, title: "Repos", focused: state.focus == .repos)
        let inner = rect.inner
        var row = inner.row
        let bottom = inner.row + inner.height
        for (index, repo) in state.repos.enumerated() {
            guard row < bottom else { break }
            let top = row
            let selected = index == state.selectedRepo
            let nameStyle = selected
                ? CellStyle(.selected, bold: true, reverse: state.focus == .repos)
                : CellStyle(.normal, bold: true)
            grid.fill(row: row, column: inner.column, width: inner.width, style: nameStyle)
            let pointer = selected ? glyphs.pointer : " "
            let busy = repo.busy > 0 ? " " + spinnerFrame : ""
            let busyWidth = DisplayWidth.of(busy)
            text("\(pointer) \(repo.name)", row: row, column: inner.column, width: inner.width - busyWidth, style: nameStyle)
            if repo.busy > 0 {
                grid.put(busy, row: row, column: inner.column + inner.width - busyWidth, style: nameStyle)
            }
            row += 1
            let counts = repo.counts
            let lines: [(String, CellStyle)] = [
                ("  elig \(counts.eligible)  stale \(counts.stale)", counts.stale > 0 ? CellStyle(.stale) : .normal),
                ("  conf \(counts.conflicts)  err \(counts.errors)",
                 counts.errors > 0 ? CellStyle(.error) : counts.conflicts > 0 ? CellStyle(.conflict) : .normal),
                ("  " + freshness(repo), repo.liveIsOutdated ? CellStyle(.stale, bold: true) : CellStyle(.dim)),
            ]
            var shown = lines
            if let survey = repo.busySurvey {
                let stuck = survey.stuckCount
                shown.append(("  busy \(survey.issues.count)  stuck \(stuck)", stuck > 0 ? CellStyle(.error, bold: true) : .normal))
            }
            for (line, style) in shown where row < bottom {
                text(line, row: row, column: inner.column, width: inner.width, style: style)
                row += 1
            }
            if let error = repo.lastError, row < bottom {
                text("  \(glyphs.failure) \(error)", row: row, column: inner.column, width: inner.width, style: CellStyle(.error))
                row += 1
            } else if let notice = repo.cacheNotice, row < bottom {
                text("  \(glyphs.notice) \(notice)", row: row, column: inner.column, width: inner.width, style: CellStyle(.notice))
                row += 1
            }
            row = top + Self.repoBlockHeight(repo)
        }
    }

    /// The rows one repository takes in the repos pane, its blank line included: what the painter
    /// steps by and what a click is mapped with.
    static func repoBlockHeight(_ repo: RepoStatus) -> Int {
        let figures = repo.busySurvey == nil ? 3 : 4
        let message = repo.lastError != nil || repo.cacheNotice != nil ? 1 : 0
        return 1 + figures + message + 1
    }

    private func freshness(_ repo: RepoStatus) -> String {
        guard let liveAt = repo.liveAt else {
            return repo.busy > 0 ? "loading live…" : "cache only"
        }
        let text = "updated \(age(since: liveAt))"
        return repo.liveIsOutdated ? text + " (outdated)" : text
    }
}
