import Foundation

/// `run --json`: the run report as one JSON document (`JSONText`), for scripts and CI, and what
/// the text report (`RunReportText`) is printed from. It is a contract, documented in the README,
/// so its keys and codes only ever grow. `serve` answers `GET /api/repos/{name}/plan` with the
/// document of `run --dry-run --repo NAME`, and `run --dry-run --server` reads it back
/// (`JSONText.decoder`).
///
/// Every key of an object is always there (`null` when it does not apply), so a script can index
/// without checking. Per issue, `outcome` says which other keys matter:
/// `dispatched`, `recovered` (an earlier run's job, its label move finished now), `skipped`,
/// `failed`, and in a dry run `finishing` (an interrupted dispatch the run would finish first),
/// `planned`, `skipped` or `failed` (its linked branches could not be read).
public struct RunReportDocument: Codable, Sendable, Equatable {
    public var dryRun: Bool
    /// The exit status's reason: something failed, so the command exits 1.
    public var failed: Bool
    /// A failure ended the run (no `--keep-going`): later issues and repositories were not tried.
    public var stoppedEarly: Bool
    public var totals: Totals
    public var repos: [Repo]

    public init(_ report: RunReport, dryRun: Bool, mapping: WorkflowMapping) {
        self.init(dryRun: dryRun, repos: report.repos.map { Repo($0, mapping: mapping) }, stoppedEarly: report.stoppedEarly)
    }

    /// The document of `repos` as one run went through them (`run --dry-run --server` asks `serve`
    /// for one repository at a time and puts the answers together); `failed` and `totals` follow.
    public init(dryRun: Bool, repos: [Repo], stoppedEarly: Bool) {
        self.dryRun = dryRun
        self.repos = repos
        self.stoppedEarly = stoppedEarly
        failed = repos.contains(where: \.failed)
        var totals = Totals()
        for entry in repos.flatMap(\.issues) { totals.count(entry) }
        totals.failed += repos.filter { $0.error != nil }.count
        self.totals = totals
    }

    /// The run's counts, as the text report's last line has them (a repository that could not be
    /// refreshed counts as one failure).
    public struct Totals: Codable, Sendable, Equatable {
        public var planned = 0
        public var dispatched = 0
        public var recovered = 0
        public var skipped = 0
        public var failed = 0

        mutating func count(_ entry: Entry) {
            switch entry.outcome {
            case .finishing: break
            case .planned: planned += 1
            case .dispatched: dispatched += 1
            case .recovered: recovered += 1
            case .skipped: skipped += 1
            case .failed: failed += 1
            }
        }
    }

    public struct Repo: Codable, Sendable, Equatable {
        public var name: String
        /// `reused`, `full`, `incremental`, `not_modified`; null when the repository failed first.
        public var refresh: String?
        public var notice: String?
        /// Why nothing was done in this repository (refresh or lock failed).
        public var error: String?
        public var conflicts: [Conflict]
        /// In dispatch order: the interrupted dispatches to finish, then the plans (a dry run) or
        /// the dispatches' outcomes.
        public var issues: [Entry]
        /// Dry run: the issues a run would not try because it stops at the first failure.
        public var notTried: [Int]

        public init(_ repo: RepoRunReport, mapping: WorkflowMapping) {
            name = repo.repoName
            refresh = repo.refresh?.code
            notice = repo.notice
            error = repo.error
            conflicts = repo.conflicts.map { Conflict(issue: $0.number, labels: $0.labels) }
            issues = repo.finishing.map(Entry.finishing) + repo.plans.map(Entry.init)
                + repo.outcomes.map { Entry($0, mapping: mapping) }
            notTried = repo.notTried
        }

        /// `RepoRunReport.failed`: the repository could not be worked on, or a dispatch failed.
        public var failed: Bool { error != nil || issues.contains { $0.outcome == .failed } }

        private enum CodingKeys: String, CodingKey {
            case name, refresh, notice, error, conflicts, issues, notTried
        }

        public func encode(to encoder: any Encoder) throws {
            // Every key, null included.
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(refresh, forKey: .refresh)
            try c.encode(notice, forKey: .notice)
            try c.encode(error, forKey: .error)
            try c.encode(conflicts, forKey: .conflicts)
            try c.encode(issues, forKey: .issues)
            try c.encode(notTried, forKey: .notTried)
        }
    }

    /// An issue holding a pickup and a busy label at once: never dispatched, shown to the operator.
    public struct Conflict: Codable, Sendable, Equatable {
        public var issue: Int
        public var labels: [String]
    }

    /// What happened to one issue, or in a dry run what would: `outcome`, and the keys that
    /// outcome has (each written, null when unknown; the others left out).
    public struct Entry: Codable, Sendable, Equatable {
        public enum Outcome: String, Codable, Sendable, Equatable {
            case finishing, planned, dispatched, recovered, skipped, failed
        }

        public var issue: Int
        public var outcome: Outcome
        /// The text report's line for it (a plan's is the one-line form).
        public var summary: String
        // planned
        public var title: String?
        /// planned, dispatched, recovered.
        public var workflow: String?
        public var branch: String?
        /// planned, dispatched, recovered.
        public var jobPath: String?
        /// planned, dispatched, recovered.
        public var labelMove: LabelMove?
        /// In Jenkins' order, COMMAND in full.
        public var parameters: [JobParameter]?
        // dispatched, recovered
        public var queueID: Int?
        public var buildURL: String?
        public var merged: Bool?
        /// `answered`, `recorded`, `found_in_queue`, `found_in_builds`, `assumed`.
        public var evidence: String?
        public var labels: [String]?
        public var cacheUpdated: Bool?
        public var cacheWarning: String?
        // skipped
        public var reason: String?
        /// `no_linked_branch`, `several_linked_branches`, `labels_changed`, `not_eligible`.
        public var reasonCode: String?
        public var branches: [String]?
        public var liveLabels: [String]?
        // failed
        /// `prepare`, `jenkins`, `labels`, `unresolved`.
        public var stage: String?
        public var message: String?
        public var jobStarted: Bool?

        init(issue: Int, outcome: Outcome, summary: String) {
            self.issue = issue
            self.outcome = outcome
            self.summary = summary
        }

        /// A conflict an interrupted dispatch left, which the run finishes first.
        static func finishing(_ issue: Int) -> Entry {
            Entry(issue: issue, outcome: .finishing, summary: "#\(issue) \(RunReportText.finishingText)")
        }

        init(_ plan: PlanOutcome) {
            switch plan {
            case let .ready(plan):
                self.init(
                    issue: plan.issueNumber, outcome: .planned,
                    summary: "#\(plan.issueNumber) would be dispatched: \(plan.workflow.rawValue) on \(plan.branch), job \(plan.jobPath), \(plan.labelMove.summary)")
                title = plan.issueTitle
                workflow = plan.workflow.rawValue
                branch = plan.branch
                jobPath = plan.jobPath
                labelMove = plan.labelMove
                parameters = plan.parameters
            case let .skip(issue, reason):
                self.init(issue: issue, outcome: .skipped, summary: "#\(issue) would be skipped: \(reason)")
                skip(reason)
            }
        }

        init(_ outcome: DispatchOutcome, mapping: WorkflowMapping) {
            switch outcome {
            case let .dispatched(receipt), let .recovered(receipt):
                var kind = Outcome.dispatched
                if case .recovered = outcome { kind = .recovered }
                self.init(issue: receipt.issueNumber, outcome: kind, summary: outcome.summary)
                // The workflow is the pickup label's: the receipt names the label move, not the workflow.
                workflow = mapping.route(forPickup: receipt.labelMove.remove)?.workflow.rawValue
                jobPath = receipt.jobPath
                labelMove = receipt.labelMove
                queueID = receipt.queueID
                buildURL = receipt.buildURL
                merged = receipt.merged
                evidence = receipt.evidence.code
                labels = receipt.labels
                cacheUpdated = receipt.cacheUpdated
                cacheWarning = receipt.cacheWarning
            case let .skipped(issue, reason):
                self.init(issue: issue, outcome: .skipped, summary: outcome.summary)
                skip(reason)
            case let .failed(failure):
                self.init(issue: failure.issueNumber, outcome: .failed, summary: outcome.summary)
                stage = failure.stage.rawValue
                message = failure.message
                jobStarted = failure.jobStarted
            }
        }

        private mutating func skip(_ reason: SkipReason) {
            self.reason = reason.description
            reasonCode = reason.code
            switch reason {
            case .noLinkedBranch: branches = []
            case let .severalLinkedBranches(linked): branches = linked
            case let .labelsChanged(live): liveLabels = live
            case .notEligible: break
            }
        }

        private enum CodingKeys: String, CodingKey {
            case issue, outcome, summary, title, workflow, branch, jobPath, labelMove, parameters
            case queueID, buildURL, merged, evidence, labels, cacheUpdated, cacheWarning
            case reason, reasonCode, branches, liveLabels, stage, message, jobStarted
        }

        /// The keys of `outcome`, each written (null when nil).
        private var keys: [CodingKeys] {
            switch outcome {
            case .finishing: []
            case .planned: [.title, .workflow, .branch, .jobPath, .labelMove, .parameters]
            case .dispatched, .recovered:
                [.workflow, .jobPath, .labelMove, .queueID, .buildURL, .merged, .evidence, .labels, .cacheUpdated, .cacheWarning]
            case .skipped: [.reason, .reasonCode, .branches, .liveLabels]
            case .failed: [.stage, .message, .jobStarted]
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(issue, forKey: .issue)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(summary, forKey: .summary)
            for key in keys {
                switch key {
                case .title: try c.encode(title, forKey: key)
                case .workflow: try c.encode(workflow, forKey: key)
                case .branch: try c.encode(branch, forKey: key)
                case .jobPath: try c.encode(jobPath, forKey: key)
                case .labelMove: try c.encode(labelMove, forKey: key)
                case .parameters: try c.encode(parameters, forKey: key)
                case .queueID: try c.encode(queueID, forKey: key)
                case .buildURL: try c.encode(buildURL, forKey: key)
                case .merged: try c.encode(merged, forKey: key)
                case .evidence: try c.encode(evidence, forKey: key)
                case .labels: try c.encode(labels, forKey: key)
                case .cacheUpdated: try c.encode(cacheUpdated, forKey: key)
                case .cacheWarning: try c.encode(cacheWarning, forKey: key)
                case .reason: try c.encode(reason, forKey: key)
                case .reasonCode: try c.encode(reasonCode, forKey: key)
                case .branches: try c.encode(branches, forKey: key)
                case .liveLabels: try c.encode(liveLabels, forKey: key)
                case .stage: try c.encode(stage, forKey: key)
                case .message: try c.encode(message, forKey: key)
                case .jobStarted: try c.encode(jobStarted, forKey: key)
                case .issue, .outcome, .summary: break
                }
            }
        }
    }
}

// MARK: Machine codes (stable; the words beside them may change)

extension RefreshKind {
    /// The document's `refresh`.
    public var code: String {
        switch self {
        case .reused: "reused"
        case .full: "full"
        case .incremental: "incremental"
        case .notModified: "not_modified"
        }
    }

    /// The kind a document's `refresh` names.
    public init?(code: String) {
        guard let kind = [RefreshKind.reused, .full, .incremental, .notModified].first(where: { $0.code == code }) else { return nil }
        self = kind
    }
}

extension SkipReason {
    public var code: String {
        switch self {
        case .noLinkedBranch: "no_linked_branch"
        case .severalLinkedBranches: "several_linked_branches"
        case .labelsChanged: "labels_changed"
        case .notEligible: "not_eligible"
        }
    }
}

extension JobEvidence {
    public var code: String {
        switch self {
        case .answered: "answered"
        case .recorded: "recorded"
        case .found(.queue): "found_in_queue"
        case .found(.builds): "found_in_builds"
        case .assumed: "assumed"
        }
    }
}
