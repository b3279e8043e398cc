import Foundation

/// Where unstick moves an issue's busy label.
public enum UnstickTarget: String, Codable, Sendable, Equatable, CaseIterable {
    /// Back to the workflow's pickup label: the next run dispatches the issue again.
    case pickup
    /// On to the stage's failure label: a person looks at it.
    case failure
}

/// What an unstick did.
public struct UnstickResult: Codable, Sendable, Equatable {
    public var issueNumber: Int
    public var move: LabelMove
    /// The issue's labels as GitHub answered the last label call.
    public var labels: [String]
    /// False when the issue is not in the cache or the cache could not be written (the next refresh
    /// corrects it); the label move on GitHub stands either way.
    public var cacheUpdated: Bool
    /// The issue as the unstick left it in the cache and the history.
    public var change: IssueChange?

    public init(issueNumber: Int, move: LabelMove, labels: [String], cacheUpdated: Bool, change: IssueChange? = nil) {
        self.issueNumber = issueNumber
        self.move = move
        self.labels = labels
        self.cacheUpdated = cacheUpdated
        self.change = change
    }
}

/// Why an unstick was refused; nothing was changed.
public enum UnstickError: Error, Sendable, Equatable, CustomStringConvertible {
    case notBusy(issue: Int, labels: [String])
    case closed(issue: Int)
    case noWorkflow(busyLabel: String)
    case noFailureLabel(workflow: String, busyLabel: String)

    public var description: String {
        switch self {
        case let .notBusy(issue, labels):
            return "#\(issue) carries no busy label on GitHub (labels: \(labels.isEmpty ? "none" : labels.joined(separator: ", "))); nothing to unstick"
        case let .closed(issue):
            return "#\(issue) is closed on GitHub; nothing to unstick"
        case let .noWorkflow(busyLabel):
            return "no configured workflow sets '\(busyLabel)', so there is no pickup or failure label to move it to"
        case let .noFailureLabel(workflow, busyLabel):
            return "workflow \(workflow) has no failure label for '\(busyLabel)': set [coordinator.workflows.\(workflow)] failure = \"…\", or add the stage's …f label to the label set"
        }
    }
}

extension WorkflowRules {
    /// Every label that says a bot is busy: the label set's bot_busy labels and each workflow's.
    public var busyLabels: Set<String> {
        labels.names(in: .botBusy).union(mapping.routes.map(\.busyLabel))
    }

    /// The label move an unstick of an issue holding `busyLabel` makes, for the confirmation.
    /// Pure: the same for a console attached to `serve`; throws when the move has nowhere to go.
    public func unstickMove(busyLabel: String, to target: UnstickTarget) throws -> LabelMove {
        guard let route = mapping.route(forBusy: busyLabel) else { throw UnstickError.noWorkflow(busyLabel: busyLabel) }
        switch target {
        case .pickup:
            return LabelMove(remove: busyLabel, add: route.pickupLabel)
        case .failure:
            guard let failure = route.failureLabel else {
                throw UnstickError.noFailureLabel(workflow: route.workflow.rawValue, busyLabel: busyLabel)
            }
            return LabelMove(remove: busyLabel, add: failure)
        }
    }
}

extension RepoService {
    /// The label move an unstick of an issue holding `busyLabel` makes (`WorkflowRules.unstickMove`).
    public func unstickMove(busyLabel: String, to target: UnstickTarget) throws -> LabelMove {
        try rules.unstickMove(busyLabel: busyLabel, to: target)
    }

    /// Moves issue `number`'s busy label to `target` under the repository's lock (see
    /// `LockedRepo.unstick`).
    public func unstick(
        issueNumber number: Int, to target: UnstickTarget, by actor: String,
        waiting: @escaping @Sendable (RepoLock.Holder?) -> Void = { _ in }
    ) async throws -> UnstickResult {
        try await withLock(waiting: waiting) { try await $0.unstick(issueNumber: number, to: target, by: actor) }
    }
}

extension LockedRepo {
    /// Unstick (SPEC §10): re-reads the issue live, and when it still carries a busy label, adds
    /// the target label, then removes the busy one (the issue is never without a status label),
    /// puts GitHub's answer into the cache, and records a `reset` in the ledger with who did it.
    public func unstick(issueNumber number: Int, to target: UnstickTarget, by actor: String) async throws -> UnstickResult {
        let github = service.github
        let live = try await github.issue(number: number)
        guard live.state == .open else { throw UnstickError.closed(issue: number) }
        let busyLabels = service.rules.busyLabels
        guard let busy = live.labels.first(where: busyLabels.contains) else { throw UnstickError.notBusy(issue: number, labels: live.labels) }
        let move = try service.unstickMove(busyLabel: busy, to: target)
        var labels = try await github.addLabels([move.add], toIssue: number)
        labels = try await github.removeLabel(move.remove, fromIssue: number) ?? labels.filter { $0 != move.remove }
        var cacheUpdated = false
        do {
            cacheUpdated = try await setLabels(labels, issue: number)
        } catch {
            service.logger.warning("#\(number): labels moved, but the cache was not updated: \(error)")
        }
        let route = service.rules.mapping.route(forBusy: busy)
        do {
            try await record(HistoryRecord(
                time: Date(), dispatchID: "reset-" + UUID().uuidString.lowercased(), issue: number,
                pickup: route?.pickupLabel ?? move.add, busy: busy,
                step: .reset(workflow: route?.workflow.rawValue, by: actor, message: "\(move.summary) (\(target.rawValue))")))
        } catch {
            service.logger.warning("#\(number): labels moved, but the history was not written: \(error)")
        }
        service.logger.info("#\(number) unstuck by \(actor): \(move.summary)")
        return UnstickResult(issueNumber: number, move: move, labels: labels, cacheUpdated: cacheUpdated, change: change(of: number))
    }
}
