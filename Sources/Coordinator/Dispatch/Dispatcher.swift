import Foundation
import Logging

/// The dispatch core (SPEC §6): duplicate guard, Jenkins, labels, cache update, history. The
/// headless run and the console both dispatch through this one type.
///
/// It works inside a `LockedRepo`: the repository's lock is held for the whole call, and the
/// session's history and cache are the ones written.
///
/// An outcome Jenkins never told us is neither success nor failure: a dispatch whose answer was
/// lost (or that stopped after recording its intent) is resolved by asking Jenkins for a queue item
/// or build with exactly its parameters, before anything else is done for that issue.
public struct Dispatcher {
    /// The locked session whose history and cache the dispatch writes.
    let session: LockedRepo
    /// Who dispatches, for the history: `user@host (run)`.
    public var actor: String

    private var issues: any IssueSource { session.service.github }
    private var labels: any LabelWriter { session.service.github }
    private var jobs: any JobStarter { session.service.jobs }
    private var history: any DispatchHistory { session.service.history }
    private var rules: WorkflowRules { session.service.rules }
    private var logger: Logger { session.service.logger }
    private var timings: DispatchTimings { session.service.timings }

    init(session: LockedRepo, actor: String) {
        self.session = session
        self.actor = actor
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

        // An earlier dispatch from this pickup label that may have started a job: settle it first,
        // never start a second job.
        if let unfinished = history.current().unfinishedDispatch(issue: number, pickup: move.remove) {
            switch await resolveIfNeeded(unfinished, fallback: plan) {
            case let .unreachable(failure):
                return .failed(failure)
            case .absent:
                break
            case let .started(started):
                if Self.isInFlight(started, live: live) {
                    return await recover(issue: number, unfinished: started, jobPath: plan.jobPath)
                }
                await supersede(started)
            }
        }

        // The live issue must still be what the plan assumed.
        guard rules.classify(live).route == plan.route else {
            await session.upsert(live)
            return .skipped(issue: number, reason: .labelsChanged(live: live.labels))
        }

        // Everything the POST needs besides its parameters comes before the intent, so an intent on
        // disk means the POST was about to leave.
        do {
            try await jobs.prepareToStart()
        } catch {
            return .failed(DispatchFailure(issueNumber: number, stage: .jenkins, message: "\(error)", jobStarted: false))
        }
        return await start(plan, live: live, mayRetry: true)
    }

    /// Records the intent, asks Jenkins for the job, then moves the labels and updates the cache.
    /// A lost answer is resolved by asking Jenkins after `lostAnswerWait`; when the job is not
    /// there, it is requested once more (`mayRetry`).
    private func start(_ plan: DispatchPlan, live: Issue, mayRetry: Bool) async -> DispatchOutcome {
        let number = plan.issueNumber
        let move = plan.labelMove
        let dispatchID = UUID().uuidString.lowercased()
        func line(_ step: HistoryStep) -> HistoryRecord {
            HistoryRecord(time: Date(), dispatchID: dispatchID, issue: number, pickup: move.remove, busy: move.add, step: step)
        }
        func record(_ step: HistoryStep) async throws {
            try await session.record(line(step))
        }
        do {
            try await session.record(line(.intent(.init(
                workflow: plan.workflow.rawValue, by: actor, issueUpdatedAt: live.updatedAt, jobPath: plan.jobPath,
                parameters: plan.parameters))))
        } catch {
            // Without the intent on disk a crash could start a second job later; do not start one.
            return .failed(DispatchFailure(issueNumber: number, stage: .prepare, message: "\(error)", jobStarted: false))
        }

        var start: JobStart
        var evidence = JobEvidence.answered
        do {
            session.onJobRequested?()
            start = try await jobs.startJob(path: plan.jobPath, parameters: plan.parameters)
            do {
                try await record(.jobStarted(queueID: start.queueID, merged: start.merged))
            } catch {
                logger.warning("history: \(error)")
            }
        } catch let JenkinsError.answerLost(_, lost) {
            try? await record(.answerLost(message: lost))
            logger.warning("#\(number): Jenkins' answer was lost (\(lost)); asking Jenkins whether the job was queued")
            try? await Task.sleep(for: timings.lostAnswerWait)
            guard let intent = history.current().dispatches[dispatchID] else {
                return .failed(DispatchFailure(
                    issueNumber: number, stage: .unresolved,
                    message: "Jenkins' answer was lost (\(lost)) and the intent is not in the history; nothing more was done",
                    jobStarted: false))
            }
            switch await resolve(intent, fallback: plan) {
            case var .unreachable(failure):
                failure.message = "Jenkins' answer was lost (\(lost)) and " + failure.message
                return .failed(failure)
            case .absent:
                guard mayRetry else {
                    return .failed(DispatchFailure(
                        issueNumber: number, stage: .jenkins,
                        message: "Jenkins' answer was lost twice (\(lost)) and no job was found either time; nothing changed",
                        jobStarted: false))
                }
                logger.warning("#\(number): no job was queued; requesting it again")
                return await self.start(plan, live: live, mayRetry: false)
            case let .started(found):
                start = JobStart(queueID: found.queueID, queueURL: nil, merged: false)
                evidence = if case let .found(place?)? = found.jobStart { .found(place) } else { .assumed }
            }
        } catch {
            try? await record(.failed(message: "\(error)"))
            return .failed(DispatchFailure(issueNumber: number, stage: .jenkins, message: "\(error)", jobStarted: false))
        }
        logger.info("#\(number): job \(plan.jobPath) \(start.merged ? "merged into queued item" : "queued as") \(start.queueID.map(String.init) ?? "?")")

        var receipt = DispatchReceipt(
            issueNumber: number, jobPath: plan.jobPath, labelMove: move, queueID: start.queueID,
            merged: start.merged, labels: [], cacheUpdated: false, cacheWarning: nil, buildURL: nil, evidence: evidence)
        switch await moveLabels(move, issue: number) {
        case let .failure(message):
            return .failed(DispatchFailure(
                issueNumber: number, stage: .labels,
                message: "job started (queue item \(start.queueID.map(String.init) ?? "?")) but the label move failed: \(message); the next run finishes it without a second job",
                jobStarted: true))
        case let .success(labels):
            receipt.labels = labels
        }
        try? await record(.labelsMoved)
        await updateCache(&receipt)
        if let queueID = start.queueID, let buildURL = await buildURL(queueID: queueID) {
            receipt.buildURL = buildURL
        }
        try? await record(.done(queueID: start.queueID, buildURL: receipt.buildURL, message: nil))
        return .dispatched(receipt)
    }

    /// Finishes the dispatch a conflict (pickup and busy label at once) is the trace of: a run that
    /// stopped between adding the busy label and removing the pickup label. Nil when the history
    /// holds no such dispatch for any of `pickups`; the conflict is then left to the operator.
    public func finishInterrupted(issue number: Int, pickups: [String], jobPath: String) async -> DispatchOutcome? {
        let projection = history.current()
        guard let unfinished = pickups.lazy.compactMap({ projection.unfinishedDispatch(issue: number, pickup: $0) }).first else {
            return nil
        }
        let live: Issue
        do {
            live = try await issues.issue(number: number)
        } catch {
            return .failed(DispatchFailure(issueNumber: number, stage: .prepare, message: "cannot re-read the issue live: \(error)", jobStarted: true))
        }
        switch await resolveIfNeeded(unfinished, fallback: nil) {
        case let .unreachable(failure):
            return .failed(failure)
        case .absent:
            return nil
        case let .started(started):
            guard Self.isInFlight(started, live: live) else {
                await supersede(started)
                return nil
            }
            return await recover(issue: number, unfinished: started, jobPath: jobPath)
        }
    }

    // MARK: Resolving a lost answer

    /// What Jenkins said about a dispatch whose answer was never recorded.
    enum Resolution {
        /// The job exists (or an earlier step already said so): the dispatch as it now stands.
        case started(DispatchSummary)
        /// Jenkins has no such job: the dispatch is closed as `job_absent`.
        case absent
        /// Jenkins could not be asked: nothing was touched; ask again next time.
        case unreachable(DispatchFailure)
    }

    /// Settles an unfinished dispatch: one whose job start is recorded passes through; one whose
    /// answer was never recorded (last step `intent` or `answer_lost`) is resolved by asking Jenkins.
    private func resolveIfNeeded(_ unfinished: DispatchSummary, fallback: DispatchPlan?) async -> Resolution {
        if unfinished.jobStart != nil { return .started(unfinished) }
        return await resolve(unfinished, fallback: fallback)
    }

    /// Asks Jenkins for a queue item or build of the dispatch's job with exactly its parameters,
    /// created at or after its intent and not recorded against another dispatch, and records the
    /// answer (`job_found` / `job_absent`).
    private func resolve(_ intent: DispatchSummary, fallback: DispatchPlan?) async -> Resolution {
        func append(_ step: HistoryStep) async -> DispatchSummary {
            let line = HistoryRecord(
                time: Date(), dispatchID: intent.dispatchID, issue: intent.issue, pickup: intent.pickup, busy: intent.busy, step: step)
            var known = intent
            known.absorb(line)
            do {
                try await session.record(line)
                return history.current().dispatches[intent.dispatchID] ?? known
            } catch {
                logger.warning("history: \(error)")
                return known
            }
        }
        guard let parameters = intent.intent?.parameters ?? fallback?.parameters, let jobPath = intent.intent?.jobPath ?? fallback?.jobPath else {
            // Written by a version that did not record what it sent: Jenkins cannot be asked
            // precisely. Finishing the label move risks no second job; the history says it was not checked.
            logger.warning("#\(intent.issue): dispatch \(intent.dispatchID) recorded no parameters; assuming its job started (not checked)")
            return .started(await append(.jobFound(
                place: nil, queueID: nil, buildURL: nil,
                message: "assumed started: recorded without its parameters, so Jenkins could not be asked")))
        }
        let excluded = history.current().recordedJobs(otherThan: intent.dispatchID)
        let query = JobQuery(
            jobPath: jobPath, parameters: parameters, notBefore: intent.startedAt,
            excludedQueueIDs: excluded.queueIDs, excludedBuildURLs: excluded.buildURLs)
        do {
            if let sighting = try await jobs.findJob(query) {
                let place = sighting.place == .queue ? "Jenkins' queue" : "the job's builds"
                let what = sighting.buildNumber.map { "build #\($0)" } ?? sighting.queueID.map { "queue item \($0)" } ?? "an item"
                logger.info("#\(intent.issue): dispatch \(intent.dispatchID) started: found \(what) in \(place)")
                return .started(await append(.jobFound(
                    place: sighting.place, queueID: sighting.queueID, buildURL: sighting.buildURL, message: "started: found \(what) in \(place)")))
            }
            logger.warning("#\(intent.issue): dispatch \(intent.dispatchID) did not start: no such job in Jenkins' queue or builds")
            _ = await append(.jobAbsent(message: "not started: no queue item or build with its parameters since its intent"))
            return .absent
        } catch {
            return .unreachable(DispatchFailure(
                issueNumber: intent.issue, stage: .unresolved,
                message: "whether the job of dispatch \(intent.dispatchID) started is unknown: Jenkins could not be asked (\(error)); nothing was changed, and the next run asks again before anything else",
                jobStarted: false))
        }
    }

    /// Whether an unfinished dispatch still describes the issue, so that finishing its label move
    /// (and starting no job) is right: the issue carries its busy label (the move is half done), or
    /// it has not changed since the dispatch read it (the job may be running while the labels never
    /// moved). An issue changed since then, without the busy label, was handled by a person (for
    /// example given its pickup label back for a new run): the old entry no longer speaks for it.
    /// An entry that recorded no time is trusted, because a second job is the worse mistake.
    static func isInFlight(_ unfinished: DispatchSummary, live: Issue) -> Bool {
        if live.labels.contains(unfinished.busy) { return true }
        guard let seen = unfinished.intent?.issueUpdatedAt, let current = live.updatedAt else { return true }
        return current <= seen
    }

    /// Closes an unfinished dispatch that no longer speaks for the issue.
    private func supersede(_ unfinished: DispatchSummary) async {
        logger.warning("#\(unfinished.issue): the unfinished dispatch \(unfinished.dispatchID) is superseded: the issue changed since")
        try? await session.record(HistoryRecord(
            time: Date(), dispatchID: unfinished.dispatchID, issue: unfinished.issue, pickup: unfinished.pickup, busy: unfinished.busy,
            step: .failed(message: "superseded: the issue changed after this dispatch and does not carry its busy label")))
    }

    private func recover(issue number: Int, unfinished last: DispatchSummary, jobPath: String) async -> DispatchOutcome {
        let move = LabelMove(remove: last.pickup, add: last.busy)
        let evidence: JobEvidence = switch last.jobStart {
        case .answered?: .recorded
        case let .found(place?)?: .found(place)
        default: .assumed
        }
        var merged = false
        if case let .answered(wasMerged)? = last.jobStart { merged = wasMerged }
        logger.warning("#\(number): an earlier dispatch (\(last.dispatchID)) started a job without moving the labels; finishing it")
        var receipt = DispatchReceipt(
            issueNumber: number, jobPath: jobPath, labelMove: move, queueID: last.queueID,
            merged: merged, labels: [], cacheUpdated: false, cacheWarning: nil, buildURL: last.buildURL,
            evidence: evidence)
        switch await moveLabels(move, issue: number) {
        case let .failure(message):
            return .failed(DispatchFailure(issueNumber: number, stage: .labels, message: "finishing an earlier dispatch: \(message)", jobStarted: true))
        case let .success(labels):
            receipt.labels = labels
        }
        let note = "recovered: \(evidence.description)"
        for step in [HistoryStep.labelsMoved, .done(queueID: nil, buildURL: nil, message: note)] {
            try? await session.record(HistoryRecord(
                time: Date(), dispatchID: last.dispatchID, issue: number, pickup: move.remove, busy: move.add, step: step))
        }
        await updateCache(&receipt)
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
    private func updateCache(_ receipt: inout DispatchReceipt) async {
        do {
            if try await session.setLabels(receipt.labels, issue: receipt.issueNumber) {
                receipt.cacheUpdated = true
            } else {
                receipt.cacheWarning = "#\(receipt.issueNumber) is not in the cache; the next refresh adds it"
            }
        } catch {
            receipt.cacheWarning = "cache not updated: \(error)"
        }
        if let warning = receipt.cacheWarning { logger.warning("\(warning)") }
    }

    /// The build URL, if Jenkins already started the build: asked once, within `buildURLWait`.
    private func buildURL(queueID: Int) async -> String? {
        guard case let .started(url) = await jobs.waitForBuild(queueItem: queueID, within: timings.buildURLWait) else { return nil }
        return url
    }
}

/// How long a dispatch waits for Jenkins in the two places where waiting is a choice.
public struct DispatchTimings: Sendable, Equatable {
    /// After a lost answer, before asking Jenkins whether the job was queued.
    public var lostAnswerWait: Duration
    /// The most the cosmetic build-URL lookup after a dispatch may take (failure mode 14).
    public var buildURLWait: Duration

    public init(lostAnswerWait: Duration = .seconds(1), buildURLWait: Duration = .seconds(2)) {
        self.lostAnswerWait = lostAnswerWait
        self.buildURLWait = buildURLWait
    }

    public static let standard = DispatchTimings()
}
