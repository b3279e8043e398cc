import Foundation

/// `run --dry-run` in one repository: the run's own agenda (`RunAgenda`), each item planned
/// instead of dispatched, so the dry run lists exactly the issues the run would take up, in its
/// order, with its stops. It changes nothing and takes no lock: the refresh is made in memory.
///
/// What it cannot know is what Jenkins and GitHub will answer to the writes; it takes every
/// dispatch to succeed. A branch lookup that fails fails the same issues it would fail in the
/// run, and, as in the run, without `--keep-going` the issues after the first failure are
/// reported as not tried (`RepoRunReport.notTried`) — with `--keep-going` they are planned.
extension RepoService {
    public func predictRun(_ options: RunOptions) async -> RepoRunReport {
        var report = RepoRunReport(repoName: repo.name)
        let cache: IssueCache
        do {
            let state = try await readCache()
            report.notice = state.notice
            let refreshed = try await refresher.refresh(
                state.cache, from: github, now: Date(), force: options.forceRefresh, reuse: options.reuseWindow)
            cache = refreshed.0
            report.refresh = refreshed.1
        } catch {
            report.error = "\(error)"
            return report
        }
        let issues = Array(cache.issues.values)
        report.conflicts = rules.conflicts(issues)
        let eligible = rules.eligible(issues)
        // The same branches the run would have: batched, and inside the reuse window none asked
        // for an issue skipped before and unchanged since.
        let remembered = report.refresh == .reused ? rememberedSkips(eligible, in: await store.readSkipNotes()) : [:]
        let branches: Result<[Int: [String]], any Error>
        do {
            let fetched = try await prefetchBranches(eligible.filter { remembered[$0.issue.number] == nil })
            branches = .success(fetched.merging(remembered) { fetched, _ in fetched })
        } catch {
            branches = .failure(error)
        }
        let agenda = RunAgenda(interrupted: interruptedConflicts(report.conflicts), eligible: eligible, branches: branches)
        let walk = await agenda.walk(keepGoing: options.keepGoing, isFailure: { (failed: Bool) in failed }) { item in
            switch item {
            case let .finishInterrupted(issue):
                report.finishing.append(issue.number)
                return false
            case let .dispatch(issue, known):
                do {
                    report.plans.append(try await preview(issue, branches: known))
                    return false
                } catch {
                    report.outcomes.append(.failed(DispatchFailure(
                        issueNumber: issue.number, stage: .prepare, message: "linked branches could not be read: \(error)", jobStarted: false)))
                    return true
                }
            case let .branchLookupFailed(failure):
                report.outcomes.append(.failed(failure))
                return true
            }
        }
        report.notTried = walk.notTried
        return report
    }

    /// The conflicts the history says an interrupted dispatch left (what a locked session
    /// finishes first), read without the lock.
    private func interruptedConflicts(_ conflicts: [Issue]) -> [Issue] {
        guard !conflicts.isEmpty else { return [] }
        let projection = history.current()
        return conflicts.filter { isInterruptedDispatch($0, in: projection) }
    }

    /// Whether `issue` is a conflict left by a dispatch the history says was interrupted, which a
    /// run finishes rather than leaving it to the operator.
    func isInterruptedDispatch(_ issue: Issue, in history: HistoryProjection) -> Bool {
        guard case let .conflict(pickups, _) = rules.classify(issue) else { return false }
        return pickups.contains { history.unfinishedDispatch(issue: issue.number, pickup: $0) != nil }
    }
}

extension RepoService {
    /// The console's preview of `issues`, each planned as the run would plan it: the eligible ones
    /// through the run's agenda (`RunAgenda`, branches looked up in batches), so a failed batched
    /// lookup fails only the issues that need a branch — a create-plan on the main branch is still
    /// shown as the run would dispatch it — and an issue that is not eligible gets a skip saying
    /// why. One failure never hides the other issues' plans.
    public func previewPlans(_ issues: [Issue]) async -> [Int: Result<PlanOutcome, DispatchFailure>] {
        let eligible = rules.eligible(issues)
        let branches: Result<[Int: [String]], any Error>
        do {
            branches = .success(try await prefetchBranches(eligible))
        } catch {
            branches = .failure(error)
        }
        var found: [Int: [String]?] = [:]
        var failed: [Int: DispatchFailure] = [:]
        for item in RunAgenda(interrupted: [], eligible: eligible, branches: branches).items {
            switch item {
            case let .dispatch(issue, known): found[issue.number] = known
            case let .branchLookupFailed(failure): failed[failure.issueNumber] = failure
            case .finishInterrupted: break
            }
        }
        var plans: [Int: Result<PlanOutcome, DispatchFailure>] = [:]
        for issue in issues {
            if let failure = failed[issue.number] {
                plans[issue.number] = .failure(failure)
                continue
            }
            do {
                plans[issue.number] = .success(try await preview(issue, branches: found[issue.number] ?? nil))
            } catch {
                plans[issue.number] = .failure(DispatchFailure(
                    issueNumber: issue.number, stage: .prepare, message: "linked branches could not be read: \(error)", jobStarted: false))
            }
        }
        return plans
    }
}
