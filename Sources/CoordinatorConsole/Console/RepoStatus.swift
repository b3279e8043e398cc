import Coordinator
import Foundation

/// The dry-run plan of one issue, as far as it has been fetched.
public enum PreviewStatus: Sendable, Equatable {
    case loading
    case ready(PlanOutcome)
    case failed(String)
}

/// What this session did to an issue, in the core's own terms.
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
///
/// Rows are derived in two steps, so that a key press never costs more than the visible change:
/// `cached`, `live`, `dispatches` or `lastError` changing rebuilds `issueRows` (diff, eligibility,
/// status labels, search text) for this repository only; the view or filter changing only picks
/// and orders those rows again (`relist`); moving the cursor touches neither.
public struct RepoStatus: Sendable, Equatable {
    public var repo: ConsoleRepo
    public var cached: [Int: Issue] = [:]
    /// The cache file's clocks as last read: last checked, last full refresh, the cursor.
    public var times = CacheTimes()
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
    /// Issues marked with `Space`: `D` and `u` act on them instead of all eligible or the selected one.
    public var marked: Set<Int> = []
    /// The history's newest dispatch or unstick per issue: by anyone, this session or not.
    public var history: [Int: DispatchSummary] = [:]
    /// Issues whose live labels came from a label call's answer (a dispatch, an unstick), and when:
    /// a live listing asked for before that lists older labels and must not overwrite them.
    public var labelPatches: [Int: Date] = [:]
    /// The last survey of the busy issues: builds, busy-since, stuck. Nil until the busy view
    /// asked for one.
    public var busySurvey: BusySurvey?
    /// A survey is under way.
    public var surveying = false

    /// One row per issue shown in any view, by number; derived by `rebuildIssueRows`.
    public private(set) var issueRows: [IssueRow] = []
    /// Positions in `issueRows` of the eligible view, in dispatch order (with this session's
    /// dispatches, so their `→` stays visible).
    private var eligibleOrder: [Int] = []
    /// Positions in `issueRows` of the stale entries, most harmful first, then by number.
    private var staleOrder: [Int] = []
    /// Positions in `issueRows` of the busy issues: in the survey's order (stuck first), then
    /// those the survey has not seen yet, by number.
    private var busyOrder: [Int] = []

    /// The eligible issues as they are now, in dispatch order.
    public var eligibleIssues: [Issue] {
        eligibleOrder.compactMap { issueRows[$0].eligibility.route != nil ? current(issueRows[$0].number) : nil }
    }
    /// The issues pane's list for the current view and filter; derived by `relist`.
    public private(set) var rows = ListedRows()
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

    /// Derives every row and the counts from cache, live data and this session's dispatches (after
    /// any of them changed), then lists them for `view` and `filter`.
    public mutating func rebuildIssueRows(view: IssueView, filter: String) {
        let rules = repo.rules
        let busyLabels = rules.busyLabels
        var counts = RepoCounts()
        let diffByNumber: [Int: CacheDiff.Entry]?
        if let live {
            let diff = CacheDiff(cached: Array(cached.values), live: Array(live.values))
            diffByNumber = Dictionary(diff.entries.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        } else {
            diffByNumber = nil
        }
        var numbers = Array(cached.keys)
        if let live { numbers += live.keys.filter { cached[$0] == nil } }
        numbers.sort()
        var all: [IssueRow] = []
        all.reserveCapacity(numbers.count)
        for number in numbers {
            let cachedIssue = cached[number]
            let liveIssue = live?[number]
            guard let issue = liveIssue ?? cachedIssue else { continue }
            // A cached closed issue that live data no longer lists is history, not a row.
            if liveIssue == nil, issue.state == .closed { continue }
            let diffEntry = diffByNumber?[number]
            let diffKind: CacheDiff.Kind? = diffByNumber.map { _ in diffEntry?.kind ?? .inSync }
            let eligibility: Eligibility = (live != nil && liveIssue == nil)
                ? .ineligible(.closed) : rules.classify(issue)
            let mark = dispatches[number]
            let marker: RowMarker
            switch (mark, eligibility) {
            case (.dispatched?, _), (.inFlight?, _): marker = .dispatched
            case (_, .conflict): marker = .conflict
            default: marker = (diffKind.map { $0 != .inSync } ?? false) ? .stale : .none
            }
            let current = live != nil ? liveIssue : cachedIssue
            let busyLabel = current.flatMap { $0.state == .open ? $0.labels.first(where: busyLabels.contains) : nil }
            var labels = cachedIssue?.labels ?? []
            if let live = liveIssue?.labels, live != labels { labels += live }
            let row = IssueRow(
                number: number, title: issue.title,
                cachedStatus: cachedIssue.flatMap { rules.statusLabel(of: $0.labels) },
                liveStatus: liveIssue.flatMap { rules.statusLabel(of: $0.labels) },
                diff: diffKind, consequence: diffEntry?.consequence(under: rules), eligibility: eligibility,
                busyLabel: busyLabel, marker: marker,
                inCache: cachedIssue != nil, isLive: liveIssue != nil,
                searchText: IssueSearch.text(title: issue.title, labels: labels))
            if row.eligibility.route != nil { counts.eligible += 1 }
            if row.isStale { counts.stale += 1 }
            if row.eligibility.isConflict { counts.conflicts += 1 }
            if case .failed? = mark { counts.errors += 1 }
            all.append(row)
        }
        if lastError != nil { counts.errors += 1 }
        // Dispatch order: route priority, then number (`all` is by number). This session's dispatches
        // stay listed after their route is gone, last.
        let order = all.map { WorkflowRoute.dispatchOrder(route: $0.eligibility.route, number: $0.number) }
        eligibleOrder = all.indices.filter { all[$0].eligibility.route != nil || dispatches[all[$0].number] != nil }
        eligibleOrder.sort { order[$0] < order[$1] }
        staleOrder = all.indices.filter { all[$0].isStale }
        staleOrder.sort { Self.staleRank(all[$0]) < Self.staleRank(all[$1]) }
        let surveyed = Dictionary((busySurvey?.issues ?? []).enumerated().map { ($1.number, $0) }, uniquingKeysWith: { first, _ in first })
        busyOrder = all.indices.filter { all[$0].busyLabel != nil }
        busyOrder.sort { (surveyed[all[$0].number] ?? Int.max, all[$0].number) < (surveyed[all[$1].number] ?? Int.max, all[$1].number) }
        issueRows = all
        self.counts = counts
        relist(view: view, filter: filter)
    }

    /// Lists the derived rows for `view` and `filter`, keeping the selected issue selected when it
    /// is still listed.
    public mutating func relist(view: IssueView, filter: String) {
        let selected = selectedRow?.number
        let candidates: [Int]
        switch view {
        case .eligible: candidates = eligibleOrder
        case .stale: candidates = staleOrder
        case .busy: candidates = busyOrder
        case .all: candidates = Array(issueRows.indices)
        }
        let search = IssueSearch(filter)
        let order = search.map { search in candidates.filter { search.matches(issueRows[$0]) } } ?? candidates
        rows = ListedRows(all: issueRows, order: order)
        if let selected, let index = rows.firstIndex(where: { $0.number == selected }) {
            cursor = index
        } else {
            cursor = min(cursor, max(rows.count - 1, 0))
        }
    }
}

extension RepoStatus {
    /// The stale view's order within one repository: most harmful consequence first, then number.
    static func staleRank(_ row: IssueRow) -> StaleRank {
        StaleRank(consequence: row.consequence ?? .harmless, number: row.number)
    }
}

/// The sort key of the stale view: consequence, then issue number (then the repository's place in
/// the config, across repositories).
struct StaleRank: Comparable {
    var consequence: StaleConsequence
    var number: Int
    var repo = 0

    static func < (a: StaleRank, b: StaleRank) -> Bool {
        (a.consequence, a.number, a.repo) < (b.consequence, b.number, b.repo)
    }
}

/// The rows the issues pane lists: positions into the derived rows, so that filtering 20 × 1 000
/// issues copies integers, not rows.
public struct ListedRows: RandomAccessCollection, Sendable, Equatable {
    private var all: [IssueRow]
    private var order: [Int]

    init(all: [IssueRow] = [], order: [Int] = []) {
        self.all = all
        self.order = order
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { order.count }
    public subscript(position: Int) -> IssueRow { all[order[position]] }

    /// Equal when they list the same rows, however they are stored.
    public static func == (lhs: ListedRows, rhs: ListedRows) -> Bool { lhs.elementsEqual(rhs) }
}

/// The `/` filter: by number (`12` or `#12` match issues whose number starts so), or text
/// anywhere in the title or a cached or live label, ignoring case.
struct IssueSearch {
    private let needle: [UInt8]
    /// The number prefix as a value and its digit count, when the needle is one.
    private let numberPrefix: (value: Int, digits: Int)?

    /// nil for an empty filter: everything matches.
    init?(_ filter: String) {
        let trimmed = filter.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        needle = Self.lowercasedUTF8(trimmed)
        let text = String(decoding: needle, as: UTF8.self)
        let bare = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
        // Only digits can start a number; no issue number starts with 0 or has 19 digits.
        if !bare.isEmpty, bare.count < 19, bare.first != "0", bare.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(bare) {
            numberPrefix = (value, bare.count)
        } else {
            numberPrefix = nil
        }
    }

    /// What a row is searched in: the title and each label, lower-cased, one per line (so a
    /// needle, which has no line break, never matches across two of them).
    static func text(title: String, labels: [String]) -> String {
        var bytes = lowercasedUTF8(title)
        for label in labels {
            bytes.append(UInt8(ascii: "\n"))
            bytes += lowercasedUTF8(label)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lower-cases scalar by scalar, ASCII without a table look-up: `String.lowercased()` looks
    /// every scalar up as soon as one is not ASCII (an emoji in a title), which made deriving the
    /// rows of a refreshed repo cost more than the rest of it. Needle and text use this one rule.
    private static func lowercasedUTF8(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
            } else {
                bytes += scalar.properties.lowercaseMapping.utf8
            }
        }
        return bytes
    }

    func matches(_ row: IssueRow) -> Bool {
        if let numberPrefix, Self.number(row.number, startsWith: numberPrefix) { return true }
        return Self.contains(row.searchText, needle)
    }

    private static func number(_ number: Int, startsWith prefix: (value: Int, digits: Int)) -> Bool {
        var digits = 0
        var rest = number
        repeat { digits += 1; rest /= 10 } while rest > 0
        guard digits >= prefix.digits else { return false }
        var leading = number
        for _ in 0..<(digits - prefix.digits) { leading /= 10 }
        return leading == prefix.value
    }

    /// Byte search over UTF-8: both sides are lower-cased, and a UTF-8 needle can only match at a
    /// character's first byte, so this is substring search without decoding characters.
    private static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        // `searchText` is built by `lowercased()`, so native and contiguous; anything else is copied.
        text.utf8.withContiguousStorageIfAvailable { search($0, needle) }
            ?? Array(text.utf8).withUnsafeBufferPointer { search($0, needle) }
    }

    private static func search(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            var offset = 1
            while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
            if offset == needle.count { return true }
        }
        return false
    }
}

/// The figures in the repos pane.
public struct RepoCounts: Sendable, Equatable {
    public var eligible = 0
    public var stale = 0
    public var conflicts = 0
    public var errors = 0
}
