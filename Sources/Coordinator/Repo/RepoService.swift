import Foundation
import Logging

/// One configured repository and its clients, for the headless commands and the console alike.
/// Without the lock it reads: the cache, the live issues, the diff, a preview, a dry run. Every
/// write — refresh, dispatch, recovery, sync — happens in a `LockedRepo` (`withLock`).
public final class RepoService: Sendable {
    public typealias GitHubPort = IssueSource & LabelWriter & BranchResolver & IssueEventReader

    public let repo: RepoConfig
    public let rules: WorkflowRules
    /// Where the cache, the history and the notes live, and the lock every write is made under.
    public let store: any RepoStore
    /// The dispatch history and the one projection of it.
    public var history: any DispatchHistory { store.history }
    public let planner: DispatchPlanner
    public let refresher: CacheRefresher
    /// When an issue that keeps a busy label counts as stuck (SPEC §10).
    public let stuckRules: StuckRules
    let github: any GitHubPort
    let jobs: any JobStarter
    let timings: DispatchTimings
    private let rateLimitReader: @Sendable () async -> RateLimitSnapshot?
    let logger: Logger

    /// A repository whose state is in the files of `store`'s cache directory.
    public convenience init(
        repo: RepoConfig, rules: WorkflowRules, store: IssueCacheStore, planner: DispatchPlanner,
        refresher: CacheRefresher, github: any GitHubPort, jobs: any JobStarter,
        rateLimit: @escaping @Sendable () async -> RateLimitSnapshot? = { nil }, timings: DispatchTimings = .standard,
        stuckRules: StuckRules = StuckRules(), historyDays: Int = CoordinatorSettings.defaultHistoryDays, logger: Logger
    ) {
        self.init(
            repo: repo, rules: rules, store: FileRepoStore(files: store, retentionDays: historyDays, logger: Self.logger(logger, repo: repo)),
            planner: planner, refresher: refresher, github: github, jobs: jobs, rateLimit: rateLimit, timings: timings,
            stuckRules: stuckRules, logger: logger)
    }

    public init(
        repo: RepoConfig, rules: WorkflowRules, store: any RepoStore, planner: DispatchPlanner,
        refresher: CacheRefresher, github: any GitHubPort, jobs: any JobStarter,
        rateLimit: @escaping @Sendable () async -> RateLimitSnapshot? = { nil }, timings: DispatchTimings = .standard,
        stuckRules: StuckRules = StuckRules(), logger: Logger
    ) {
        self.repo = repo
        self.rules = rules
        self.store = store
        self.planner = planner
        self.refresher = refresher
        self.stuckRules = stuckRules
        self.github = github
        self.jobs = jobs
        self.timings = timings
        self.rateLimitReader = rateLimit
        self.logger = Self.logger(logger, repo: repo)
    }

    /// `logger` with the repository's name on every message.
    static func logger(_ logger: Logger, repo: RepoConfig) -> Logger {
        var logger = logger
        logger[metadataKey: "repo"] = "\(repo.name)"
        return logger
    }

    /// The cache as it is on disk, with a notice when a corrupt file was moved aside. No network.
    public struct CachedState: Sendable {
        public var cache: IssueCache
        public var notice: String?
    }

    /// Reads the cache without any request to GitHub, and without waiting for a run that holds
    /// the lock: only setting a corrupt cache aside, a write, takes the lock.
    public func readCache() async throws -> CachedState {
        if case let .cache(cache) = try await store.readCache() { return CachedState(cache: cache, notice: nil) }
        return try await withLock { CachedState(cache: $0.cache, notice: $0.notice) }
    }

    /// Runs `body` in this repository's locked session. When another process holds the lock for
    /// more than a second, the wait is logged with the holder and `waiting` is told.
    public func withLock<T: Sendable>(
        waiting: @escaping @Sendable (RepoLock.Holder?) -> Void = { _ in }, _ body: (LockedRepo) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        let name = repo.name
        return try await store.withSession(waiting: { holder in
            logger.notice("waiting for the lock of \(name): held by \(holder.map(String.init(describing:)) ?? "another coordinator")")
            waiting(holder)
        }) { session in
            let result = try await body(try await LockedRepo(service: self, session: session))
            await session.maintain()
            return result
        }
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
    /// when its route needs them and `branches` does not already hold them. An issue that is not
    /// eligible gets a skip saying why; a failed branch lookup throws.
    public func preview(_ issue: Issue, branches: [String]? = nil) async throws -> PlanOutcome {
        let eligibility = rules.classify(issue)
        var linked = branches
        if linked == nil, let route = eligibility.route, DispatchPlanner.needsLinkedBranch(route) {
            linked = try await github.linkedBranches(issue: issue.number)
        }
        return plan(issue, eligibility: eligibility, branches: linked)
    }

    /// The plan of `issue` given its eligibility and linked branches (pure): the one place that
    /// words why an issue is not dispatched, for the run, the dry run and the console alike.
    func plan(_ issue: Issue, eligibility: Eligibility, branches: [String]?) -> PlanOutcome {
        guard let route = eligibility.route else {
            return .skip(issue: issue.number, reason: .notEligible(eligibility.description))
        }
        return planner.plan(issue: issue, route: route, repo: repo, linkedBranches: branches)
    }

    /// The linked branches a run skipped an issue for, for each of `eligible` that has not
    /// changed since: inside the reuse window they are planned from the note, with no request.
    func rememberedSkips(_ eligible: [(issue: Issue, route: WorkflowRoute)], in notes: SkipNotes) -> [Int: [String]] {
        var remembered: [Int: [String]] = [:]
        for (issue, route) in eligible where DispatchPlanner.needsLinkedBranch(route) {
            remembered[issue.number] = notes.branches(of: issue, pickup: route.pickupLabel)
        }
        return remembered
    }

    /// The linked branches of every issue in `eligible` whose route needs one, in batched GraphQL
    /// requests (50 issues each) instead of one request per issue. An issue GitHub does not
    /// resolve is absent; its dispatch then asks once more on its own and fails with the reason.
    func prefetchBranches(_ eligible: [(issue: Issue, route: WorkflowRoute)]) async throws -> [Int: [String]] {
        let numbers = eligible.filter { DispatchPlanner.needsLinkedBranch($0.route) }.map(\.issue.number)
        guard !numbers.isEmpty else { return [:] }
        return try await github.linkedBranches(issues: numbers)
    }

    /// Dispatches one issue by number, as the operator asked, through the same `Dispatcher` as a
    /// headless run (see `LockedRepo.dispatchLive`).
    /// The result carries the issue as the dispatch left it in the cache and the history.
    public func dispatch(issueNumber: Int, by actor: String, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void = { _ in }) async -> OperatorDispatch {
        do {
            return try await withLock(waiting: waiting) { session in
                let outcome = await session.dispatchLive(issueNumber: issueNumber, actor: actor)
                return OperatorDispatch(outcome: outcome, change: session.change(of: issueNumber))
            }
        } catch {
            return OperatorDispatch(outcome: .failed(DispatchFailure(issueNumber: issueNumber, stage: .prepare, message: "\(error)", jobStarted: false)))
        }
    }

    /// A forced full refresh written to the cache: the cache becomes the live state.
    public func sync(waiting: @escaping @Sendable (RepoLock.Holder?) -> Void = { _ in }) async throws -> IssueCache {
        try await withLock(waiting: waiting) { session in
            try await session.refresh(force: true)
            return session.cache
        }
    }

    /// The newest dispatches and unsticks from the history, newest last.
    public func recentDispatches(limit: Int = 20) -> [DispatchSummary] {
        history.current().recent(limit: limit)
    }

    /// Starts the executor job with the environment-check command on `branch` (upstream
    /// `coordinator test`). Touches no label and no cache.
    public func startEnvironmentCheck(branch: String) async throws -> JobStart {
        let command = planner.command.renderEnvironmentCheck(os: repo.executorOS, branch: branch, logLevel: planner.logLevel)
        return try await jobs.startJob(
            path: repo.executorJobPath, parameters: DispatchPlanner.parameters(repo: repo, branch: branch, command: command))
    }

    /// Waits up to `timeout` for a started job's build (see `JobStarter.waitForBuild`).
    public func waitForBuild(queueItem id: Int, within timeout: Duration) async -> BuildWait {
        await jobs.waitForBuild(queueItem: id, within: timeout, every: .milliseconds(500))
    }

    public func rateLimit() async -> RateLimitSnapshot? {
        await rateLimitReader()
    }
}

extension RepoService {
    /// Build `number` of `jobPath`'s web page on this repository's Jenkins (nil with a job
    /// starter that is not one, as in tests).
    public func buildPageURL(path jobPath: String, number: Int) -> String? {
        (jobs as? JenkinsClient)?.buildPageURL(path: jobPath, number: number)
    }
}
