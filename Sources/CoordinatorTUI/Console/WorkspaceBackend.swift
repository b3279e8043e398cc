import Coordinator
import Foundation

/// The console's backend over the core `Workspace`: every call goes through `RepoService`, the
/// same code a headless run uses.
public final class WorkspaceBackend: ConsoleBackend {
    private let services: [String: RepoService]
    /// One per repository for the session, so what it learnt (builds, busy-since) is asked once.
    private let watches: [String: BusyWatch]
    public let repos: [ConsoleRepo]
    /// Who dispatched, for the ledger.
    private let actor: String

    public init(workspace: Workspace, actor: String) {
        services = Dictionary(workspace.repos.map { ($0.repo.name, $0) }, uniquingKeysWith: { first, _ in first })
        watches = services.mapValues { BusyWatch(service: $0) }
        repos = workspace.repos.map { service in
            ConsoleRepo(
                name: service.repo.name, fullName: service.repo.repo.fullName,
                jobPath: service.repo.executorJobPath, rules: service.rules, refreshPolicy: service.refresher.policy,
                unstickMoves: Self.unstickMoves(service))
        }
        self.actor = actor
    }

    /// Where the core would move each busy label of the rules, per target, or why it cannot.
    private static func unstickMoves(_ service: RepoService) -> [String: [UnstickTarget: UnstickOption]] {
        var table: [String: [UnstickTarget: UnstickOption]] = [:]
        for label in service.rules.busyLabels {
            for target in UnstickTarget.allCases {
                do {
                    table[label, default: [:]][target] = .move(try service.unstickMove(busyLabel: label, to: target))
                } catch {
                    table[label, default: [:]][target] = .unavailable("\(error)")
                }
            }
        }
        return table
    }

    private func service(_ repo: String) throws -> RepoService {
        guard let service = services[repo] else { throw ConsoleFailure("unknown repository \(repo)") }
        return service
    }

    public func readCache(repo: String) async throws -> CacheSnapshot {
        let service = try service(repo)
        let state = try await service.readCache()
        return CacheSnapshot(
            issues: state.cache.issues, times: CacheTimes(state.cache), notice: state.notice,
            lastDispatches: Self.lastDispatches(service))
    }

    /// The newest dispatch or unstick of each issue, from the history's projection.
    private static func lastDispatches(_ service: RepoService) -> [Int: DispatchSummary] {
        service.history.current().lastByIssueSummary
    }

    public func fetchLive(repo: String) async throws -> [Issue] {
        try await service(repo).fetchLive()
    }

    public func previews(repo: String, issues: [Issue]) async throws -> [Int: Result<PlanOutcome, ConsoleFailure>] {
        try await service(repo).previewPlans(issues).mapValues { $0.mapError { ConsoleFailure($0.message) } }
    }

    public func dispatch(repo: String, issueNumber: Int, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async -> OperatorDispatch {
        guard let service = services[repo] else {
            return OperatorDispatch(outcome: .failed(DispatchFailure(
                issueNumber: issueNumber, stage: .prepare, message: "unknown repository \(repo)", jobStarted: false)))
        }
        return await service.dispatch(issueNumber: issueNumber, by: actor, waiting: waiting)
    }

    public func sync(repo: String, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async throws -> CacheSnapshot {
        let service = try service(repo)
        let cache = try await service.sync(waiting: waiting)
        return CacheSnapshot(issues: cache.issues, times: CacheTimes(cache), lastDispatches: Self.lastDispatches(service))
    }

    public func surveyBusy(repo: String, issues: [Issue], now: Date) async -> [BusyIssue] {
        guard let watch = watches[repo] else { return [] }
        return await watch.survey(issues, now: now)
    }

    public func unstick(
        repo: String, issueNumber: Int, to target: UnstickTarget, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void
    ) async throws -> UnstickResult {
        try await service(repo).unstick(issueNumber: issueNumber, to: target, by: actor, waiting: waiting)
    }

    /// Every repository's audit trail (log and archive), newest first across them: what
    /// `coordinator history` prints.
    public func history() async throws -> HistoryAudit {
        var entries: [HistoryEntry] = []
        var notices: [String] = []
        for repo in repos {
            guard let service = services[repo.name] else { continue }
            let audit = service.history.audit()
            notices += audit.notices.map { "\(repo.name): \($0)" }
            entries += audit.dispatches.map { HistoryEntry(repo: repo.name, $0) }
        }
        return HistoryAudit(entries: HistoryEntry.newestFirst(entries), notices: notices)
    }

    /// The build of the dispatch `dispatchID` of `issue` (nil: its newest), found as
    /// `coordinator logs` finds it.
    public func locateLog(repo: String, issue: Int, dispatchID: String?) async throws -> LogLocation {
        let service = try service(repo)
        let (target, dispatch) = try await service.buildLogTarget(issue: issue, dispatchID: dispatchID)
        switch target {
        case let .build(jobPath, number):
            let page = service.buildPageURL(path: jobPath, number: number) ?? dispatch?.buildURL
            return .build(LogBuild(jobPath: jobPath, number: number, url: page))
        case let .queued(why):
            return .queued(why: why)
        case .cancelled, .none:
            return .unavailable(target.noLogReason ?? "no build log")
        }
    }

    /// At most `limit` bytes of `build`'s log, from `start` or the tail (`BuildLogReading.logBytes`).
    public func readLog(repo: String, build: LogBuild, start: Int?, limit: Int) async throws -> BuildLogBytes? {
        guard let jenkins = try service(repo).buildLogs else { return nil }
        return try await jenkins.logBytes(path: build.jobPath, number: build.number, start: start, limit: limit)
    }

    public func rateLimit() async -> RateLimitSnapshot? {
        for service in services.values {
            if let snapshot = await service.rateLimit() { return snapshot }
        }
        return nil
    }
}
