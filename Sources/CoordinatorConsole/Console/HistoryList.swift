import Coordinator
import Foundation

/// The history view (`H`): the audit trail of every repository, newest first, as
/// `coordinator history` words it. The console's filter (`/`) narrows it; it has a cursor of its
/// own and the detail pane shows the selected entry's facts in full.
public struct HistoryList: Sendable, Equatable {
    /// Everything read, newest first.
    public var entries: [HistoryEntry] = []
    /// The entries the filter lets through.
    public var rows: [HistoryEntry] = []
    public var cursor = 0
    public var scroll = 0
    public var loading = true
    public var loadedAt: Date?
    public var error: String?

    public init() {}

    public var selected: HistoryEntry? { rows.indices.contains(cursor) ? rows[cursor] : nil }

    /// Lists the entries whose line, outcome or build URL contains `filter` (any case), keeping
    /// the selected entry selected while it is listed.
    mutating func relist(filter: String) {
        let previous = selected?.dispatchID
        let needle = filter.lowercased()
        rows = needle.isEmpty ? entries : entries.filter { entry in
            entry.line.lowercased().contains(needle) || entry.ended.contains(needle)
                || (entry.buildURL?.lowercased().contains(needle) ?? false)
        }
        if let previous, let index = rows.firstIndex(where: { $0.dispatchID == previous }) {
            cursor = index
        } else {
            cursor = min(cursor, max(rows.count - 1, 0))
        }
    }
}

extension ConsoleState {
    /// `H`: opens the history view (reading the trail afresh) or closes it.
    mutating func toggleHistory() -> [ConsoleEffect] {
        if history != nil {
            history = nil
            focus = .issues
            detailScroll = 0
            return []
        }
        history = HistoryList()
        focus = .issues
        detailScroll = 0
        return loadHistory()
    }

    mutating func loadHistory() -> [ConsoleEffect] {
        let key = TaskKey(.history, repo: "")
        guard running[key] == nil else { return [] }
        history?.loading = true
        beginTask(key, "reading the history")
        return [.loadHistory]
    }

    mutating func historyLoaded(_ result: Result<HistoryAudit, ConsoleFailure>, at: Date) {
        endTask(TaskKey(.history, repo: ""))
        guard history != nil else { return }
        history?.loading = false
        switch result {
        case let .success(audit):
            history?.entries = audit.entries
            history?.loadedAt = at
            history?.error = nil
            history?.relist(filter: filter)
            if let notice = audit.notices.first {
                report(.notice, audit.notices.count == 1 ? "history: \(notice)" : "history: \(notice) (and \(audit.notices.count - 1) more)")
            }
        case let .failure(failure):
            history?.error = failure.message
            report(.failure, "history could not be read: \(failure.message)")
        }
        keepHistoryCursorVisible()
    }

    /// Moves the history cursor to `position` (clamped).
    mutating func moveHistoryCursor(to position: Int) {
        guard var list = history, !list.rows.isEmpty else { return }
        let clamped = min(max(position, 0), list.rows.count - 1)
        guard clamped != list.cursor else { return }
        list.cursor = clamped
        history = list
        detailScroll = 0
        keepHistoryCursorVisible()
    }

    mutating func keepHistoryCursorVisible() {
        guard var list = history else { return }
        let height = max(1, ConsoleLayout(size: size, showPreview: showPreview).issueListHeight)
        let count = list.rows.count
        list.cursor = min(max(list.cursor, 0), max(count - 1, 0))
        if list.cursor < list.scroll { list.scroll = list.cursor }
        if list.cursor >= list.scroll + height { list.scroll = list.cursor - height + 1 }
        list.scroll = min(max(list.scroll, 0), max(count - height, 0))
        history = list
    }

    /// `o`: the URL of what is selected — in the history view the entry's build (else its issue),
    /// otherwise the selected issue — opened by the effect runner when there is a display, else
    /// shown in the footer.
    mutating func openLink() -> [ConsoleEffect] {
        let url: String?
        let what: String
        if let list = history {
            guard let entry = list.selected else {
                report(.notice, "no history entry selected")
                return []
            }
            if let build = entry.buildURL, !build.isEmpty {
                url = build
                what = "build of #\(entry.issue)"
            } else {
                let repo = repos.first { $0.name == entry.repo }
                url = repo.flatMap { $0.current(entry.issue)?.url }.flatMap { $0.isEmpty ? nil : $0 }
                    ?? repo.flatMap { Self.issueURL(in: $0, number: entry.issue) }
                what = "#\(entry.issue)"
            }
        } else {
            guard let repo = currentRepo, let row = repo.selectedRow else {
                report(.notice, "no issue selected")
                return []
            }
            let known = repo.current(row.number)?.url ?? ""
            url = known.isEmpty ? Self.issueURL(in: repo, number: row.number) : known
            what = "#\(row.number)"
        }
        guard let url, !url.isEmpty else {
            report(.notice, "\(what): no URL known")
            return []
        }
        guard canOpenLinks else {
            report(.notice, "\(what): \(url)")
            return []
        }
        report(.success, "opening \(what): \(url)")
        return [.openURL(url)]
    }

    /// An issue's web page when the issue itself is not known (closed since, only in the
    /// history): another issue's page of the same repository with the number swapped, so a GitHub
    /// Enterprise host stays right; nil when no issue of the repository carries a URL.
    static func issueURL(in repo: RepoStatus, number: Int) -> String? {
        let known = (repo.live.map { Array($0.values) } ?? []) + Array(repo.cached.values)
        guard let sample = known.lazy.map(\.url).first(where: { $0.contains("/issues/") }),
            let range = sample.range(of: "/issues/", options: .backwards)
        else { return nil }
        return String(sample[..<range.upperBound]) + String(number)
    }
}
