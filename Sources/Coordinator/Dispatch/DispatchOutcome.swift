/// What one dispatch did.
public enum DispatchOutcome: Codable, Sendable, Equatable {
    /// Job started, labels moved, cache updated (or a warning says why not).
    case dispatched(DispatchReceipt)
    /// An earlier dispatch had started the job but not moved the labels; this one finished the
    /// label move and started no second job.
    case recovered(DispatchReceipt)
    /// Nothing was sent.
    case skipped(issue: Int, reason: SkipReason)
    case failed(DispatchFailure)

    public var issueNumber: Int {
        switch self {
        case let .dispatched(receipt), let .recovered(receipt): return receipt.issueNumber
        case let .skipped(issue, _): return issue
        case let .failed(failure): return failure.issueNumber
        }
    }

    /// `dispatched`, `recovered`, `skipped` or `failed`: the metrics' label, the API's and the
    /// events' `outcome`.
    public var kind: String {
        switch self {
        case .dispatched: "dispatched"
        case .recovered: "recovered"
        case .skipped: "skipped"
        case .failed: "failed"
        }
    }

    public var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }

    /// One line for a log, the console footer or the run report.
    public var summary: String {
        switch self {
        case let .dispatched(r):
            var text = "#\(r.issueNumber) dispatched: \(r.labelMove.summary), job \(r.jobPath)"
            text += r.merged ? " (merged into queued item \(r.queueID.map(String.init) ?? "?"))" : r.queueID.map { " (queue item \($0))" } ?? ""
            if r.evidence != .answered { text += "; \(r.evidence)" }
            if let build = r.buildURL { text += ", build \(build)" }
            if let warning = r.cacheWarning { text += "; warning: \(warning)" }
            return text
        case let .recovered(r):
            var text = "#\(r.issueNumber) recovered: \(r.evidence)\(r.queueID.map { " (queue item \($0))" } ?? ""); labels moved now (\(r.labelMove.summary)), no second job"
            if let warning = r.cacheWarning { text += "; warning: \(warning)" }
            return text
        case let .skipped(issue, reason):
            return "#\(issue) skipped: \(reason)"
        case let .failed(f):
            return "#\(f.issueNumber) failed (\(f.stage.rawValue)): \(f.message)"
        }
    }
}

/// What a dispatch that went through did.
public struct DispatchReceipt: Codable, Sendable, Equatable {
    public var issueNumber: Int
    public var jobPath: String
    public var labelMove: LabelMove
    public var queueID: Int?
    public var merged: Bool
    /// The issue's labels as GitHub returned them from the last label call.
    public var labels: [String]
    public var cacheUpdated: Bool
    /// Why the cache was not updated, when it was not. The dispatch succeeded regardless.
    public var cacheWarning: String?
    public var buildURL: String?
    /// How we know the job started.
    public var evidence: JobEvidence = .answered

    public init(
        issueNumber: Int, jobPath: String, labelMove: LabelMove, queueID: Int?, merged: Bool, labels: [String],
        cacheUpdated: Bool, cacheWarning: String? = nil, buildURL: String? = nil, evidence: JobEvidence = .answered
    ) {
        self.issueNumber = issueNumber
        self.jobPath = jobPath
        self.labelMove = labelMove
        self.queueID = queueID
        self.merged = merged
        self.labels = labels
        self.cacheUpdated = cacheUpdated
        self.cacheWarning = cacheWarning
        self.buildURL = buildURL
        self.evidence = evidence
    }
}

/// How a dispatch knows its Jenkins job started. Messages say only what was seen.
public enum JobEvidence: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Jenkins answered the build request (201, or 303 merged).
    case answered
    /// An earlier run recorded Jenkins' answer in the ledger.
    case recorded
    /// Jenkins' answer was lost; the job was then found there.
    case found(JobSighting.Place)
    /// Recorded by a version that kept no parameters: Jenkins could not be asked; not checked.
    case assumed

    public var description: String {
        switch self {
        case .answered: "Jenkins accepted the job"
        case .recorded: "the job was already started (Jenkins' answer is in the ledger)"
        case .found(.queue): "Jenkins' answer was lost; the job was found in Jenkins' queue"
        case .found(.builds): "Jenkins' answer was lost; the job was found among the job's builds"
        case .assumed: "assumed started (an older ledger entry without its parameters; Jenkins not checked)"
        }
    }
}

/// A dispatch that did not go through.
public struct DispatchFailure: Codable, Error, Sendable, Equatable {
    public enum Stage: String, Codable, Sendable, Equatable {
        /// Taking the lock, reading the issue live, or finding its branch: nothing sent.
        case prepare
        /// Jenkins refused or was unreachable: nothing changed.
        case jenkins
        /// The job started but the labels did not move; the ledger lets the next run finish it.
        case labels
        /// Whether the job started is unknown (Jenkins' answer was lost and Jenkins could not be
        /// asked): nothing else was done; the next run asks Jenkins before anything else.
        case unresolved
    }

    public var issueNumber: Int
    public var stage: Stage
    public var message: String
    public var jobStarted: Bool

    public init(issueNumber: Int, stage: Stage, message: String, jobStarted: Bool) {
        self.issueNumber = issueNumber
        self.stage = stage
        self.message = message
        self.jobStarted = jobStarted
    }
}
