import Coordinator

/// A marked issue a bulk action leaves alone, and why (not eligible, not busy, no such target).
public struct SkippedIssue: Sendable, Equatable {
    public var number: Int
    public var reason: String

    public init(number: Int, reason: String) {
        self.number = number
        self.reason = reason
    }
}

/// One issue of a bulk unstick and the exact label move it gets.
public struct MarkedMove: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var move: LabelMove

    public init(number: Int, title: String, move: LabelMove) {
        self.number = number
        self.title = title
        self.move = move
    }
}

/// `u` with marked issues: the busy ones, each with both ways to put it right (as the single `u`
/// offers them), and the marked ones that carry no busy label.
public struct MarkedUnstick: Sendable, Equatable {
    public var repo: String
    public var requests: [UnstickRequest]
    public var skipped: [SkippedIssue]

    public init(repo: String, requests: [UnstickRequest], skipped: [SkippedIssue]) {
        self.repo = repo
        self.requests = requests
        self.skipped = skipped
    }

    /// The moves to `target`, and the issues that have none (added to those skipped already).
    public func moves(to target: UnstickTarget) -> (moves: [MarkedMove], skipped: [SkippedIssue]) {
        var moves: [MarkedMove] = []
        var skipped = self.skipped
        for request in requests {
            switch request.option(target) {
            case let .move(move): moves.append(MarkedMove(number: request.number, title: request.title, move: move))
            case let .unavailable(reason): skipped.append(SkippedIssue(number: request.number, reason: reason))
            }
        }
        return (moves, skipped.sorted { $0.number < $1.number })
    }
}

/// A bulk action on a repository's marked issues while its results come in, one per issue, so
/// the footer can sum them up when the last one is in.
public struct BulkRun: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case dispatch, unstick
    }

    public var kind: Kind
    /// Issues whose result has not come back yet.
    public var pending: [Int]
    public var done: [Int] = []
    /// Issues the core did not move, with why (a dispatch it skipped, a failure).
    public var failed: [SkippedIssue] = []
    /// Marked issues the confirmation already listed as skipped.
    public var skipped: [SkippedIssue]

    public init(kind: Kind, pending: [Int], skipped: [SkippedIssue]) {
        self.kind = kind
        self.pending = pending
        self.skipped = skipped
    }

    /// "1 marked issue", "3 marked issues".
    static func markedIssues(_ number: Int) -> String {
        number == 1 ? "1 marked issue" : "\(number) marked issues"
    }

    /// "unstuck 3 of 3: #4 #7 #9", then what failed and what was skipped, each named.
    public var summary: String {
        let verb = kind == .dispatch ? "dispatched" : "unstuck"
        let total = done.count + failed.count + skipped.count
        var text = "\(verb) \(done.count) of \(total)"
        if !done.isEmpty { text += ": " + done.map { "#\($0)" }.joined(separator: " ") }
        if !failed.isEmpty { text += "; not moved: " + failed.map { "#\($0.number) (\($0.reason))" }.joined(separator: ", ") }
        if !skipped.isEmpty { text += "; skipped: " + skipped.map { "#\($0.number)" }.joined(separator: " ") }
        return text
    }
}

/// Marks (`Space`) and the bulk `D` and `u` on them.
///
/// Marks belong to a repository: they stay while the view, the filter or the selected repository
/// change, so an operator can gather issues from several views. `Esc` clears the selected
/// repository's marks; a bulk action unmarks the issues it moved once its last result is in, and
/// leaves those it skipped or failed on marked, to be looked at or tried again.
extension ConsoleState {
    /// `Space`: marks or unmarks the selected issue and moves down.
    mutating func toggleMark() -> [ConsoleEffect] {
        if history != nil || view == .stale {
            report(.notice, "marks are set in the eligible, busy and all views")
            return []
        }
        guard let repo = currentRepo, let row = repo.selectedRow else {
            report(.notice, "no issue selected")
            return []
        }
        if repos[selectedRepo].marked.remove(row.number) == nil {
            repos[selectedRepo].marked.insert(row.number)
        }
        focus = .issues
        let next = repo.cursor + 1
        guard next < repo.rows.count else { return [] }
        repos[selectedRepo].cursor = next
        detailScroll = 0
        keepCursorVisible()
        return requestPreviewIfNeeded()
    }

    /// `Esc` with nothing else to close: the selected repository's marks go. False: it has none.
    mutating func clearMarks() -> Bool {
        guard let repo = currentRepo, !repo.marked.isEmpty else { return false }
        repos[selectedRepo].marked = []
        report(.notice, "\(repo.name): \(repo.marked.count) marks cleared")
        return true
    }

    /// Whether `D` and `u` act on the selected repository's marks instead of all eligible issues
    /// or the selected one.
    var hasMarks: Bool { !(currentRepo?.marked.isEmpty ?? true) }

    /// `D` with marks: the marked issues that are eligible now, in dispatch order, and why the
    /// others are not dispatched.
    mutating func askToDispatchMarked() -> [ConsoleEffect] {
        guard let repo = currentRepo else { return [] }
        if bulk[repo.name] != nil {
            report(.notice, "\(repo.name): a bulk action on the marked issues is under way")
            return []
        }
        let marked = repo.marked
        let current = marked.compactMap { repo.current($0) }
        var candidates: [DispatchCandidate] = []
        for pair in repo.repo.rules.eligible(current) {
            if case .inFlight? = repo.dispatches[pair.issue.number] { continue }
            candidates.append(DispatchCandidate(
                number: pair.issue.number, title: pair.issue.title, labelMove: pair.route.labelMove, workflow: pair.route.workflow))
        }
        let going = Set(candidates.map(\.number))
        let skipped = marked.subtracting(going).sorted().map { number -> SkippedIssue in
            if case .inFlight? = repo.dispatches[number] { return SkippedIssue(number: number, reason: "being dispatched") }
            guard let issue = repo.current(number) else { return SkippedIssue(number: number, reason: "not open") }
            return SkippedIssue(number: number, reason: "\(repo.repo.rules.classify(issue))")
        }
        guard !candidates.isEmpty else {
            report(.notice, "none of the \(BulkRun.markedIssues(marked.count)) can be dispatched: " + skipped.map { "#\($0.number) \($0.reason)" }.joined(separator: ", "))
            return []
        }
        modal = .confirmMarkedDispatch(repo: repo.name, jobPath: repo.repo.jobPath, issues: candidates, skipped: skipped)
        return []
    }

    /// `u` with marks: the marked issues carrying a busy label, each with the moves the core named
    /// for its label; the target is asked next, as for one issue.
    mutating func askToUnstickMarked() -> [ConsoleEffect] {
        guard let repo = currentRepo else { return [] }
        if bulk[repo.name] != nil {
            report(.notice, "\(repo.name): a bulk action on the marked issues is under way")
            return []
        }
        let rows = Dictionary(repo.issueRows.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        var requests: [UnstickRequest] = []
        var skipped: [SkippedIssue] = []
        for number in repo.marked.sorted() {
            guard let row = rows[number], repo.current(number) != nil else {
                skipped.append(SkippedIssue(number: number, reason: "not open"))
                continue
            }
            guard let busyLabel = row.busyLabel else {
                skipped.append(SkippedIssue(number: number, reason: "carries no busy label"))
                continue
            }
            if running[TaskKey(.unstick, repo: repo.name, issue: number)] != nil {
                skipped.append(SkippedIssue(number: number, reason: "being unstuck"))
                continue
            }
            requests.append(unstickRequest(repo, row: row, busyLabel: busyLabel))
        }
        guard !requests.isEmpty else {
            report(.notice, "none of the \(BulkRun.markedIssues(repo.marked.count)) carries a busy label: nothing to unstick")
            return []
        }
        modal = .chooseMarkedUnstick(MarkedUnstick(repo: repo.name, requests: requests, skipped: skipped))
        return []
    }

    /// The busy issue `row` with both ways to put it right, as the core named them for its label.
    func unstickRequest(_ repo: RepoStatus, row: IssueRow, busyLabel: String) -> UnstickRequest {
        let moves = repo.repo.unstickMoves[busyLabel] ?? [:]
        let unknown = UnstickOption.unavailable("no configured workflow sets '\(busyLabel)'")
        return UnstickRequest(
            repo: repo.name, number: row.number, title: row.title, busyLabel: busyLabel,
            stuck: repo.busySurvey?.issue(row.number)?.stuck,
            pickup: moves[.pickup] ?? unknown, failure: moves[.failure] ?? unknown)
    }

    /// One result of a bulk action is in; after the last, the footer sums them up and the moved
    /// issues are unmarked.
    mutating func recordBulkResult(repo: String, number: Int, kind: BulkRun.Kind, failure: String?) {
        guard var run = bulk[repo], run.kind == kind, let position = run.pending.firstIndex(of: number) else { return }
        run.pending.remove(at: position)
        if let failure {
            run.failed.append(SkippedIssue(number: number, reason: failure))
        } else {
            run.done.append(number)
        }
        guard run.pending.isEmpty else {
            bulk[repo] = run
            return
        }
        bulk[repo] = nil
        if let index = repoIndex(repo) { repos[index].marked.subtract(run.done) }
        report(run.failed.isEmpty ? (run.skipped.isEmpty ? .success : .notice) : .failure, run.summary)
    }
}
