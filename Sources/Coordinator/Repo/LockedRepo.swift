import Foundation
import Logging

/// One repository while its lock is held: the only way to refresh, dispatch, recover, sync or
/// write the cache. Get one from `RepoService.withLock`.
///
/// The cache is read once when the session starts and kept in memory (the history is the
/// service's projection, caught up with the log under the lock); every
/// change is written through at once (the cache saved once per change: after a refresh, after
/// each dispatch's label move, after a live re-read that corrected an entry), so a crash never
/// loses a change and no later reader, in this process or another, sees an older state.
public final class LockedRepo {
    public let service: RepoService
    /// The cache as this session holds it: what is on disk, plus this session's changes.
    public private(set) var cache: IssueCache
    /// Set when a corrupt cache file was moved aside at the start of the session.
    public let notice: String?
    /// Issues skipped for their linked branches, read once per session.
    public private(set) var skipNotes: SkipNotes
    /// Called just before each Jenkins build request a dispatch of this session sends: `serve`
    /// measures webhook-to-Jenkins latency with it.
    public var onJobRequested: (@Sendable () -> Void)?
    private var logger: Logger { service.logger }

    /// The store while this session holds the repository's lock: every write goes through it.
    let store: any StoreSession

    init(service: RepoService, session: any StoreSession) async throws {
        self.service = service
        self.store = session
        let loaded = try await session.loadCache()
        cache = loaded.cache
        notice = loaded.notice
        skipNotes = await service.store.readSkipNotes()
    }

    // MARK: The cache

    private func save() async throws {
        try await store.saveCache(cache)
    }

    /// Appends `record` to the history (durably) in this session.
    func record(_ record: HistoryRecord) async throws {
        try await store.append(record)
    }

    /// Refresh (SPEC §5.1), saved when it asked GitHub. A failure writes nothing.
    @discardableResult
    public func refresh(force: Bool = false, reuse: Bool = true) async throws -> RefreshKind {
        let (next, kind) = try await service.refresher.refresh(cache, from: service.github, now: Date(), force: force, reuse: reuse)
        if kind != .reused {
            cache = next
            try await save()
        }
        logger.info("cache \(kind.rawValue): \(cache.issues.count) issues")
        return kind
    }

    /// Puts `issue` as GitHub just showed it into the cache and saves; nothing is written when the
    /// entry already says the same. A failed save is logged, not thrown: the next refresh repairs it.
    public func upsert(_ issue: Issue) async {
        guard cache.issues[issue.number] != issue else { return }
        let before = cache
        cache.issues[issue.number] = issue
        do {
            try await save()
        } catch {
            cache = before
            logger.warning("cache entry of #\(issue.number) not refreshed: \(error)")
        }
    }

    /// Takes `issue` as a webhook delivery showed it, unless the cache already holds a newer state
    /// of it (deliveries arrive out of order; the cache never moves backwards in time). Returns
    /// the issue as the cache now holds it.
    @discardableResult
    public func absorb(_ issue: Issue) async -> Issue {
        if let cached = cache.issues[issue.number], let held = cached.updatedAt, let shown = issue.updatedAt, held > shown {
            return cached
        }
        await upsert(issue)
        return cache.issues[issue.number] ?? issue
    }

    /// Drops issue `number` from the cache (deleted, or transferred to another repository) and
    /// saves; a failed save is logged, the next full refresh drops it too.
    public func forget(_ number: Int) async {
        guard cache.issues[number] != nil else { return }
        let before = cache
        cache.issues[number] = nil
        do {
            try await save()
        } catch {
            cache = before
            logger.warning("cache entry of #\(number) not removed: \(error)")
        }
    }

    /// Sets one cached issue's labels to GitHub's answer, keeping every other field and issue, and
    /// saves. False when the issue is not cached (nothing written); throws when the save failed.
    func setLabels(_ labels: [String], issue number: Int) async throws -> Bool {
        guard var issue = cache.issues[number] else { return false }
        let before = cache
        issue.labels = labels
        cache.issues[number] = issue
        do {
            try await save()
        } catch {
            cache = before
            throw error
        }
        return true
    }

    // MARK: Dispatch

    private func dispatcher(actor: String) -> Dispatcher {
        Dispatcher(session: self, actor: actor)
    }

    /// Whether `issue` is a conflict left by a dispatch the ledger says was interrupted, which a
    /// run finishes rather than leaving it to the operator.
    public func isInterruptedDispatch(_ issue: Issue) -> Bool {
        service.isInterruptedDispatch(issue, in: service.history.current())
    }

    /// Plans and dispatches one issue, or finishes the interrupted dispatch a conflict is the trace
    /// of. `isLive` says `issue` was just read from GitHub in this session, so it is not read again;
    /// `branches` are its linked branches when already looked up (a batch).
    public func dispatch(_ issue: Issue, actor: String, isLive: Bool = false, branches: [String]? = nil) async -> DispatchOutcome {
        if let unsettled = unsettledByAnotherHolder(issue: issue.number) {
            logger.info("#\(issue.number) left alone for now: \(unsettled.message)")
            return .failed(unsettled)
        }
        let eligibility = service.rules.classify(issue)
        if case let .conflict(pickups, _) = eligibility,
            let finished = await dispatcher(actor: actor).finishInterrupted(issue: issue.number, pickups: pickups, jobPath: service.repo.executorJobPath)
        {
            logger.info("\(finished.summary)")
            return finished
        }
        let outcome: PlanOutcome
        do {
            outcome = try await service.preview(issue, branches: branches)
        } catch {
            return .failed(DispatchFailure(issueNumber: issue.number, stage: .prepare, message: "linked branches could not be read: \(error)", jobStarted: false))
        }
        if case let .skip(_, reason) = outcome, let route = eligibility.route {
            rememberSkip(issue, route: route, reason: reason)
        }
        switch outcome {
        case let .skip(number, reason):
            logger.info("#\(number) skipped: \(reason)")
            return .skipped(issue: number, reason: reason)
        case let .ready(plan):
            var live = issue
            if !isLive {
                // The issue as GitHub has it now (the read the dispatcher would otherwise make),
                // taken before an earlier dispatch of the plan's pickup is settled: a plan from a
                // cache that missed a change (a holder that lost its lock moved the labels but
                // could not save the cache) must not finish the label move of a pickup the issue
                // no longer carries. That would add the old busy label again, beside the next
                // pickup a person has just given (with second-resolution `updated_at` an issue
                // changed within the second looks unchanged to it): a conflict, the pickup lost.
                do {
                    live = try await service.github.issue(number: issue.number)
                } catch {
                    return .failed(DispatchFailure(
                        issueNumber: issue.number, stage: .prepare, message: "cannot re-read the issue live: \(error)", jobStarted: false))
                }
                let now = service.rules.classify(live)
                if now.route != plan.route {
                    await upsert(live)
                    // Another pickup, or a conflict an interrupted dispatch may have left: taken
                    // as the issue is now. Without any pickup there is nothing to dispatch or settle.
                    if case .ineligible = now {
                        return .skipped(issue: issue.number, reason: .labelsChanged(live: live.labels))
                    }
                    return await dispatch(live, actor: actor, isLive: true)
                }
            }
            let result = await dispatcher(actor: actor).dispatch(plan, live: live)
            logger.info("\(result.summary)")
            return result
        }
    }

    /// Notes a skip for its linked branches, so a run inside the reuse window plans it again from
    /// the note instead of asking GitHub. Written at the end of the run.
    private func rememberSkip(_ issue: Issue, route: WorkflowRoute, reason: SkipReason) {
        let branches: [String]
        switch reason {
        case .noLinkedBranch: branches = []
        case let .severalLinkedBranches(linked): branches = linked
        default: return
        }
        guard let updated = issue.updatedAt else { return }
        let note = SkipNote(branches: branches, issueUpdatedAt: updated, pickup: route.pickupLabel)
        if skipNotes.byIssue[issue.number] != note {
            skipNotes.byIssue[issue.number] = note
            notesChanged = true
        }
    }

    /// Skip notes not yet on disk.
    private var notesChanged = false

    /// Writes pending skip notes, dropping those of issues no longer cached. A failure only costs
    /// branch lookups later.
    private func saveNotes() async {
        let stale = skipNotes.byIssue.keys.filter { cache.issues[$0] == nil }
        for number in stale { skipNotes.byIssue[number] = nil }
        guard notesChanged || !stale.isEmpty else { return }
        do {
            try await store.saveSkipNotes(skipNotes)
            notesChanged = false
        } catch {
            logger.warning("skip notes not saved: \(error)")
        }
    }

    /// Dispatches issue `number` as an operator asked: planned from the issue as it is live (what
    /// the console shows beside the cached labels), whose stale cache entry is corrected first —
    /// an operator acting on a stale row must not be refused because of the staleness shown.
    public func dispatchLive(issueNumber number: Int, actor: String) async -> DispatchOutcome {
        let live: Issue
        do {
            live = try await service.github.issue(number: number)
        } catch {
            return .failed(DispatchFailure(issueNumber: number, stage: .prepare, message: "cannot read the issue live: \(error)", jobStarted: false))
        }
        await upsert(live)
        return await dispatch(live, actor: actor, isLive: true)
    }

    // MARK: A webhook

    /// What a webhook delivery said about one issue, in this session: the issue as GitHub sent it
    /// goes into the cache (never older than what the cache holds), and when it is now eligible —
    /// or is the trace of an interrupted dispatch — it is dispatched through the same `Dispatcher`
    /// as a run, which re-reads it live first. A deleted or transferred issue leaves the cache.
    /// nil when there was nothing to dispatch.
    public func react(to payload: IssuesWebhookPayload, actor: String) async -> DispatchOutcome? {
        guard !["deleted", "transferred"].contains(payload.action) else {
            await forget(payload.issue.number)
            return nil
        }
        let current = await absorb(payload.issue)
        guard service.rules.classify(current).route != nil || isInterruptedDispatch(current) else { return nil }
        let outcome = await dispatch(current, actor: actor)
        await saveNotes()
        return outcome
    }

    // MARK: A whole run

    /// Refresh, then finish interrupted dispatches and dispatch every eligible issue in order
    /// (SPEC §6). Stops at the first failure unless `keepGoing`, and before the next dispatch once
    /// `stopping` says so (a service shutting down).
    public func run(_ options: RunOptions, actor: String, stopping: () -> Bool = { false }) async -> RepoRunReport {
        var report = RepoRunReport(repoName: service.repo.name)
        report.notice = notice
        let kind: RefreshKind
        do {
            kind = try await refresh(force: options.forceRefresh, reuse: options.reuseWindow)
            report.refresh = kind
        } catch {
            report.error = "\(error)"
            return report
        }
        let issues = Array(cache.issues.values)
        report.conflicts = service.rules.conflicts(issues)
        let eligible = service.rules.eligible(issues)
        // Every branch the run needs, in as few requests as GitHub allows; inside the reuse window
        // none for an issue skipped before and unchanged since (SPEC §5.1.1: no API call).
        let remembered = kind == .reused ? service.rememberedSkips(eligible, in: skipNotes) : [:]
        let branches: Result<[Int: [String]], any Error>
        do {
            let fetched = try await service.prefetchBranches(eligible.filter { remembered[$0.issue.number] == nil })
            branches = .success(fetched.merging(remembered) { fetched, _ in fetched })
        } catch {
            branches = .failure(error)
        }
        // The one agenda `run --dry-run` walks too (`RunAgenda`): conflicts an interrupted run left
        // behind are finished first (the rest wait for a person), then the eligible issues in order.
        let agenda = RunAgenda(interrupted: report.conflicts.filter(isInterruptedDispatch), eligible: eligible, branches: branches)
        let walk = await agenda.walk(keepGoing: options.keepGoing, stopping: stopping, isFailure: \.isFailure) { item in
            switch item {
            case let .finishInterrupted(issue): return await dispatch(issue, actor: actor)
            case let .dispatch(issue, known): return await dispatch(issue, actor: actor, branches: known)
            case let .branchLookupFailed(failure): return .failed(failure)
            }
        }
        report.outcomes = walk.steps
        report.notTried = walk.notTried
        await saveNotes()
        return report
    }
}
