import Foundation

/// Where one dispatch (or one unstick) stands, folded from its records: the facts every face
/// shows — the console's detail, `status`, the busy survey, recovery, `coordinator history`.
public struct DispatchSummary: Codable, Sendable, Equatable {
    public var dispatchID: String
    public var issue: Int
    public var pickup: String
    public var busy: String
    /// Order of first appearance in the history: larger is newer.
    public var sequence: Int
    public var workflow: String?
    /// Who dispatched (or unstuck): `user@host (run)`.
    public var by: String?
    /// The time of its first record (the intent).
    public var startedAt: Date
    /// The time of its newest record, notes included.
    public var lastTime: Date
    /// The last step that is not a note, and when.
    public var lastStep: HistoryStep.Kind
    public var lastStepAt: Date
    public var lastMessage: String?
    /// What the intent recorded; its parameters only while the dispatch is unfinished (recovery
    /// asks Jenkins for exactly them), so the projection stays small.
    public var intent: HistoryStep.Intent?
    public var jobPath: String?
    /// How the job's start is known: Jenkins answered, or it was found (or assumed) later.
    public var jobStart: JobStartFact?
    public var queueID: Int?
    public var buildURL: String?
    public var buildNumber: Int?
    /// When the labels moved (the busy label came on).
    public var labelsMovedAt: Date?
    /// The build's end as a `build_finished` note recorded it.
    public var buildEnd: HistoryStep.BuildEnd?

    public enum JobStartFact: Codable, Sendable, Equatable {
        /// Jenkins answered 201 (or 303: `merged` into a queued item).
        case answered(merged: Bool)
        /// Found after a lost answer in Jenkins' queue or builds; `nil`: assumed (recorded without
        /// parameters, Jenkins could not be asked precisely).
        case found(JobSighting.Place?)
    }

    /// The last step leaves a job that may exist while the labels have not moved.
    public var isUnfinished: Bool { lastStep.isUnfinished }

    /// An operator's unstick rather than a dispatch.
    public var isReset: Bool { lastStep == .reset }

    /// The build's end as a status, when recorded.
    public var finished: BuildStatus? {
        guard let end = buildEnd else { return nil }
        let state: BuildState = end.result == "CANCELLED" ? .cancelled : BuildState(jenkinsResult: end.result) ?? .unknown
        return BuildStatus(
            state: state, number: end.buildNumber ?? buildNumber, duration: end.durationMS.map { TimeInterval($0) / 1000 },
            finishedAt: end.finishedAt ?? lastTime)
    }

    /// Where the dispatch stands, in words for the console and `status`. Says only what the
    /// history recorded.
    public var stepDescription: String {
        let how: String? = switch jobStart {
        case let .found(place?)?: place == .queue ? "found in Jenkins' queue" : "found among the job's builds"
        case .found(nil)?: "assumed: recorded without its parameters"
        default: nil
        }
        var text: String
        switch lastStep {
        case .intent:
            text = "intent recorded, Jenkins' answer unknown: Jenkins is asked before anything else is done for the issue"
        case .answerLost:
            text = "Jenkins' answer was lost: not yet known whether the job started; Jenkins is asked next time"
        case .jobStarted:
            text = (jobStart == .answered(merged: true) ? "started (merged into a queued item)" : "started (Jenkins answered)") + "; labels not moved yet"
        case .jobFound:
            text = "started (\(how ?? "not checked: older entry")); labels not moved yet"
        case .jobAbsent:
            text = "not started (no such job in Jenkins); dispatching again"
        case .labelsMoved:
            text = "started; labels moved"
        case .done:
            text = how.map { "done; started (\($0))" } ?? "done"
        case .failed:
            text = "failed" + (lastMessage.map { ": \($0)" } ?? "")
        case .reset:
            text = "reset" + (lastMessage.map { ": \($0)" } ?? "")
        case .buildStarted, .buildFinished, .unknown:
            text = lastStep.rawValue
        }
        if let end = buildEnd {
            text += "; build " + ((end.buildNumber ?? buildNumber).map { "#\($0) " } ?? "") + "ended: \(end.result.lowercased())"
        }
        return text
    }

    init(first record: HistoryRecord, sequence: Int) {
        self.init(
            dispatchID: record.dispatchID, issue: record.issue, pickup: record.pickup, busy: record.busy, sequence: sequence,
            startedAt: record.time, lastStep: record.kind, lastStepAt: record.time)
    }

    init(
        dispatchID: String, issue: Int, pickup: String, busy: String, sequence: Int, startedAt: Date, lastStep: HistoryStep.Kind,
        lastStepAt: Date
    ) {
        self.dispatchID = dispatchID
        self.issue = issue
        self.pickup = pickup
        self.busy = busy
        self.sequence = sequence
        self.startedAt = startedAt
        lastTime = startedAt
        self.lastStep = lastStep
        self.lastStepAt = lastStepAt
    }

    /// Learns one more record of this dispatch.
    mutating func absorb(_ record: HistoryRecord) {
        lastTime = max(lastTime, record.time)
        switch record.step {
        case let .intent(intent):
            self.intent = intent
            workflow = intent.workflow ?? workflow
            by = by ?? intent.by
            jobPath = intent.jobPath ?? jobPath
        case .answerLost, .jobAbsent, .failed, .unknown:
            break
        case let .jobStarted(queueID, merged):
            self.queueID = queueID ?? self.queueID
            jobStart = .answered(merged: merged)
        case let .jobFound(place, queueID, buildURL, _):
            self.queueID = queueID ?? self.queueID
            self.buildURL = buildURL ?? self.buildURL
            jobStart = .found(place)
        case .labelsMoved:
            labelsMovedAt = record.time
        case let .done(queueID, buildURL, _):
            self.queueID = queueID ?? self.queueID
            self.buildURL = buildURL ?? self.buildURL
            labelsMovedAt = labelsMovedAt ?? record.time
        case let .buildStarted(number):
            buildNumber = number
        case let .buildFinished(end):
            buildEnd = end
            buildNumber = end.buildNumber ?? buildNumber
        case let .reset(workflow, by, _):
            self.workflow = workflow ?? self.workflow
            self.by = by ?? self.by
        }
        if let url = buildURL, buildNumber == nil, let number = Self.buildNumber(inURL: url) { buildNumber = number }
        if !record.kind.isNote {
            lastStep = record.kind
            lastStepAt = record.time
            lastMessage = record.step.message
            // Recovery needs the exact parameters only while the job's fate is open.
            if !lastStep.isUnfinished, intent?.parameters != nil { intent?.parameters = nil }
        }
    }

    /// The build number at the end of a Jenkins build URL (`…/job/B/12/`).
    static func buildNumber(inURL url: String) -> Int? {
        url.split(separator: "/").last.flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }
}
