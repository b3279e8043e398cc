import Foundation

/// One record of a repository's dispatch history (one line of `NAME.dispatches.jsonl`): which
/// dispatch, which issue and label move, when, and the step with exactly the facts that step has.
public struct HistoryRecord: Sendable, Equatable {
    public var time: Date
    /// Ties the records of one dispatch together (`reset-…` for an unstick).
    public var dispatchID: String
    public var issue: Int
    public var pickup: String
    public var busy: String
    public var step: HistoryStep

    public init(time: Date, dispatchID: String, issue: Int, pickup: String, busy: String, step: HistoryStep) {
        self.time = time
        self.dispatchID = dispatchID
        self.issue = issue
        self.pickup = pickup
        self.busy = busy
        self.step = step
    }

    /// The step's name, as written in the file.
    public var kind: HistoryStep.Kind { step.kind }
}

/// What a dispatch did at one step (SPEC §6, §10), each case with the facts it records.
public enum HistoryStep: Sendable, Equatable {
    /// About to ask Jenkins for the job: what it will ask for, so a later run can look for that
    /// job when Jenkins' answer was lost. No secret is among the parameters.
    case intent(Intent)
    /// The build request may have reached Jenkins but its answer was lost: unresolved until
    /// Jenkins is asked whether the job exists.
    case answerLost(message: String?)
    /// Jenkins took the job (201, or 303 merged into a queued one).
    case jobStarted(queueID: Int?, merged: Bool)
    /// Jenkins' answer was never recorded, and the job was found in its queue or builds (or, for a
    /// dispatch recorded without its parameters, assumed started: `place` nil).
    case jobFound(place: JobSighting.Place?, queueID: Int?, buildURL: String?, message: String?)
    /// Jenkins' answer was never recorded, and Jenkins has no such job: not started, nothing changed.
    case jobAbsent(message: String?)
    /// The busy label is on GitHub and the pickup label gone.
    case labelsMoved
    /// Finished; nothing left to recover.
    case done(queueID: Int?, buildURL: String?, message: String?)
    /// Jenkins refused, or the dispatch was superseded; nothing was changed.
    case failed(message: String?)
    /// A note after the dispatch: its queue item became this build (recorded early, because
    /// Jenkins forgets left queue items after about five minutes).
    case buildStarted(buildNumber: Int)
    /// A note after the dispatch: the build ended (`result` as Jenkins says it, or `CANCELLED` for
    /// a cancelled queue item). Recorded once, so it is asked once.
    case buildFinished(BuildEnd)
    /// An operator moved the issue's busy label back to the pickup label or on to the failure
    /// label (unstick).
    case reset(workflow: String?, by: String?, message: String?)
    /// A step this version does not know (written by a newer one): kept in the file and skipped.
    case unknown(name: String)

    public struct Intent: Codable, Sendable, Equatable {
        public var workflow: String?
        /// Who dispatched: `user@host (run)`, `(console)`, `(serve)`.
        public var by: String?
        /// The issue's `updated_at` as the dispatch read it live (GitHub's clock): tells a dispatch
        /// still in flight from one a person has since overtaken.
        public var issueUpdatedAt: Date?
        /// The Jenkins job and the exact parameters sent; nil in records of older versions.
        public var jobPath: String?
        public var parameters: [JobParameter]?

        public init(workflow: String?, by: String?, issueUpdatedAt: Date? = nil, jobPath: String? = nil, parameters: [JobParameter]? = nil) {
            self.workflow = workflow
            self.by = by
            self.issueUpdatedAt = issueUpdatedAt
            self.jobPath = jobPath
            self.parameters = parameters
        }
    }

    public struct BuildEnd: Codable, Sendable, Equatable {
        public var buildNumber: Int?
        /// `SUCCESS`, `FAILURE`, `UNSTABLE`, `ABORTED`, `NOT_BUILT`, or `CANCELLED`.
        public var result: String
        public var durationMS: Int?
        /// When it ended (Jenkins' clock for a build, ours for a cancelled queue item).
        public var finishedAt: Date?

        public init(buildNumber: Int?, result: String, durationMS: Int? = nil, finishedAt: Date? = nil) {
            self.buildNumber = buildNumber
            self.result = result
            self.durationMS = durationMS
            self.finishedAt = finishedAt
        }
    }

    /// The step names of the file.
    public enum Kind: String, Codable, Sendable, Equatable, CaseIterable {
        case intent
        case answerLost = "answer_lost"
        case jobStarted = "job_started"
        case jobFound = "job_found"
        case jobAbsent = "job_absent"
        case labelsMoved = "labels_moved"
        case done
        case failed
        case buildStarted = "build_started"
        case buildFinished = "build_finished"
        case reset
        case unknown

        /// The last step of a dispatch whose job may exist while its labels have not moved.
        public var isUnfinished: Bool { [.intent, .answerLost, .jobStarted, .jobFound].contains(self) }

        /// Notes about a dispatch's build, appended after its steps (and steps this version does not
        /// know): they never change where the dispatch itself stands.
        public var isNote: Bool { self == .buildStarted || self == .buildFinished || self == .unknown }
    }

    public var kind: Kind {
        switch self {
        case .intent: .intent
        case .answerLost: .answerLost
        case .jobStarted: .jobStarted
        case .jobFound: .jobFound
        case .jobAbsent: .jobAbsent
        case .labelsMoved: .labelsMoved
        case .done: .done
        case .failed: .failed
        case .buildStarted: .buildStarted
        case .buildFinished: .buildFinished
        case .reset: .reset
        case .unknown: .unknown
        }
    }

    /// The free text a step carries, if any.
    public var message: String? {
        switch self {
        case let .answerLost(message), let .jobAbsent(message), let .failed(message): message
        case let .jobFound(_, _, _, message), let .done(_, _, message), let .reset(_, _, message): message
        default: nil
        }
    }
}
