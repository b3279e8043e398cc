import Coordinator

/// `run --json`: the run report as one JSON document on stdout, for scripts and CI. The text
/// beside it (`RunReportText`) is for people; this one is a contract, documented in the README,
/// so its keys and codes only ever grow.
///
/// Every key of an object is always there (`null` when it does not apply), so a script can index
/// without checking. Per issue, `outcome` says which other keys matter:
/// `dispatched`, `recovered` (an earlier run's job, its label move finished now), `skipped`,
/// `failed`, and in a dry run `finishing` (an interrupted dispatch the run would finish first),
/// `planned`, `skipped` or `failed` (its linked branches could not be read).
enum RunReportJSON {
    static func render(_ report: RunReport, dryRun: Bool, mapping: WorkflowMapping) throws -> String {
        try JSONText.encode(Document(report, dryRun: dryRun, mapping: mapping)) + "\n"
    }

    struct Document: Encodable {
        var dryRun: Bool
        /// The exit status's reason: something failed, so the command exits 1.
        var failed: Bool
        /// A failure ended the run (no `--keep-going`): later issues and repositories were not tried.
        var stoppedEarly: Bool
        var totals: Totals
        var repos: [Repo]

        init(_ report: RunReport, dryRun: Bool, mapping: WorkflowMapping) {
            self.dryRun = dryRun
            failed = report.failed
            stoppedEarly = report.stoppedEarly
            repos = report.repos.map { Repo($0, mapping: mapping) }
            var totals = Totals()
            for entry in repos.flatMap(\.issues) { totals.count(entry) }
            totals.failed += repos.filter { $0.error != nil }.count
            self.totals = totals
        }

        private enum CodingKeys: String, CodingKey {
            case dryRun = "dry_run", failed, stoppedEarly = "stopped_early", totals, repos
        }
    }

    /// The run's counts, as the text report's last line has them (a repository that could not be
    /// refreshed counts as one failure).
    struct Totals: Encodable {
        var planned = 0
        var dispatched = 0
        var recovered = 0
        var skipped = 0
        var failed = 0

        mutating func count(_ entry: IssueEntry) {
            switch entry {
            case .finishing: break
            case .planned: planned += 1
            case .dispatched: dispatched += 1
            case .recovered: recovered += 1
            case .skipped: skipped += 1
            case .failed: failed += 1
            }
        }
    }

    struct Repo: Encodable {
        var name: String
        /// `reused`, `full`, `incremental`, `not_modified`; null when the repository failed first.
        var refresh: String?
        var notice: String?
        /// Why nothing was done in this repository (refresh or lock failed).
        var error: String?
        var conflicts: [Conflict]
        /// In dispatch order.
        var issues: [IssueEntry]
        /// Dry run: the issues a run would not try because it stops at the first failure.
        var notTried: [Int]

        init(_ repo: RepoRunReport, mapping: WorkflowMapping) {
            name = repo.repoName
            refresh = repo.refresh.map(RunReportJSON.code)
            notice = repo.notice
            error = repo.error
            conflicts = repo.conflicts.map { Conflict(issue: $0.number, labels: $0.labels) }
            issues = repo.finishing.map(IssueEntry.finishing) + repo.plans.map(IssueEntry.init)
                + repo.outcomes.map { IssueEntry($0, mapping: mapping) }
            notTried = repo.notTried
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(name, forKey: "name")
            try c.encode(refresh, forKey: "refresh")
            try c.encode(notice, forKey: "notice")
            try c.encode(error, forKey: "error")
            try c.encode(conflicts, forKey: "conflicts")
            try c.encode(issues, forKey: "issues")
            try c.encode(notTried, forKey: "not_tried")
        }
    }

    /// An issue holding a pickup and a busy label at once: never dispatched, shown to the operator.
    struct Conflict: Encodable {
        var issue: Int
        var labels: [String]
    }

    /// What happened to one issue, or in a dry run what would.
    enum IssueEntry: Encodable {
        case finishing(issue: Int)
        case planned(DispatchPlan)
        case dispatched(DispatchReceipt, workflow: String?, summary: String)
        case recovered(DispatchReceipt, workflow: String?, summary: String)
        case skipped(issue: Int, reason: SkipReason, summary: String)
        case failed(DispatchFailure, summary: String)

        init(_ plan: PlanOutcome) {
            switch plan {
            case let .ready(plan): self = .planned(plan)
            case let .skip(issue, reason): self = .skipped(issue: issue, reason: reason, summary: "#\(issue) would be skipped: \(reason)")
            }
        }

        init(_ outcome: DispatchOutcome, mapping: WorkflowMapping) {
            // The workflow is the pickup label's: the receipt names the label move, not the workflow.
            let workflow = { (receipt: DispatchReceipt) in mapping.route(forPickup: receipt.labelMove.remove)?.workflow.rawValue }
            switch outcome {
            case let .dispatched(receipt): self = .dispatched(receipt, workflow: workflow(receipt), summary: outcome.summary)
            case let .recovered(receipt): self = .recovered(receipt, workflow: workflow(receipt), summary: outcome.summary)
            case let .skipped(issue, reason): self = .skipped(issue: issue, reason: reason, summary: outcome.summary)
            case let .failed(failure): self = .failed(failure, summary: outcome.summary)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            switch self {
            case let .finishing(issue):
                try c.encode(issue, forKey: "issue")
                try c.encode("finishing", forKey: "outcome")
                try c.encode("#\(issue) \(RunReportText.finishingText)", forKey: "summary")
            case let .planned(plan):
                try c.encode(plan.issueNumber, forKey: "issue")
                try c.encode("planned", forKey: "outcome")
                try c.encode(
                    "#\(plan.issueNumber) would be dispatched: \(plan.workflow.rawValue) on \(plan.branch), job \(plan.jobPath), \(plan.labelMove.summary)",
                    forKey: "summary")
                try c.encode(plan.issueTitle, forKey: "title")
                try c.encode(plan.workflow.rawValue, forKey: "workflow")
                try c.encode(plan.branch, forKey: "branch")
                try c.encode(plan.jobPath, forKey: "job_path")
                try c.encode(LabelMoveJSON(plan.labelMove), forKey: "label_move")
                try c.encode(plan.parameters.map { Parameter(name: $0.name, value: $0.value) }, forKey: "parameters")
            case let .dispatched(receipt, workflow, summary), let .recovered(receipt, workflow, summary):
                if case .dispatched = self {
                    try c.encode("dispatched", forKey: "outcome")
                } else {
                    try c.encode("recovered", forKey: "outcome")
                }
                try c.encode(receipt.issueNumber, forKey: "issue")
                try c.encode(summary, forKey: "summary")
                try c.encode(workflow, forKey: "workflow")
                try c.encode(receipt.jobPath, forKey: "job_path")
                try c.encode(LabelMoveJSON(receipt.labelMove), forKey: "label_move")
                try c.encode(receipt.queueID, forKey: "queue_id")
                try c.encode(receipt.buildURL, forKey: "build_url")
                try c.encode(receipt.merged, forKey: "merged")
                try c.encode(RunReportJSON.code(receipt.evidence), forKey: "evidence")
                try c.encode(receipt.labels, forKey: "labels")
                try c.encode(receipt.cacheUpdated, forKey: "cache_updated")
                try c.encode(receipt.cacheWarning, forKey: "cache_warning")
            case let .skipped(issue, reason, summary):
                try c.encode(issue, forKey: "issue")
                try c.encode("skipped", forKey: "outcome")
                try c.encode(summary, forKey: "summary")
                try c.encode(reason.description, forKey: "reason")
                try c.encode(RunReportJSON.code(reason), forKey: "reason_code")
                var branches: [String]?
                var liveLabels: [String]?
                switch reason {
                case .noLinkedBranch: branches = []
                case let .severalLinkedBranches(linked): branches = linked
                case let .labelsChanged(live): liveLabels = live
                case .notEligible: break
                }
                try c.encode(branches, forKey: "branches")
                try c.encode(liveLabels, forKey: "live_labels")
            case let .failed(failure, summary):
                try c.encode(failure.issueNumber, forKey: "issue")
                try c.encode("failed", forKey: "outcome")
                try c.encode(summary, forKey: "summary")
                try c.encode(failure.stage.rawValue, forKey: "stage")
                try c.encode(failure.message, forKey: "message")
                try c.encode(failure.jobStarted, forKey: "job_started")
            }
        }
    }

    struct LabelMoveJSON: Encodable {
        var remove: String
        var add: String

        init(_ move: LabelMove) {
            remove = move.remove
            add = move.add
        }
    }

    /// A job parameter; a list of these keeps Jenkins' order and the names as they are.
    struct Parameter: Encodable {
        var name: String
        var value: String
    }

    // MARK: Machine codes (stable; the words beside them may change)

    static func code(_ refresh: RefreshKind) -> String {
        switch refresh {
        case .reused: "reused"
        case .full: "full"
        case .incremental: "incremental"
        case .notModified: "not_modified"
        }
    }

    static func code(_ reason: SkipReason) -> String {
        switch reason {
        case .noLinkedBranch: "no_linked_branch"
        case .severalLinkedBranches: "several_linked_branches"
        case .labelsChanged: "labels_changed"
        case .notEligible: "not_eligible"
        }
    }

    static func code(_ evidence: JobEvidence) -> String {
        switch evidence {
        case .answered: "answered"
        case .recorded: "recorded"
        case .found(.queue): "found_in_queue"
        case .found(.builds): "found_in_builds"
        case .assumed: "assumed"
        }
    }

    /// Keys written as they appear in the document (the encoder's snake_case conversion leaves
    /// them as they are).
    struct Key: CodingKey, ExpressibleByStringLiteral {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
        init(stringLiteral value: String) { stringValue = value }
    }
}
