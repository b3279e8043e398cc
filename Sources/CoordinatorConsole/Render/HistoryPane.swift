import Coordinator
import Foundation

/// The history view (`H`): the audit trail of every repository in the issues pane, newest first,
/// and the selected entry's facts in full in the detail pane. Titles, labels and `by` are text
/// from outside: the grid turns control characters into spaces, as it does for issue titles.
extension ScreenPainter {
    struct HistoryColumns {
        var when: Int
        var repo: Int
        var number: Int
        var ended: Int
        var build: Int
        var by: Int
        var what: Int
    }

    func historyColumns(width: Int, rows: [HistoryEntry]) -> HistoryColumns {
        let when = width >= 110 ? 20 : 11
        let repo = min(max(rows.map { DisplayWidth.of($0.repo) }.max() ?? 4, 4), 12)
        let number = String(rows.map(\.issue).max() ?? 0).count + 1
        let ended = 10
        let build = width >= 80 ? 13 : 0
        let longestBy = rows.map { DisplayWidth.of(Self.who($0.by)) }.max() ?? 2
        let others = when + 1 + repo + 1 + number + 1 + ended + 1 + (build > 0 ? build + 1 : 0)
        // The workflow and move keep at least 12 columns; `by` gives way first.
        let by = max(min(max(longestBy, 2), width >= 110 ? 32 : 20, width - others - 13), 2)
        let fixed = others + by + 1
        return HistoryColumns(when: when, repo: repo, number: number, ended: ended, build: build, by: by, what: max(width - fixed, 4))
    }

    /// `user@host (console)` as `(console) user@host`: how it was made stays visible in a narrow
    /// column.
    static func who(_ by: String?) -> String {
        guard let by, by.hasSuffix(")"), let open = by.range(of: " (", options: .backwards) else { return by ?? "–" }
        return String(by[by.index(after: open.lowerBound)...]) + " " + String(by[..<open.lowerBound])
    }

    /// `2026-12-06T02:47:12Z` as `12-06 02:47` in a narrow column.
    static func when(_ startedAt: String, width: Int) -> String {
        guard width < 20, startedAt.count >= 16 else { return startedAt }
        let characters = Array(startedAt)
        return String(characters[5..<10]) + " " + String(characters[11..<16])
    }

    func endedStyle(_ ended: String) -> CellStyle {
        switch ended {
        case "done": return CellStyle(.success)
        case "failed": return CellStyle(.error, bold: true)
        case "unfinished": return CellStyle(.stale, bold: true)
        case "recovered", "unstick": return CellStyle(.notice)
        default: return CellStyle(.dim)
        }
    }

    mutating func paintHistory() {
        let rect = layout.issues
        guard let list = state.history else { return }
        var title = "History \(glyphs.separator) all repos (\(list.rows.count))"
        if !state.filter.isEmpty { title += " \(glyphs.separator) /\(state.filter)" }
        box(rect, title: title, focused: state.focus == .issues)
        let inner = rect.inner
        guard inner.height > 1, inner.width > 10 else { return }
        let columns = historyColumns(width: inner.width, rows: list.rows)
        var header = DisplayWidth.fit("When", to: columns.when) + " " + DisplayWidth.fit("Repo", to: columns.repo)
        header += " " + DisplayWidth.fit("#", to: columns.number) + " " + DisplayWidth.fit("Ended", to: columns.ended)
        if columns.build > 0 { header += " " + DisplayWidth.fit("Build", to: columns.build) }
        header += " " + DisplayWidth.fit("By", to: columns.by) + " " + DisplayWidth.fit("Workflow, label move", to: columns.what)
        text(header, row: inner.row, column: inner.column, width: inner.width, style: CellStyle(.dim, bold: true))

        let listHeight = layout.issueListHeight
        guard !list.rows.isEmpty else {
            let message: String
            if list.loading { message = "reading the history…" }
            else if let error = list.error { message = "history could not be read: \(error)" }
            else if !state.filter.isEmpty { message = "no history entry matches the filter" }
            else { message = "no dispatch or unstick recorded yet" }
            text(message, row: inner.row + 1, column: inner.column + 2, width: inner.width - 2, style: CellStyle(.dim))
            return
        }
        let count = list.rows.count
        paintRows(count: count, cursor: list.cursor, scroll: list.scroll, height: listHeight, firstRow: inner.row + 1, pane: rect) {
            $0.paintHistoryRow(list.rows[$1], selected: $1 == list.cursor, row: $2, inner: inner, columns: columns)
        }
    }

    private mutating func paintHistoryRow(_ entry: HistoryEntry, selected: Bool, row: Int, inner: Rect, columns: HistoryColumns) {
        let focused = state.focus == .issues
        let base = selected ? CellStyle(.selected, bold: !focused, reverse: focused) : .normal
        grid.fill(row: row, column: inner.column, width: inner.width, style: base)
        var column = inner.column
        text(Self.when(entry.startedAt, width: columns.when), row: row, column: column, width: columns.when, style: selected ? base : CellStyle(.dim))
        column += columns.when + 1
        text(entry.repo, row: row, column: column, width: columns.repo, style: base)
        column += columns.repo + 1
        text("#\(entry.issue)", row: row, column: column, width: columns.number, style: base)
        column += columns.number + 1
        text(entry.ended, row: row, column: column, width: columns.ended, style: selected ? base : endedStyle(entry.ended))
        column += columns.ended + 1
        if columns.build > 0 {
            text(entry.build ?? (entry.queueID.map { "queue \($0)" } ?? ""), row: row, column: column, width: columns.build, style: base)
            column += columns.build + 1
        }
        text(Self.who(entry.by), row: row, column: column, width: columns.by, style: base)
        column += columns.by + 1
        let what = entry.isUnstick ? "unstick: \(entry.move)" : "\(entry.workflow ?? "dispatch") \(entry.move)"
        text(what, row: row, column: column, width: columns.what, style: base)
    }

    mutating func paintHistoryDetail() {
        let rect = layout.detail
        guard let entry = state.history?.selected else {
            box(rect, title: "Detail", focused: state.focus == .detail)
            return
        }
        box(rect, title: "\(entry.repo) #\(entry.issue) \(entry.kind)", focused: state.focus == .detail)
        let inner = rect.inner
        guard inner.height > 0, inner.width > 4 else { return }
        let facts = entry.facts
        if let url = entry.buildURL { grid.offerLink(url) }
        let nameWidth = (facts.map { DisplayWidth.of($0.name) }.max() ?? 8) + 2
        // Long values (the state in words, a build URL) wrap instead of being cut.
        var lines: [Line] = []
        let room = max(inner.width - nameWidth, 8)
        for fact in facts {
            let chunks = Self.wrap(fact.value, width: room)
            for (index, chunk) in chunks.enumerated() {
                let name = index == 0 ? DisplayWidth.fit(fact.name, to: nameWidth) : String(repeating: " ", count: nameWidth)
                let style = fact.name == "ended" ? endedStyle(entry.ended) : CellStyle(.normal)
                lines.append([(name, CellStyle(.dim)), (chunk, style)])
            }
        }
        paintScrolled(lines, in: rect)
    }

    /// Cuts `text` into pieces of at most `width` columns (by characters; no word breaking).
    static func wrap(_ text: String, width: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        var used = 0
        for character in text {
            let w = max(DisplayWidth.of(character), 1)
            if used + w > width, !current.isEmpty {
                pieces.append(current)
                current = ""
                used = 0
            }
            current.append(character)
            used += w
        }
        pieces.append(current)
        return pieces
    }
}
