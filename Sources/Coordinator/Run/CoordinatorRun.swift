import Foundation
import Logging

/// Options of one headless run.
public struct RunOptions: Sendable, Equatable {
    public var forceRefresh = false
    /// Plan only: no Jenkins call, no label write, no cache write.
    public var dryRun = false
    /// Continue after a failed dispatch; the run still fails at the end.
    public var keepGoing = false
    /// Use the cache as is inside `duplicate_window_seconds` (false: always ask GitHub, which
    /// costs one `304` when nothing changed).
    public var reuseWindow = true

    public init(forceRefresh: Bool = false, dryRun: Bool = false, keepGoing: Bool = false, reuseWindow: Bool = true) {
        self.forceRefresh = forceRefresh
        self.dryRun = dryRun
        self.keepGoing = keepGoing
        self.reuseWindow = reuseWindow
    }
}

/// What a run did in one repository.
public struct RepoRunReport: Sendable {
    public var repoName: String
    public var refresh: RefreshKind?
    public var notice: String?
    /// Set when the repository could not be refreshed or locked: nothing was dispatched there.
    public var error: String?
    public var conflicts: [Issue] = []
    /// Dry run: the plan (or skip) of every eligible issue, in dispatch order.
    public var plans: [PlanOutcome] = []
    /// Real run: the outcome of every dispatch attempted, in order. Dry run: the issues whose
    /// dispatch would fail before anything is sent (their linked branches could not be read).
    public var outcomes: [DispatchOutcome] = []
    /// Dry run: the conflicts whose interrupted dispatch the run would finish first.
    public var finishing: [Int] = []
    /// Dry run: the issues the run would not try, in order, because it stops at the first failure
    /// (no `--keep-going`).
    public var notTried: [Int] = []

    public var failed: Bool { error != nil || outcomes.contains(where: \.isFailure) }
}

/// The report of a whole run.
public struct RunReport: Sendable {
    public var repos: [RepoRunReport] = []
    /// True when a failure ended the run (no `--keep-going`): later issues and repos were not tried.
    public var stoppedEarly = false

    public var failed: Bool { repos.contains(where: \.failed) }
}

/// A whole coordinator run over the selected repositories, in file order (SPEC §2 data flow):
/// lock, refresh, choose eligible issues, dispatch each, report.
public struct CoordinatorRun: Sendable {
    public var services: [RepoService]
    public var actor: String

    public init(services: [RepoService], actor: String) {
        self.services = services
        self.actor = actor
    }

    public func run(_ options: RunOptions) async -> RunReport {
        var report = RunReport()
        for service in services {
            let repoReport = await run(service, options)
            report.repos.append(repoReport)
            if repoReport.failed && !options.keepGoing {
                report.stoppedEarly = true
                break
            }
        }
        return report
    }

    private func run(_ service: RepoService, _ options: RunOptions) async -> RepoRunReport {
        if options.dryRun { return await service.predictRun(options) }
        do {
            return try await service.withLock { await $0.run(options, actor: actor) }
        } catch {
            var report = RepoRunReport(repoName: service.repo.name)
            report.error = "\(error)"
            return report
        }
    }
}
