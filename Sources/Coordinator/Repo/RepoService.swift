import Foundation
import Logging

/// Everything the coordinator does with one configured repository, for the headless commands and
/// the console alike: read the cache, look live, refresh, diff, preview, dispatch, sync.
///
/// Every write of the cache and every dispatch happens under the repo lock.
public final class RepoService: Sendable {
    public typealias GitHubPort = IssueSource & LabelWriter & BranchResolver

    public let repo: RepoConfig
    public let rules: WorkflowRules
    public let store: IssueCacheStore
    public let ledger: DispatchLedger
    public let planner: DispatchPlanner
    public let refresher: CacheRefresher
    private let github: any GitHubPort
    private let jobs: any JobStarter
    private let rateLimitReader: @Sendable () async -> RateLimitSnapshot?
    private let logger: Logger

    public init(
        repo: RepoConfig, rules: WorkflowRules, store: IssueCacheStore, planner: DispatchPlanner,
        refresher: CacheRefresher, github: any GitHubPort, jobs: any JobStarter,
        rateLimit: @escaping @Sendable () async -> RateLimitSnapshot? = { nil }, logger: Logger
    ) {
        self.repo = repo
        self.rules = rules
        self.store = store
        self.ledger = DispatchLedger(url: store.ledgerURL)
        self.planner = planner
        self.refresher = refresher
        self.github = github
        self.jobs = jobs
        self.rateLimitReader = rateLimit
        var logger = logger
        logger[metadataKey: "repo"] = "\(repo.name)"
        self.logger = logger
    }

    /// The cache as it is on disk, with a notice when a corrupt file was moved aside. No network.
    public struct CachedState: Sendable {
        public var cache: IssueCache
        public var notice: String?
    }

    /// Reads the cache file without any network request, and without waiting for a run that
    /// holds the lock: only moving a corrupt file aside, a write, takes the lock.
    public func readCache() async throws -> CachedState {
        if case let .cache(cache) = try store.read() { return CachedState(cache: cache, notice: nil) }
        try store.ensureDirectory()
        let loaded = try await RepoLock.withLock(path: store.lockPath) { try store.load() }
        return CachedState(cache: loaded.cache, notice: loaded.notice)
    }

    /// Every open issue, live. Never writes the cache: comparing must not hide the difference.
    public func fetchLive() async throws -> [Issue] {
        try await github.listIssues(state: .open, since: nil, validator: nil).issues.sorted { $0.number < $1.number }
    }

    /// The cache compared with live GitHub.
    public func diff() async throws -> CacheDiff {
        let cached = try await readCache().cache
        let live = try await fetchLive()
        return CacheDiff(cached: Array(cached.issues.values), live: live)
    }

    /// The dry-run plan of `issue` (made from `issue`'s labels), looking up its linked branches
    /// when its route needs them. An issue that is not eligible gets a skip saying why; a failed
    /// branch lookup throws.
    public func preview(_ issue: Issue) async throws -> PlanOutcome {
        let eligibility = rules.classify(issue)
        guard let route = eligibility.route else {
            return .skip(issue: issue.number, reason: .notEligible(describe(eligibility)))
        }
        let branches = DispatchPlanner.needsLinkedBranch(route) ? try await github.linkedBranches(issue: issue.number) : nil
        return planner.plan(issue: issue, route: route, repo: repo, linkedBranches: branches)
    }

    /// Dispatches one issue by number, as the operator asked, through the same `Dispatcher` as a
    /// headless run. The plan is made from the issue as it is live (what the console shows next
    /// to the cached labels), and that cache entry is brought in line with it first: an operator
    /// acting on a stale row must not be refused because of the staleness the console displays.
    public func dispatch(issueNumber: Int, by actor: String) async -> DispatchOutcome {
        do {
            try store.ensureDirectory()
            return try await RepoLock.withLock(path: store.lockPath) {
                let live = try await github.issue(number: issueNumber)
                do {
                    var cache = try store.load().cache
                    if cache.issues[issueNumber] != live {
                        cache.issues[issueNumber] = live
                        try store.save(cache)
                    }
                } catch {
                    logger.warning("cache entry of #\(issueNumber) not refreshed: \(error)")
                }
                return await dispatchLocked(live, actor: actor, isLive: true)
            }
        } catch {
            return .failed(DispatchFailure(issueNumber: issueNumber, stage: .prepare, message: "\(error)", jobStarted: false))
        }
    }

    /// A forced full refresh written to the cache: the cache becomes the live state.
    public func sync() async throws -> IssueCache {
        try store.ensureDirectory()
        return try await RepoLock.withLock(path: store.lockPath) {
            try await refreshLocked(force: true, dryRun: false).cache
        }
    }

    /// The newest dispatches from the ledger, newest last.
    public func recentDispatches(limit: Int = 20) -> [LedgerRecord] {
        ledger.recentDispatches(limit: limit)
    }

    /// Starts the executor job with the environment-check command on `branch` (upstream
    /// `coordinator test`). Touches no label and no cache.
    public func startEnvironmentCheck(branch: String) async throws -> JobStart {
        let command = planner.command.renderEnvironmentCheck(os: repo.executorOS, branch: branch, logLevel: planner.logLevel)
        return try await jobs.startJob(
            path: repo.executorJobPath, parameters: DispatchPlanner.parameters(repo: repo, branch: branch, command: command))
    }

    /// A Jenkins queue item, e.g. to learn the build URL of a started job.
    public func queueItem(id: Int) async throws -> QueueItem {
        try await jobs.queueItem(id: id)
    }

    public func rateLimit() async -> RateLimitSnapshot? {
        await rateLimitReader()
    }

    // MARK: - The run of one repository

    /// What a refresh produced.
    public struct Refreshed: Sendable {
        public var cache: IssueCache
        public var kind: RefreshKind
        public var notice: String?
    }

    /// Refresh (SPEC §5.1). Caller holds the lock unless `dryRun`. A failure writes nothing.
    func refreshLocked(force: Bool, dryRun: Bool) async throws -> Refreshed {
        let loaded = try store.load()
        let (cache, kind) = try await refresher.refresh(loaded.cache, from: github, now: Date(), force: force)
        if kind != .reused && !dryRun { try store.save(cache) }
        logger.info("cache \(kind.rawValue): \(cache.issues.count) issues")
        return Refreshed(cache: cache, kind: kind, notice: loaded.notice)
    }

    /// Whether `issue` is a conflict left by a dispatch the ledger says was interrupted, which a
    /// run finishes rather than leaving it to the operator.
    public func isInterruptedDispatch(_ issue: Issue) -> Bool {
        guard case let .conflict(pickups, _) = rules.classify(issue) else { return false }
        return pickups.contains { ledger.unfinishedDispatch(issue: issue.number, pickup: $0) != nil }
    }

    private func dispatcher(actor: String) -> Dispatcher {
        Dispatcher(issues: github, labels: github, jobs: jobs, store: store, ledger: ledger, rules: rules, actor: actor, logger: logger)
    }

    /// Plans and dispatches one issue, or finishes the interrupted dispatch a conflict is the trace
    /// of. `isLive` says `issue` was just read from GitHub under this lock, so the dispatcher need
    /// not read it again. Caller holds the lock.
    func dispatchLocked(_ issue: Issue, actor: String, isLive: Bool = false) async -> DispatchOutcome {
        if case let .conflict(pickups, _) = rules.classify(issue),
            let finished = await dispatcher(actor: actor).finishInterrupted(issue: issue.number, pickups: pickups, jobPath: repo.executorJobPath)
        {
            logger.info("\(finished.summary)")
            return finished
        }
        let outcome: PlanOutcome
        do {
            outcome = try await preview(issue)
        } catch {
            return .failed(DispatchFailure(issueNumber: issue.number, stage: .prepare, message: "linked branches could not be read: \(error)", jobStarted: false))
        }
        switch outcome {
        case let .skip(number, reason):
            logger.info("#\(number) skipped: \(reason)")
            return .skipped(issue: number, reason: reason)
        case let .ready(plan):
            let result = await dispatcher(actor: actor).dispatch(plan, live: isLive ? issue : nil)
            logger.info("\(result.summary)")
            return result
        }
    }

    private func describe(_ eligibility: Eligibility) -> String {
        switch eligibility {
        case .eligible: return "eligible"
        case let .conflict(pickup, busy): return "conflict: both \(pickup.joined(separator: ", ")) and \(busy.joined(separator: ", "))"
        case let .ineligible(reason): return reason.description
        }
    }
}
