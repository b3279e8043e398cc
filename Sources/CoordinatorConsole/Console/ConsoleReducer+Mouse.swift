/// Mouse handling: a click selects the pane under it and the row clicked, the wheel scrolls the
/// pane under the pointer, a click on a footer hint runs the hint's intent. Positions are mapped
/// with the renderer's own layout (`ConsoleLayout`, `ListWindow`, `HintBar`), so what is clicked
/// is what is drawn there.
extension ConsoleState {
    /// Rows one wheel turn moves a list or the detail.
    static let wheelRows = 3

    mutating func handleMouse(_ event: MouseEvent, keyMap: KeyMap) -> [ConsoleEffect] {
        let layout = ConsoleLayout(size: size, showPreview: showPreview)
        // Coordinates come from the terminal: anything off the screen we drew is dropped.
        guard !layout.isTooSmall, (0..<size.rows).contains(event.row), (0..<size.columns).contains(event.column) else { return [] }
        if let modal {
            // A modal answers keys only (No stays the default); a click closes the help.
            if modal == .help, event.kind == .click { self.modal = nil }
            return []
        }
        if quitting { return [] }
        if log != nil {
            // Over the build log the wheel scrolls it and a click on one of its hints presses that
            // key; a click elsewhere does nothing (the panes under the log are not shown).
            switch event.kind {
            case .click:
                guard layout.hints.contains(row: event.row, column: event.column) else { return [] }
                let rateWidth = DisplayWidth.of(HintBar.rateText(rateLimit))
                guard let hit = HintBar.placements(keyMap: keyMap, width: layout.hints.width, rateWidth: rateWidth, inLog: true)
                    .first(where: { event.column >= $0.column && event.column < $0.column + $0.width }),
                    let key = keyMap.binding(for: hit.intent)?.keys.first
                else { return [] }
                return handleKey(key, keyMap: keyMap)
            case .wheelUp: return scrollLog(by: -Self.wheelRows)
            case .wheelDown: return scrollLog(by: Self.wheelRows)
            }
        }
        switch event.kind {
        case .click:
            return click(row: event.row, column: event.column, layout: layout, keyMap: keyMap)
        case .wheelUp:
            return wheel(by: -Self.wheelRows, row: event.row, column: event.column, layout: layout)
        case .wheelDown:
            return wheel(by: Self.wheelRows, row: event.row, column: event.column, layout: layout)
        }
    }

    private mutating func click(row: Int, column: Int, layout: ConsoleLayout, keyMap: KeyMap) -> [ConsoleEffect] {
        // A click ends typing the filter (which stays), as Tab does.
        isEditingFilter = false
        if layout.hints.contains(row: row, column: column) {
            let rateWidth = DisplayWidth.of(HintBar.rateText(rateLimit))
            let hit = HintBar.placements(keyMap: keyMap, width: layout.hints.width, rateWidth: rateWidth)
                .first { column >= $0.column && column < $0.column + $0.width }
            guard let hit else { return [] }
            return perform(hit.intent)
        }
        if layout.repos.contains(row: row, column: column) {
            // The history lists every repository: there the repos pane only shows.
            guard history == nil else { return [] }
            focus = .repos
            guard let index = repoIndex(atScreenRow: row, layout: layout) else { return [] }
            return selectRepo(index)
        }
        if layout.issues.contains(row: row, column: column) {
            focus = .issues
            guard let index = listIndex(atScreenRow: row, layout: layout) else { return [] }
            if history != nil {
                moveHistoryCursor(to: index)
                return []
            }
            return moveCursor(to: index)
        }
        if layout.detail.contains(row: row, column: column) {
            if history == nil || history?.selected != nil { focus = .detail }
            return []
        }
        return []
    }

    private mutating func wheel(by delta: Int, row: Int, column: Int, layout: ConsoleLayout) -> [ConsoleEffect] {
        if layout.repos.contains(row: row, column: column) {
            // One repository per turn: each is a selection, not a line.
            guard history == nil else { return [] }
            return selectRepo(selectedRepo + delta.signum())
        }
        if layout.issues.contains(row: row, column: column) {
            if let list = history {
                moveHistoryCursor(to: list.cursor + delta)
                return []
            }
            if view == .stale {
                // Off the list (its repo has no stale entry), the first turn selects the entry under the cursor.
                return moveCursor(to: stale.cursor + (isOnStaleList ? delta : 0))
            }
            return moveCursor(to: (currentRepo?.cursor ?? 0) + delta)
        }
        if layout.detail.contains(row: row, column: column) {
            detailScroll = max(0, detailScroll + delta)
        }
        return []
    }

    /// The list row drawn at screen row `row` of the issues pane, in the list shown (issues of
    /// the view, the stale list or the history), as `paintRows` scrolled it; nil off the rows.
    func listIndex(atScreenRow row: Int, layout: ConsoleLayout) -> Int? {
        let height = layout.issueListHeight
        let offset = row - layout.issueListTop
        guard offset >= 0, offset < height else { return nil }
        let count: Int
        let scroll: Int
        if let list = history {
            (count, scroll) = (list.rows.count, list.scroll)
        } else if view == .stale {
            (count, scroll) = (stale.rows.count, stale.scroll)
        } else if let repo = currentRepo {
            (count, scroll) = (repo.rows.count, repo.scroll)
        } else {
            return nil
        }
        let index = ListWindow.first(count: count, scroll: scroll, height: height) + offset
        return index < count ? index : nil
    }

    /// The repository whose block in the repos pane covers screen row `row`.
    func repoIndex(atScreenRow row: Int, layout: ConsoleLayout) -> Int? {
        var top = layout.repos.inner.row
        for (index, repo) in repos.enumerated() {
            let height = ScreenPainter.repoBlockHeight(repo)
            if row >= top, row < top + height { return index }
            top += height
        }
        return nil
    }
}
