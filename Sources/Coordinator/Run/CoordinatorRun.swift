import Foundation
import Logging

/// Options of one headless run.
public struct RunOptions: Sendable, Equatable {
    public var forceRefresh = false
    /// Plan only: no Jenkins call, no label write, no cache write.
    public var dryRun = false
    /// Continue after a failed dispatch; the run still fails at the end.
    public var keepGoing = false

    public init(forceRefresh: Bool = false, dryRun: Bool = false, keepGoing: Bool = false) {
        self.forceRefresh = forceRefresh
        self.dryRun = dryRun
        self.keepGoing = keepGoing
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
    /// Real run: the outcome of every dispatch attempted, in order.
    public var outcomes: [DispatchOutcome] = []

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
        var report = RepoRunReport(repoName: service.repo.name)
        do {
            try service.store.ensureDirectory()
            if options.dryRun {
                try await runRepo(service, options, into: &report)
            } else {
                report = try await RepoLock.withLock(path: service.store.lockPath) {
                    var inner = report
                    try await runRepo(service, options, into: &inner)
                    return inner
                }
            }
        } catch {
            report.error = "\(error)"
        }
        return report
    }

    private func runRepo(_ service: RepoService, _ options: RunOptions, into report: inout RepoRunReport) async throws {
        let refreshed = try await service.refreshLocked(force: options.forceRefresh, dryRun: options.dryRun)
        report.refresh = refreshed.kind
        report.notice = refreshed.notice
        let issues = Array(refreshed.cache.issues.values)
        report.conflicts = service.rules.conflicts(issues)
        // Conflicts an interrupted run left behind are finished first; the rest wait for a person.
        let interrupted = options.dryRun ? [] : report.conflicts.filter(service.isInterruptedDispatch)
        for issue in interrupted + service.rules.eligible(issues).map(\.issue) {
            if options.dryRun {
                do {
                    report.plans.append(try await service.preview(issue))
                } catch {
                    report.outcomes.append(.failed(DispatchFailure(
                        issueNumber: issue.number, stage: .prepare, message: "linked branches could not be read: \(error)", jobStarted: false)))
                    if !options.keepGoing { return }
                }
                continue
            }
            let outcome = await service.dispatchLocked(issue, actor: actor)
            report.outcomes.append(outcome)
            if outcome.isFailure && !options.keepGoing { return }
        }
    }
}
