import Coordinator
import Foundation

/// The dry-run plan of one issue, as far as it has been fetched.
public enum PreviewStatus: Sendable, Equatable {
    case loading
    case ready(PlanOutcome)
    case failed(String)
}

public enum DispatchMark: Sendable, Equatable {
    case inFlight
    /// The job runs: dispatched now, or an interrupted dispatch finished.
    case dispatched(DispatchReceipt, at: Date)
    case skipped(SkipReason)
    case failed(DispatchFailure)
}

extension DispatchFailure {
    /// How the console names a failure: the stage tells the operator what did and did not happen.
    public var consoleText: String { "\(stage.rawValue): \(message)" }
}

/// Everything the console knows about one repository.
public struct RepoStatus: Sendable, Equatable {
    public var repo: ConsoleRepo
    public var cached: [Int: Issue] = [:]
    public var cacheLoaded = false
    public var cacheNotice: String?
    /// The last successful live listing, kept when a later refresh fails.
    public var live: [Int: Issue]?
    public var liveAt: Date?
    /// The last refresh failed: `live` is older than the operator may think.
    public var liveIsOutdated = false
    /// Backend calls in flight for this repo (refresh, sync, dispatch).
    public var busy = 0
    public var lastError: String?
    public var previews: [Int: PreviewStatus] = [:]
    public var dispatches: [Int: DispatchMark] = [:]
    /// The ledger's newest entry per issue: dispatches by anyone, this session or not.
    public var ledger: [Int: LedgerRecord] = [:]

    /// Derived by `rebuildRows`; the issues pane draws a slice of it.
    public private(set) var rows: [IssueRow] = []
    public private(set) var counts = RepoCounts()
    public var cursor = 0
    public var scroll = 0

    public init(repo: ConsoleRepo) {
        self.repo = repo
    }

    public var name: String { repo.name }
    public var selectedRow: IssueRow? { rows.indices.contains(cursor) ? rows[cursor] : nil }

    /// The issue as it is now: live when loaded, else cached.
    public func current(_ number: Int) -> Issue? {
        if let live { return live[number] }
        return cached[number]
    }

    /// Recomputes rows and counts for `view` and `filter`, keeping the selected issue selected
    /// when it is still listed.
    public mutating func rebuildRows(view: IssueView, filter: String) {
        let selected = selectedRow?.number
        let rules = repo.rules
        var all: [IssueRow] = []
        var counts = RepoCounts()
        let diffByNumber: [Int: CacheDiff.Entry]?
        if let live {
            let diff = CacheDiff(cached: Array(cached.values), live: Array(live.values))
            diffByNumber = Dictionary(diff.entries.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        } else {
            diffByNumber = nil
        }
        let numbers = Set(cached.keys).union(live?.keys ?? [:].keys)
        all.reserveCapacity(numbers.count)
        for number in numbers {
            let cachedIssue = cached[number]
            let liveIssue = live?[number]
            guard let issue = liveIssue ?? cachedIssue else { continue }
            // A cached closed issue that live data no longer lists is history, not a row.
            if liveIssue == nil, issue.state == .closed { continue }
            let entry = diffByNumber?[number]
            let diffKind: CacheDiff.Kind? = diffByNumber == nil ? nil : (entry?.kind ?? .inSync)
            let eligibility: Eligibility = (live != nil && liveIssue == nil)
                ? .ineligible(.closed) : rules.classify(issue)
            let mark = dispatches[number]
            let marker: RowMarker
            switch (mark, eligibility) {
            case (.dispatched?, _), (.inFlight?, _): marker = .dispatched
            case (_, .conflict): marker = .conflict
            default: marker = (diffKind.map { $0 != .inSync } ?? false) ? .stale : .none
            }
            let row = IssueRow(
                number: number, title: issue.title,
                cachedStatus: cachedIssue.flatMap { rules.statusLabel(of: $0.labels) },
                liveStatus: liveIssue.flatMap { rules.statusLabel(of: $0.labels) },
                diff: diffKind, eligibility: eligibility, marker: marker,
                inCache: cachedIssue != nil, isLive: liveIssue != nil)
            if row.eligibility.route != nil { counts.eligible += 1 }
            if row.isStale { counts.stale += 1 }
            if row.eligibility.isConflict { counts.conflicts += 1 }
            if case .failed? = mark { counts.errors += 1 }
            all.append(row)
        }
        if lastError != nil { counts.errors += 1 }

        var listed: [IssueRow]
        switch view {
        case .eligible:
            listed = all.filter { $0.eligibility.route != nil || dispatches[$0.number] != nil }
            listed.sort { lhs, rhs in
                let l = lhs.eligibility.route?.priority ?? Int.max
                let r = rhs.eligibility.route?.priority ?? Int.max
                return (l, lhs.number) < (r, rhs.number)
            }
        case .stale:
            listed = all.filter(\.isStale).sorted { $0.number < $1.number }
        case .all:
            listed = all.sorted { $0.number < $1.number }
        }
        let needle = filter.trimmingCharacters(in: .whitespaces).lowercased()
        if !needle.isEmpty {
            listed = listed.filter { row in matches(row, needle) }
        }
        rows = listed
        self.counts = counts
        if let selected, let index = rows.firstIndex(where: { $0.number == selected }) {
            cursor = index
        } else {
            cursor = min(cursor, max(rows.count - 1, 0))
        }
    }

    /// Filter by number (`12` or `#12`), title or any cached or live label.
    private func matches(_ row: IssueRow, _ needle: String) -> Bool {
        let bare = needle.hasPrefix("#") ? String(needle.dropFirst()) : needle
        if !bare.isEmpty, String(row.number).hasPrefix(bare) { return true }
        if row.title.lowercased().contains(needle) { return true }
        let labels = (cached[row.number]?.labels ?? []) + (live?[row.number]?.labels ?? [])
        return labels.contains { $0.lowercased().contains(needle) }
    }
}

/// The figures in the repos pane.
public struct RepoCounts: Sendable, Equatable {
    public var eligible = 0
    public var stale = 0
    public var conflicts = 0
    public var errors = 0
}
