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
        repos = workspace.repos.map { ConsoleRepo(profile: $0.profile) }
        self.actor = actor
    }

    private func service(_ repo: String) throws -> RepoService {
        guard let service = services[repo] else { throw ConsoleFailure("unknown repository \(repo)") }
        return service
    }

    public func readCache(repo: String) async throws -> CacheSnapshot {
        try await service(repo).cacheSnapshot()
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
        return service.snapshot(of: try await service.sync(waiting: waiting))
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

    public func history() async throws -> HistoryAudit {
        await RepoService.historyAudit(repos.compactMap { services[$0.name] })
    }

    public func locateLog(repo: String, issue: Int, dispatchID: String?) async throws -> LogLocation {
        try await service(repo).logLocation(issue: issue, dispatchID: dispatchID)
    }

    public func readLog(repo: String, build: LogBuild, start: Int?, limit: Int) async throws -> BuildLogBytes? {
        try await service(repo).readLog(build: build, start: start, limit: limit)
    }

    public func rateLimit() async -> RateLimitSnapshot? {
        for service in services.values {
            if let snapshot = await service.rateLimit() { return snapshot }
        }
        return nil
    }
}
