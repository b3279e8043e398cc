import Foundation
import Logging

/// The dispatch core (SPEC §6): duplicate guard, Jenkins, labels, cache update, ledger. The
/// headless run and the console both dispatch through this one type.
///
/// The caller holds the repository's `RepoLock` for the whole call.
public struct Dispatcher: Sendable {
    public var issues: any IssueSource
    public var labels: any LabelWriter
    public var jobs: any JobStarter
    public var store: IssueCacheStore
    public var ledger: DispatchLedger
    public var rules: WorkflowRules
    /// Who dispatches, for the ledger: `user@host (run)`.
    public var actor: String
    public var logger: Logger
    /// How long the cosmetic build-URL lookup may take.
    public var queueLookupTimeout: Duration = .seconds(2)

    public init(
        issues: any IssueSource, labels: any LabelWriter, jobs: any JobStarter, store: IssueCacheStore,
        ledger: DispatchLedger, rules: WorkflowRules, actor: String, logger: Logger
    ) {
        self.issues = issues
        self.labels = labels
        self.jobs = jobs
        self.store = store
        self.ledger = ledger
        self.rules = rules
        self.actor = actor
        self.logger = logger
    }

    /// Dispatches `plan`. `live` is the issue as just read from GitHub under the lock, when the
    /// caller has it; otherwise (a plan made from the cache) it is re-read here.
    public func dispatch(_ plan: DispatchPlan, live knownLive: Issue? = nil) async -> DispatchOutcome {
        let number = plan.issueNumber
        let move = plan.labelMove

        let live: Issue
        do {
            if let knownLive { live = knownLive } else { live = try await issues.issue(number: number) }
        } catch {
            return .failed(DispatchFailure(issueNumber: number, stage: .prepare, message: "cannot re-read the issue live: \(error)", jobStarted: false))
        }

        // A job already started from this pickup label whose labels never moved: finish the move,
        // never start a second job.
        if let unfinished = ledger.unfinishedDispatch(issue: number, pickup: move.remove) {
            if isInFlight(unfinished, live: live) {
                return await recover(issue: number, unfinished: unfinished, jobPath: plan.jobPath)
            }
            supersede(unfinished)
        }

        // The live issue must still be what the plan assumed.
        guard rules.classify(live).route == plan.route else {
            do { try store.upsert(live) } catch { logger.warning("cache entry of #\(number) not refreshed: \(error)") }
            return .skipped(issue: number, reason: .labelsChanged(live: live.labels))
        }

        let dispatchID = UUID().uuidString.lowercased()
        func record(_ event: LedgerEvent, queueID: Int? = nil, merged: Bool? = nil, buildURL: String? = nil, message: String? = nil) throws {
            try ledger.append(LedgerRecord(
                time: Date(), dispatchID: dispatchID, issue: number, pickup: move.remove, busy: move.add, event: event,
                workflow: plan.workflow.rawValue, queueID: queueID, merged: merged, buildURL: buildURL,
                by: event == .intent ? actor : nil, message: message,
                issueUpdatedAt: event == .intent ? live.updatedAt : nil))
        }
        do {
            try record(.intent)
        } catch {
            // Without the intent on disk a crash could start a second job later; do not start one.
            return .failed(DispatchFailure(issueNumber: number, stage: .prepare, message: "\(error)", jobStarted: false))
        }

        let start: JobStart
        do {
            start = try await jobs.startJob(path: plan.jobPath, parameters: plan.parameters)
        } catch {
            try? record(.failed, message: "\(error)")
            return .failed(DispatchFailure(issueNumber: number, stage: .jenkins, message: "\(error)", jobStarted: false))
        }
        do {
            try record(.jobStarted, queueID: start.queueID, merged: start.merged)
        } catch {
            logger.warning("ledger: \(error)")
        }
        logger.info("#\(number): job \(plan.jobPath) \(start.merged ? "merged into queued item" : "queued as") \(start.queueID.map(String.init) ?? "?")")

        var receipt = DispatchReceipt(
            issueNumber: number, jobPath: plan.jobPath, labelMove: move, queueID: start.queueID,
            merged: start.merged, labels: [], cacheUpdated: false, cacheWarning: nil, buildURL: nil)
        switch await moveLabels(move, issue: number) {
        case let .failure(message):
            return .failed(DispatchFailure(
                issueNumber: number, stage: .labels,
                message: "job started (queue item \(start.queueID.map(String.init) ?? "?")) but the label move failed: \(message); the next run finishes it without a second job",
                jobStarted: true))
        case let .success(labels):
            receipt.labels = labels
        }
        try? record(.labelsMoved)
        updateCache(&receipt)
        if let queueID = start.queueID, let buildURL = await buildURL(queueID: queueID) {
            receipt.buildURL = buildURL
        }
        try? record(.done, queueID: start.queueID, buildURL: receipt.buildURL)
        return .dispatched(receipt)
    }

    /// Finishes the dispatch a conflict (pickup and busy label at once) is the trace of: a run that
    /// stopped between adding the busy label and removing the pickup label. Nil when the ledger
    /// holds no such dispatch for any of `pickups`; the conflict is then left to the operator.
    public func finishInterrupted(issue number: Int, pickups: [String], jobPath: String) async -> DispatchOutcome? {
        guard let unfinished = pickups.lazy.compactMap({ ledger.unfinishedDispatch(issue: number, pickup: $0) }).first else {
            return nil
        }
        let live: Issue
        do {
            live = try await issues.issue(number: number)
        } catch {
            return .failed(DispatchFailure(issueNumber: number, stage: .prepare, message: "cannot re-read the issue live: \(error)", jobStarted: true))
        }
        guard isInFlight(unfinished, live: live) else {
            supersede(unfinished)
            return nil
        }
        return await recover(issue: number, unfinished: unfinished, jobPath: jobPath)
    }

    /// Whether an unfinished dispatch still describes the issue, so that finishing its label move
    /// (and starting no job) is right: the issue carries its busy label (the move is half done), or
    /// it has not changed since the dispatch read it (the job may be running while the labels never
    /// moved). An issue changed since then, without the busy label, was handled by a person (for
    /// example given its pickup label back for a new run): the old entry no longer speaks for it.
    /// An entry that recorded no time is trusted, because a second job is the worse mistake.
    func isInFlight(_ unfinished: [LedgerRecord], live: Issue) -> Bool {
        guard let last = unfinished.last else { return false }
        if live.labels.contains(last.busy) { return true }
        guard let seen = unfinished.first(where: { $0.event == .intent })?.issueUpdatedAt, let current = live.updatedAt else {
            return true
        }
        return current <= seen
    }

    /// Closes an unfinished dispatch that no longer speaks for the issue.
    private func supersede(_ unfinished: [LedgerRecord]) {
        guard let last = unfinished.last else { return }
        logger.warning("#\(last.issue): the unfinished dispatch \(last.dispatchID) is superseded: the issue changed since")
        try? ledger.append(LedgerRecord(
            time: Date(), dispatchID: last.dispatchID, issue: last.issue, pickup: last.pickup, busy: last.busy, event: .failed,
            message: "superseded: the issue changed after this dispatch and does not carry its busy label"))
    }

    private func recover(issue number: Int, unfinished: [LedgerRecord], jobPath: String) async -> DispatchOutcome {
        let last = unfinished.last!
        let move = LabelMove(remove: last.pickup, add: last.busy)
        let started = unfinished.last { $0.event == .jobStarted }
        logger.warning("#\(number): an earlier dispatch (\(last.dispatchID)) started a job without moving the labels; finishing it")
        var receipt = DispatchReceipt(
            issueNumber: number, jobPath: jobPath, labelMove: move, queueID: started?.queueID,
            merged: started?.merged ?? false, labels: [], cacheUpdated: false, cacheWarning: nil, buildURL: nil)
        switch await moveLabels(move, issue: number) {
        case let .failure(message):
            return .failed(DispatchFailure(issueNumber: number, stage: .labels, message: "finishing an earlier dispatch: \(message)", jobStarted: true))
        case let .success(labels):
            receipt.labels = labels
        }
        let note = started == nil ? "recovered: Jenkins' answer was never recorded, assumed started" : "recovered"
        for event in [LedgerEvent.labelsMoved, .done] {
            try? ledger.append(LedgerRecord(
                time: Date(), dispatchID: last.dispatchID, issue: number, pickup: move.remove,
                busy: move.add, event: event, message: event == .done ? note : nil))
        }
        updateCache(&receipt)
        return .recovered(receipt)
    }

    private enum LabelResult {
        case success([String])
        case failure(String)
    }

    /// Adds the busy label first, then removes the pickup label, so the issue is never without a
    /// status label; while it holds both it is a conflict and never dispatched.
    private func moveLabels(_ move: LabelMove, issue number: Int) async -> LabelResult {
        do {
            let afterAdd = try await labels.addLabels([move.add], toIssue: number)
            let afterRemove = try await labels.removeLabel(move.remove, fromIssue: number)
            return .success(afterRemove ?? afterAdd.filter { $0 != move.remove })
        } catch {
            return .failure("\(error)")
        }
    }

    /// Writes GitHub's label answer into the cache at once. A failure here is a warning: the job is
    /// running and the labels moved, so the dispatch succeeded; the next refresh corrects the cache.
    private func updateCache(_ receipt: inout DispatchReceipt) {
        do {
            if try store.updateLabels(issue: receipt.issueNumber, labels: receipt.labels) {
                receipt.cacheUpdated = true
            } else {
                receipt.cacheWarning = "#\(receipt.issueNumber) is not in the cache; the next refresh adds it"
            }
        } catch {
            receipt.cacheWarning = "cache not updated: \(error)"
        }
        if let warning = receipt.cacheWarning { logger.warning("\(warning)") }
    }

    /// The build URL, if Jenkins already started the build. Cosmetic: any failure or a slow answer
    /// is ignored (failure mode 14).
    private func buildURL(queueID: Int) async -> String? {
        let jobs = self.jobs
        return await withTaskGroup(of: String?.self) { group in
            group.addTask { try? await jobs.queueItem(id: queueID).buildURL }
            group.addTask { [timeout = queueLookupTimeout] in
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
