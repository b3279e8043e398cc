import Coordinator
import CoordinatorConsole

// TEMPORARY, until WorkspaceBackend returns the core's `DispatchOutcome` itself (its dispatch
// then becomes `await service.dispatch(issueNumber:by:)`, and this file is deleted). The console
// consumes `DispatchOutcome`; WorkspaceBackend still flattens it into the old console-only types
// below, so this turns them back. The failure stage is read back from the message's prefix; what
// the flattening lost cannot come back: the receipt's label move (the console does not show it)
// and the typed skip reason (its text rides in `.notEligible`, so the footer reads "not eligible:
// …" before it).

/// How one dispatch ended, flattened (the console's old type; only WorkspaceBackend makes it).
public enum DispatchReport: Sendable, Equatable {
    case dispatched(DispatchReceiptSummary)
    case skipped(issue: Int, reason: String)
    case failed(issue: Int, message: String, jobStarted: Bool)
}

public struct DispatchReceiptSummary: Sendable, Equatable {
    public var issueNumber: Int
    public var labels: [String]
    public var queueID: Int?
    public var buildURL: String?
    public var merged: Bool
    public var recovered: Bool
    public var cacheWarning: String?

    public init(
        issueNumber: Int, labels: [String], queueID: Int? = nil, buildURL: String? = nil,
        merged: Bool = false, recovered: Bool = false, cacheWarning: String? = nil
    ) {
        self.issueNumber = issueNumber
        self.labels = labels
        self.queueID = queueID
        self.buildURL = buildURL
        self.merged = merged
        self.recovered = recovered
        self.cacheWarning = cacheWarning
    }
}

extension WorkspaceBackend {
    public func dispatch(repo: String, issueNumber: Int) async -> DispatchOutcome {
        let report: DispatchReport = await dispatch(repo: repo, issueNumber: issueNumber)
        switch report {
        case let .dispatched(summary):
            let receipt = DispatchReceipt(
                issueNumber: summary.issueNumber, jobPath: repos.first { $0.name == repo }?.jobPath ?? "",
                labelMove: LabelMove(remove: "", add: ""), queueID: summary.queueID, merged: summary.merged,
                labels: summary.labels, cacheUpdated: summary.cacheWarning == nil, cacheWarning: summary.cacheWarning,
                buildURL: summary.buildURL)
            return summary.recovered ? .recovered(receipt) : .dispatched(receipt)
        case let .skipped(issue, reason):
            return .skipped(issue: issue, reason: .notEligible(reason))
        case let .failed(issue, message, jobStarted):
            // The stage is already the message's prefix ("jenkins: …"); `.unresolved` is named only
            // by that text here.
            let stage = DispatchFailure.Stage(rawValue: String(message.prefix { $0 != ":" })) ?? .prepare
            let text = message.hasPrefix("\(stage.rawValue): ") ? String(message.dropFirst(stage.rawValue.count + 2)) : message
            return .failed(DispatchFailure(issueNumber: issue, stage: stage, message: text, jobStarted: jobStarted))
        }
    }
}
