import Foundation
import Logging

/// Watches the issues of one repository that carry a busy label: their builds, how long they have
/// been busy, and whether they are stuck (SPEC §10). Asks only when someone looks (`survey`):
/// Jenkins at most once per `pollInterval` per dispatch while its build runs, never again once the
/// history holds its end. Since when an issue we did not dispatch has been busy is asked of GitHub
/// in batches (`IssueEventReader.lastLabeled`, 50 issues per GraphQL request) and remembered in
/// `NAME.busy-since.json` (`BusySinceNotes`) until the issue's `updated_at` or busy label changes,
/// so a new process asks only about issues that changed (SPEC §12). The history comes from the
/// repository's one projection (`RepoHistory`).
public actor BusyWatch {
    public let service: RepoService
    public let stuckRules: StuckRules
    public let pollInterval: TimeInterval

    private struct Asked {
        var status: BuildStatus
        var at: Date
    }
    private var asked: [String: Asked] = [:]

    /// GitHub's answers about busy-since: the file's at the first survey, then kept up to date.
    private var sinceNotes = BusySinceNotes()
    private var sinceNotesLoaded = false
    /// Whether `sinceNotes` holds what the file does not (new answers, entries dropped, or a file
    /// that could not be read).
    private var sinceNotesChanged = false

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
        await loadSinceNotesOnce()
        guard !held.isEmpty || !sinceNotes.byIssue.isEmpty else { return [] }
        await service.history.refresh()
        let history = service.history.current()
        let trails = held.map { issue, busyLabel in
            history.trail(issue: issue.number).flatMap { $0.busy == busyLabel ? $0 : nil }
        }
        // Busy-since from the ledger where we moved the labels; from GitHub for the others.
        let unknown = zip(held, trails).compactMap { pair, trail in trail?.labelsMovedAt == nil ? pair : nil }
        let fromGitHub = await busySinceFromGitHub(unknown)
        var notes: [HistoryRecord] = []
        var found: [BusyIssue] = []
        for ((issue, busyLabel), trail) in zip(held, trails) {
            var build: BuildStatus?
            if let trail {
                build = await status(of: trail, now: now, notes: &notes)
            }
            var since = trail?.labelsMovedAt
            var source: BusySinceSource? = since == nil ? nil : .ledger
            if since == nil, let answer = fromGitHub[issue.number] {
                since = answer
                source = .events
            }
            let route = service.rules.mapping.route(forBusy: busyLabel)
            let stuck = stuckRules.assess(busySince: since, timeout: route?.staleTimeout, build: build, now: now)
            found.append(BusyIssue(
                number: issue.number, title: issue.title, busyLabel: busyLabel, route: route, busySince: since,
                busySinceSource: source, build: build, dispatchedBy: trail?.by, stuck: stuck))
        }
        await record(notes, keepingSinceOf: Set(unknown.map(\.0.number)))
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

    /// When each issue's busy label last came on, from GitHub, for `held` issues (with their busy
    /// label): the notes answer for issues unchanged since GitHub was asked; the others are asked
    /// in batches, and an issue a batch cannot answer for (it did not resolve, or its label events
    /// run past the page) through its own REST events. Absent: GitHub could not say (no `labeled`
    /// event of the label, or the request failed — then it is asked again next survey).
    ///
    /// The first failed batch ends the asking: most often GitHub cannot be asked at all just now
    /// (down, rate limit spent, token refused), and each further batch would cost a request and a
    /// wait for the same answer.
    private func busySinceFromGitHub(_ held: [(Issue, String)]) async -> [Int: Date] {
        var answers: [Int: Date] = [:]
        var toAsk: [Int: (issue: Issue, busyLabel: String)] = [:]
        for (issue, busyLabel) in held {
            if let note = sinceNotes.byIssue[issue.number], note.holds(for: issue, busyLabel: busyLabel) {
                answers[issue.number] = note.since
            } else {
                toAsk[issue.number] = (issue, busyLabel)
            }
        }
        guard !toAsk.isEmpty else { return answers }
        let github = service.github
        let numbers = toAsk.keys.sorted()
        let batchSize = max(1, github.lastLabeledBatchSize)
        var perIssue: [Int] = []
        for start in stride(from: 0, to: numbers.count, by: batchSize) {
            let batch = numbers[start..<min(start + batchSize, numbers.count)]
            let labels = Dictionary(uniqueKeysWithValues: batch.compactMap { number in toAsk[number].map { (number, $0.busyLabel) } })
            let lastLabeled: [Int: LastLabeled]
            do {
                lastLabeled = try await github.lastLabeled(labels)
            } catch {
                service.logger.debug("busy-since of \(numbers.count - start) issues not read: \(error)")
                break
            }
            for number in batch {
                guard let asked = toAsk[number] else { continue }
                switch lastLabeled[number] {
                case let .at(since)?:
                    answers[number] = remember(since, for: asked.issue, busyLabel: asked.busyLabel)
                case .never?:
                    answers[number] = remember(nil, for: asked.issue, busyLabel: asked.busyLabel)
                case .unanswered?, nil:
                    perIssue.append(number)
                }
            }
        }
        for number in perIssue {
            guard let asked = toAsk[number] else { continue }
            do {
                let events = try await github.labelEvents(issue: number)
                let since = events.last { $0.action == .labeled && $0.label == asked.busyLabel }?.at
                answers[number] = remember(since, for: asked.issue, busyLabel: asked.busyLabel)
            } catch {
                service.logger.debug("label events of #\(number) not read: \(error)")
            }
        }
        return answers
    }

    /// Notes GitHub's answer for `issue`; an issue without `updated_at` has nothing to key it by
    /// and is asked again next time.
    private func remember(_ since: Date?, for issue: Issue, busyLabel: String) -> Date? {
        if let updatedAt = issue.updatedAt {
            sinceNotes.byIssue[issue.number] = BusySinceNote(issueUpdatedAt: updatedAt, busyLabel: busyLabel, since: since)
            sinceNotesChanged = true
        }
        return since
    }

    /// Reads `NAME.busy-since.json` at the first survey; later surveys keep their own, newer notes.
    /// A file that cannot be read is reported and replaced by the next write.
    private func loadSinceNotesOnce() async {
        guard !sinceNotesLoaded else { return }
        sinceNotesLoaded = true
        let read = await service.store.readBusySince()
        if let problem = read.problem {
            service.logger.notice("\(problem)")
            sinceNotesChanged = true
        }
        sinceNotes.byIssue.merge(read.notes.byIssue) { ours, _ in ours }
    }

    /// Records what the survey learnt (`RepoService.recordSurvey`): the history `notes`, and the
    /// busy-since notes when they changed, those of issues no longer busy (or whose busy-since the
    /// ledger now gives) dropped.
    private func record(_ notes: [HistoryRecord], keepingSinceOf busy: Set<Int>) async {
        let kept = sinceNotes.byIssue.filter { busy.contains($0.key) }
        if kept.count != sinceNotes.byIssue.count {
            sinceNotes.byIssue = kept
            sinceNotesChanged = true
        }
        guard !notes.isEmpty || sinceNotesChanged else { return }
        do {
            try await service.recordSurvey(history: notes, busySince: sinceNotesChanged ? sinceNotes : nil)
            sinceNotesChanged = false
        } catch {
            service.logger.debug("what the busy survey learnt was not recorded: \(error)")
        }
    }
}
