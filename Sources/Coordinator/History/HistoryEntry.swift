import Foundation

/// One dispatch or unstick of the audit trail as a person reads it: `coordinator history` prints
/// it (and its `--json` object), the console's history view (`H`) lists it. The wording lives here
/// so both say the same.
public struct HistoryEntry: Codable, Sendable, Equatable {
    public var repo: String
    public var issue: Int
    public var dispatchID: String
    /// `dispatch` or `unstick`.
    public var kind: String
    public var workflow: String?
    public var pickup: String
    public var busy: String
    public var by: String?
    public var startedAt: String
    public var lastStep: String
    /// Where it stands, in words.
    public var state: String
    public var labelsMovedAt: String?
    public var queueID: Int?
    public var buildNumber: Int?
    public var buildURL: String?
    public var buildResult: String?
    public var message: String?

    public init(repo: String, _ summary: DispatchSummary) {
        self.repo = repo
        issue = summary.issue
        dispatchID = summary.dispatchID
        kind = summary.isReset ? "unstick" : "dispatch"
        workflow = summary.workflow
        pickup = summary.pickup
        busy = summary.busy
        by = summary.by
        startedAt = Timestamp.format(summary.startedAt)
        lastStep = summary.lastStep.rawValue
        state = summary.stepDescription
        labelsMovedAt = summary.labelsMovedAt.map(Timestamp.format)
        queueID = summary.queueID
        buildNumber = summary.buildEnd?.buildNumber ?? summary.buildNumber
        buildURL = summary.buildURL
        buildResult = summary.buildEnd?.result
        message = summary.lastMessage
        ended = Self.ended(summary)
    }

    /// Where it ended, in one word: `done`, `recovered` (done after Jenkins was asked about a lost
    /// answer), `failed`, `unfinished`, `unstick`, or the last step.
    public private(set) var ended: String = ""

    private enum CodingKeys: String, CodingKey {
        case repo, issue, dispatchID, kind, workflow, pickup, busy, by, startedAt, lastStep, state, labelsMovedAt
        case queueID, buildNumber, buildURL, buildResult, message, ended
    }

    private static func ended(_ summary: DispatchSummary) -> String {
        switch summary.lastStep {
        case .reset: return "unstick"
        case .failed: return "failed"
        case .done:
            if case .found? = summary.jobStart { return "recovered" }
            return "done"
        default:
            return summary.isUnfinished ? "unfinished" : summary.lastStep.rawValue
        }
    }

    public var isUnstick: Bool { kind == "unstick" }

    /// The label move: `pickup → busy` for a dispatch; an unstick's message says its own move.
    public var move: String {
        isUnstick ? (message ?? "\(busy) moved") : "\(pickup) → \(busy)"
    }

    /// `#12 success`, `#12`, or nil.
    public var build: String? {
        buildNumber.map { "#\($0)" + (buildResult.map { " \($0.lowercased())" } ?? "") }
    }

    /// The line `coordinator history` prints.
    public var line: String {
        var text = "\(startedAt)  \(repo)  #\(issue)  "
        if isUnstick {
            text += "unstick  " + move
        } else {
            text += "\(workflow ?? "dispatch")  \(move)  \(state)"
            if let queueID { text += "  queue \(queueID)" }
            if let build { text += "  build \(build)" }
        }
        if let by { text += "  by \(by)" }
        return text
    }

    /// Every fact, one `(name, value)` per line: the console's detail of an entry.
    public var facts: [(name: String, value: String)] {
        var facts: [(String, String)] = [
            ("when", startedAt), ("repo", repo), ("issue", "#\(issue)"), ("kind", kind),
        ]
        if let workflow { facts.append(("workflow", workflow)) }
        facts.append(("move", move))
        facts.append(("by", by ?? "(not recorded)"))
        facts.append(("ended", ended))
        facts.append(("state", state))
        facts.append(("last step", lastStep))
        if let labelsMovedAt { facts.append(("labels", "moved \(labelsMovedAt)")) }
        if let queueID { facts.append(("queue", "item \(queueID)")) }
        if let build { facts.append(("build", build)) }
        if let buildURL { facts.append(("build url", buildURL)) }
        if let message { facts.append(("message", message)) }
        facts.append(("dispatch", dispatchID))
        return facts
    }

    /// Newest first across repositories; within one second, in the given order.
    public static func newestFirst(_ entries: [HistoryEntry]) -> [HistoryEntry] {
        entries.enumerated().sorted { ($0.element.startedAt, -$0.offset) > ($1.element.startedAt, -$1.offset) }.map(\.element)
    }

    /// `2026-12-01` (midnight UTC) or an ISO-8601 time.
    public static func since(_ text: String) -> Date? {
        Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z")
    }
}
