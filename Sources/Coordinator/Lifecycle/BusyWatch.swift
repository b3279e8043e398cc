import Foundation
import Logging

/// Watches the issues of one repository that carry a busy label: their builds, how long they have
/// been busy, and whether they are stuck (SPEC §10). Asks only when someone looks (`survey`):
/// Jenkins at most once per `pollInterval` per dispatch while its build runs, never again once the
/// history holds its end; GitHub's issue events once per issue until its `updated_at` changes. The
/// history comes from the repository's one projection (`RepoHistory`).
public actor BusyWatch {
    public let service: RepoService
    public let stuckRules: StuckRules
    public let pollInterval: TimeInterval

    private struct Asked {
        var status: BuildStatus
        var at: Date
    }
    private var asked: [String: Asked] = [:]

    private struct Since {
        var updatedAt: Date?
        var busyLabel: String
        var since: Date?
    }
    private var sinceFromEvents: [Int: Since] = [:]

    /// - Parameter stuckRules: nil: the repository's (from the config).
    public init(service: RepoService, stuckRules: StuckRules? = nil, pollInterval: TimeInterval = 30) {
        self.service = service
        self.stuckRules = stuckRules ?? service.stuckRules
        self.pollInterval = pollInterval
    }

    /// Every open issue of `issues` that carries a busy label, stuck first, then by number.
    public func survey(_ issues: [Issue], now: Date = Date()) async -> [BusyIssue] {
        let busyLabels = service.rules.busyLabels
        let held = issues.compactMap { issue in
            issue.state == .open ? issue.labels.first(where: busyLabels.contains).map { (issue, $0) } : nil
        }
        guard !held.isEmpty else { return [] }
        let history = service.history.current()
        var notes: [HistoryRecord] = []
        var found: [BusyIssue] = []
        for (issue, busyLabel) in held {
            let trail = history.trail(issue: issue.number).flatMap { $0.busy == busyLabel ? $0 : nil }
            var build: BuildStatus?
            if let trail {
                build = await status(of: trail, now: now, notes: &notes)
            }
            var since = trail?.labelsMovedAt
            var source: BusySinceSource? = since == nil ? nil : .ledger
            if since == nil {
                since = await busySinceFromEvents(issue, busyLabel: busyLabel)
                source = since == nil ? nil : .events
            }
            let route = service.rules.mapping.route(forBusy: busyLabel)
            let stuck = stuckRules.assess(busySince: since, timeout: route?.staleTimeout, build: build, now: now)
            found.append(BusyIssue(
                number: issue.number, title: issue.title, busyLabel: busyLabel, route: route, busySince: since,
                busySinceSource: source, build: build, dispatchedBy: trail?.by, stuck: stuck))
        }
        await record(notes)
        return found.sorted { ($0.isStuck ? 0 : 1, $0.number) < ($1.isStuck ? 0 : 1, $1.number) }
    }

    /// The build of `trail`: from the ledger when it ended, else from Jenkins (at most once per
    /// `pollInterval`). New facts become history notes in `notes`. An unreachable Jenkins gives the
    /// last known status, or nil when there is none: not knowing is not "stuck".
    private func status(of trail: DispatchSummary, now: Date, notes: inout [HistoryRecord]) async -> BuildStatus? {
        if let finished = trail.finished { return finished }
        if let last = asked[trail.dispatchID], now.timeIntervalSince(last.at) < pollInterval { return last.status }
        let jobs = service.jobs
        let jobPath = trail.jobPath ?? service.repo.executorJobPath
        func note(_ step: HistoryStep) {
            notes.append(HistoryRecord(time: now, dispatchID: trail.dispatchID, issue: trail.issue, pickup: trail.pickup, busy: trail.busy, step: step))
        }
        do {
            var number = trail.buildNumber
            if number == nil {
                guard let queueID = trail.queueID else { return remember(BuildStatus(state: .unknown), for: trail, at: now) }
                do {
                    let item = try await jobs.queueItem(id: queueID)
                    if item.cancelled {
                        note(.buildFinished(.init(buildNumber: nil, result: "CANCELLED", finishedAt: now)))
                        return remember(BuildStatus(state: .cancelled, finishedAt: now), for: trail, at: now)
                    }
                    guard let started = item.buildNumber else { return remember(BuildStatus(state: .queued), for: trail, at: now) }
                    number = started
                } catch let JenkinsError.http(status, _, _) where status == 404 {
                    // Jenkins forgot the queue item; the build it became says which item it came from.
                    number = try await jobs.buildNumber(path: jobPath, queueItem: queueID)
                }
                guard let number else { return remember(BuildStatus(state: .unknown), for: trail, at: now) }
                note(.buildStarted(buildNumber: number))
            }
            guard let number, let build = try await jobs.build(path: jobPath, number: number) else {
                return remember(BuildStatus(state: .unknown, number: number), for: trail, at: now)
            }
            if build.building || build.result == nil {
                return remember(BuildStatus(state: .running, number: number), for: trail, at: now)
            }
            let state = build.result.flatMap(BuildState.init(jenkinsResult:)) ?? .unknown
            let duration = build.durationMS.map { TimeInterval($0) / 1000 }
            let ended = build.startedAt.map { $0.addingTimeInterval(duration ?? 0) } ?? now
            if state.isFinished, let result = build.result {
                note(.buildFinished(.init(buildNumber: number, result: result.uppercased(), durationMS: build.durationMS, finishedAt: ended)))
            }
            return remember(BuildStatus(state: state, number: number, duration: duration, finishedAt: ended), for: trail, at: now)
        } catch {
            service.logger.debug("build of #\(trail.issue) not read: \(error)")
            return asked[trail.dispatchID]?.status
        }
    }

    private func remember(_ status: BuildStatus, for trail: DispatchSummary, at now: Date) -> BuildStatus {
        asked[trail.dispatchID] = Asked(status: status, at: now)
        return status
    }

    /// When `busyLabel` last came on, from GitHub's issue events; remembered until the issue's
    /// `updated_at` changes. nil when GitHub cannot say (no such event, or the request failed).
    private func busySinceFromEvents(_ issue: Issue, busyLabel: String) async -> Date? {
        if let known = sinceFromEvents[issue.number], known.updatedAt == issue.updatedAt, known.busyLabel == busyLabel {
            return known.since
        }
        do {
            let events = try await service.github.labelEvents(issue: issue.number)
            let since = events.last { $0.action == .labeled && $0.label == busyLabel }?.at
            sinceFromEvents[issue.number] = Since(updatedAt: issue.updatedAt, busyLabel: busyLabel, since: since)
            return since
        } catch {
            service.logger.debug("label events of #\(issue.number) not read: \(error)")
            return nil
        }
    }

    /// Appends the notes under the repository's lock when it is free within a second; when a run
    /// holds it, they are learnt again next time.
    private func record(_ notes: [HistoryRecord]) async {
        guard !notes.isEmpty else { return }
        do {
            try await service.appendNotes(notes)
        } catch {
            service.logger.debug("build notes not recorded: \(error)")
        }
    }
}
