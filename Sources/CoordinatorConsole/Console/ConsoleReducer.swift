import Coordinator
import Foundation

/// The console's update function: applies `action` to `state` and returns the effects to run.
/// Pure: no I/O, no clock (time arrives through `tick` and the results' `at`).
public func reduce(_ state: inout ConsoleState, _ action: ConsoleAction, keyMap: KeyMap = .standard) -> [ConsoleEffect] {
    let failureBefore = state.result?.kind == .failure ? state.result : nil
    let effects = apply(&state, action, keyMap: keyMap)
    return state.quitIfWritesEnded(effects, failureBefore: failureBefore)
}

private func apply(_ state: inout ConsoleState, _ action: ConsoleAction, keyMap: KeyMap) -> [ConsoleEffect] {
    switch action {
    case .started:
        var effects: [ConsoleEffect] = []
        for repo in state.repos.map(\.name) {
            state.beginTask(TaskKey(.loadCache, repo: repo), "reading \(repo) cache")
            effects.append(.loadCache(repo: repo))
            effects += state.startRefresh(repo)
        }
        return effects

    case let .keyPressed(key):
        return state.handleKey(key, keyMap: keyMap)

    case let .mouse(event):
        return state.handleMouse(event, keyMap: keyMap)

    case let .resized(size):
        state.size = size
        state.keepCursorVisible()
        return []

    case let .tick(now):
        state.now = now
        if let result = state.result, result.isExpired(at: now) { state.result = nil }
        var effects = state.pollLog()
        // While the busy view is shown its builds and stuck markers stay current.
        if state.view == .busy, now.timeIntervalSince(state.lastBusySurvey) >= ConsoleState.busySurveySeconds {
            effects += state.surveyAll()
        }
        guard state.refreshSeconds > 0, now.timeIntervalSince(state.lastAutoRefresh) >= Double(state.refreshSeconds) else {
            return effects
        }
        state.lastAutoRefresh = now
        // The cache is read again too: a `serve` or a cron run sharing the cache directory may have
        // written it since (reading it writes nothing).
        return effects + state.repos.map(\.name).flatMap { repo -> [ConsoleEffect] in
            let refresh = state.startRefresh(repo)
            guard !refresh.isEmpty else { return [] }
            state.beginTask(TaskKey(.loadCache, repo: repo), "reading \(repo) cache")
            return refresh + [.loadCache(repo: repo)]
        }

    case let .cacheLoaded(repo, result):
        state.endTask(TaskKey(.loadCache, repo: repo))
        guard let index = state.repoIndex(repo) else { return [] }
        switch result {
        case let .success(snapshot):
            state.repos[index].cached = snapshot.issues
            state.repos[index].times = snapshot.times
            state.repos[index].cacheLoaded = true
            state.repos[index].cacheNotice = snapshot.notice
            state.repos[index].history = snapshot.lastDispatches
            if let notice = snapshot.notice { state.report(.notice, "\(repo): \(notice)") }
        case let .failure(failure):
            state.repos[index].lastError = "cache: \(failure.message)"
            state.report(.failure, "\(repo): cache could not be read: \(failure.message)")
        }
        state.rebuild(index)
        return []

    case let .liveLoaded(repo, result, at, requestedAt):
        state.endTask(TaskKey(.refresh, repo: repo))
        guard let index = state.repoIndex(repo) else { return [] }
        state.repos[index].busy = max(0, state.repos[index].busy - 1)
        var surveys: [ConsoleEffect] = []
        switch result {
        case let .success(issues):
            var live = Dictionary(issues.map { ($0.number, $0) }, uniquingKeysWith: { _, last in last })
            // A label move GitHub answered after this listing was asked for is newer than it.
            for (number, patchedAt) in state.repos[index].labelPatches {
                if let requestedAt, patchedAt > requestedAt, let patched = state.repos[index].live?[number] {
                    live[number]?.labels = patched.labels
                } else {
                    state.repos[index].labelPatches[number] = nil
                }
            }
            state.repos[index].live = live
            state.repos[index].liveAt = at
            state.repos[index].liveIsOutdated = false
            state.repos[index].lastError = nil
            // Labels may have moved: plans made from the old labels no longer hold.
            state.repos[index].previews = [:]
            state.rebuild(index)
            let stale = state.repos[index].counts.stale
            // The refresh a skipped dispatch starts must not wipe the skip's notice at once: the
            // operator who confirmed would never read why nothing was dispatched.
            if !state.showsFreshSkipNotice {
                state.report(.success, "\(repo): \(issues.count) open issues live, \(stale) stale in the cache")
            }
            if state.view == .busy { surveys = state.startSurvey(repo) }
        case let .failure(failure):
            // The last good data stays on screen, marked as outdated (an outage must never look
            // like "no changes").
            state.repos[index].liveIsOutdated = state.repos[index].live != nil
            state.repos[index].lastError = failure.message
            state.rebuild(index)
            state.report(.failure, "\(repo): refresh failed: \(failure.message)")
        }
        return [.fetchRateLimit] + surveys + state.requestPreviewIfNeeded()

    case let .previewLoaded(repo, issue, result):
        guard let index = state.repoIndex(repo) else {
            state.endTask(TaskKey(.preview, repo: repo))
            return []
        }
        switch result {
        case let .success(outcome): state.repos[index].previews[issue] = .ready(outcome)
        case let .failure(failure): state.repos[index].previews[issue] = .failed(failure.message)
        }
        if !state.repos[index].previews.values.contains(.loading) { state.endTask(TaskKey(.preview, repo: repo)) }
        return []

    case let .dispatchFinished(repo, outcome, change, at):
        let number = outcome.issueNumber
        state.endTask(TaskKey(.dispatch, repo: repo, issue: number))
        guard let index = state.repoIndex(repo) else { return [] }
        state.repos[index].busy = max(0, state.repos[index].busy - 1)
        // The core says what the dispatch wrote: that entry is patched; without it the cache is read again.
        var effects: [ConsoleEffect] = [.fetchRateLimit]
        if let change {
            state.apply(change, to: index)
        } else {
            effects.insert(.loadCache(repo: repo), at: 0)
            state.beginTask(TaskKey(.loadCache, repo: repo), "reading \(repo) cache")
        }
        switch outcome {
        case let .dispatched(receipt), let .recovered(receipt):
            state.repos[index].dispatches[number] = .dispatched(receipt, at: at)
            // GitHub's answer to the label call is the live truth.
            state.repos[index].live?[number]?.labels = receipt.labels
            state.repos[index].labelPatches[number] = at
            state.repos[index].previews[number] = nil
            var message = "dispatched #\(number)"
            if let queue = receipt.queueID { message += " (queue item \(queue))" }
            if receipt.merged { message += ", merged into a queued build" }
            if case .recovered = outcome { message += ", finishing an interrupted dispatch" }
            if receipt.cacheUpdated {
                state.report(.success, "\(message); labels moved, cache updated")
            } else {
                state.report(.failure, "\(message); cache not updated" + (receipt.cacheWarning.map { ": \($0)" } ?? ""))
            }
        case let .skipped(_, reason):
            state.repos[index].dispatches[number] = .skipped(reason)
            state.report(.notice, "\(ConsoleState.skippedNotice)\(number): \(reason)")
            effects += state.startRefresh(repo)
        case let .failed(failure):
            state.repos[index].dispatches[number] = .failed(failure)
            let started = failure.jobStarted ? " (the job did start; the next run finishes the label move)" : ""
            state.report(.failure, "dispatch #\(number) failed: \(failure.consoleText)\(started)")
        }
        state.rebuild(index)
        let notMoved: String?
        switch outcome {
        case .dispatched, .recovered: notMoved = nil
        case let .skipped(_, reason): notMoved = "\(reason)"
        case let .failed(failure): notMoved = failure.consoleText
        }
        state.recordBulkResult(repo: repo, number: number, kind: .dispatch, failure: notMoved)
        return effects

    case let .lockWaiting(repo, holder):
        // The footer says why nothing seems to happen instead of the console looking frozen.
        let who = holder.map { "a run of PID \($0.pid) on \($0.host) (\($0.command))" } ?? "another coordinator"
        for (key, task) in state.running where key.repo == repo && [.dispatch, .sync, .unstick].contains(key.kind) {
            state.running[key]?.message = task.message + ": waiting for \(who)"
        }
        return []

    case let .syncFinished(repo, result, at):
        state.endTask(TaskKey(.sync, repo: repo))
        guard let index = state.repoIndex(repo) else { return [] }
        state.repos[index].busy = max(0, state.repos[index].busy - 1)
        switch result {
        case let .success(snapshot):
            state.repos[index].cached = snapshot.issues
            state.repos[index].times = snapshot.times
            state.repos[index].cacheLoaded = true
            state.repos[index].history = snapshot.lastDispatches
            // A sync is a full live listing: it is the live state as of now.
            let open = snapshot.issues.values.filter { $0.state == .open }
            state.repos[index].live = Dictionary(open.map { ($0.number, $0) }, uniquingKeysWith: { _, last in last })
            state.repos[index].liveAt = at
            state.repos[index].liveIsOutdated = false
            state.repos[index].lastError = nil
            state.repos[index].previews = [:]
            state.report(.success, "\(repo): cache synced from live (\(open.count) open issues)")
        case let .failure(failure):
            state.repos[index].lastError = failure.message
            state.report(.failure, "\(repo): sync failed, cache unchanged: \(failure.message)")
        }
        state.rebuild(index)
        return [.fetchRateLimit]

    case let .rateLimitLoaded(snapshot):
        if let snapshot { state.rateLimit = snapshot }
        return []

    case let .busySurveyed(repo, issues, at):
        guard let index = state.repoIndex(repo) else { return [] }
        state.repos[index].surveying = false
        state.repos[index].busySurvey = BusySurvey(issues: issues, at: at)
        state.rebuild(index)
        return []

    case let .historyLoaded(result, at):
        state.historyLoaded(result, at: at)
        return []

    case let .logLocated(view, result):
        return state.logLocated(view: view, result)

    case let .logRead(read, result):
        return state.logRead(read, result)

    case let .urlOpened(url, failure):
        if let failure { state.report(.failure, "could not open \(url): \(failure)") }
        return []

    case let .server(signal):
        return state.handleServer(signal)

    case let .unstickFinished(repo, number, result, at):
        state.endTask(TaskKey(.unstick, repo: repo, issue: number))
        guard let index = state.repoIndex(repo) else { return [] }
        state.repos[index].busy = max(0, state.repos[index].busy - 1)
        var effects: [ConsoleEffect] = [.fetchRateLimit]
        switch result {
        case let .success(unstuck):
            // GitHub's answer to the label calls is the live truth, as after a dispatch; what the
            // core wrote comes with the result (else the cache is read again), and the busy issues
            // are surveyed again.
            state.repos[index].live?[number]?.labels = unstuck.labels
            state.repos[index].labelPatches[number] = at
            if let change = unstuck.change {
                state.apply(change, to: index)
            } else {
                effects.insert(.loadCache(repo: repo), at: 0)
                state.beginTask(TaskKey(.loadCache, repo: repo), "reading \(repo) cache")
            }
            if unstuck.cacheUpdated {
                state.report(.success, "#\(number) unstuck: \(unstuck.move.summary); cache updated")
            } else {
                state.report(.notice, "#\(number) unstuck: \(unstuck.move.summary); cache not updated (the next refresh corrects it)")
            }
            state.rebuild(index)
            if state.view == .busy { effects += state.startSurvey(repo) }
        case let .failure(failure):
            // Nothing moved, or GitHub said why not (the issue changed): the rows are read again.
            state.report(.failure, "unstick #\(number) failed: \(failure.message)")
            effects.insert(.loadCache(repo: repo), at: 0)
            state.beginTask(TaskKey(.loadCache, repo: repo), "reading \(repo) cache")
            effects += state.startRefresh(repo)
        }
        state.recordBulkResult(repo: repo, number: number, kind: .unstick, failure: result.failureMessage)
        return effects
    }
}

private extension Result where Failure == ConsoleFailure {
    var failureMessage: String? {
        if case let .failure(failure) = self { return failure.message }
        return nil
    }
}

extension ConsoleState {
    mutating func beginTask(_ key: TaskKey, _ message: String) {
        running[key] = RunningTask(id: nextTaskID, message: message, started: now)
        nextTaskID += 1
    }

    mutating func endTask(_ key: TaskKey) {
        running[key] = nil
    }

    /// Puts what the core wrote for one issue into the repo's cached entries and history.
    mutating func apply(_ change: IssueChange, to index: Int) {
        if let cached = change.cached { repos[index].cached[change.number] = cached }
        if let history = change.history { repos[index].history[change.number] = history }
    }

    /// How the notice of a skipped dispatch begins.
    static let skippedNotice = "skipped #"

    /// Whether the task line shows a skipped dispatch's notice that has not faded yet.
    var showsFreshSkipNotice: Bool {
        guard let result, result.kind == .notice, !result.isExpired(at: now) else { return false }
        return result.message.hasPrefix(Self.skippedNotice)
    }

    mutating func report(_ kind: TaskResult.Kind, _ message: String) {
        // A success must not wipe an error the operator has not seen yet.
        if kind != .failure, result?.kind == .failure { return }
        result = TaskResult(kind: kind, message: message, at: now)
    }

    /// A live fetch for `repo`, unless one is already running.
    mutating func startRefresh(_ repo: String) -> [ConsoleEffect] {
        let key = TaskKey(.refresh, repo: repo)
        guard running[key] == nil, let index = repoIndex(repo) else { return [] }
        repos[index].busy += 1
        beginTask(key, "refreshing \(repo)")
        return [.fetchLive(repo: repo)]
    }

    /// After this repo's cache, live data or dispatches changed: only its rows are derived again.
    mutating func rebuild(_ index: Int) {
        repos[index].rebuildIssueRows(view: view, filter: filter)
        if view == .stale {
            relistStale()
            keepCursorVisible()
        } else if index == selectedRepo {
            keepCursorVisible()
        }
    }

    /// After the view or filter changed: every repo lists its derived rows again, nothing more.
    mutating func relistAll() {
        // Entering the stale view keeps the selected issue selected when it is stale.
        let selected = (repo: selectedRepo, number: currentRepo?.selectedRow?.number)
        for index in repos.indices { repos[index].relist(view: view, filter: filter) }
        relistStale(entering: selected)
        if history != nil {
            history?.relist(filter: filter)
            keepHistoryCursorVisible()
        }
        keepCursorVisible()
    }

    /// Scrolls the issues list so the cursor row is on screen.
    mutating func keepCursorVisible() {
        let height = max(1, ConsoleLayout(size: size, showPreview: showPreview).issueListHeight)
        if view == .stale {
            let count = stale.rows.count
            stale.cursor = min(max(stale.cursor, 0), max(count - 1, 0))
            if stale.cursor < stale.scroll { stale.scroll = stale.cursor }
            if stale.cursor >= stale.scroll + height { stale.scroll = stale.cursor - height + 1 }
            stale.scroll = min(max(stale.scroll, 0), max(count - height, 0))
            return
        }
        guard repos.indices.contains(selectedRepo) else { return }
        var repo = repos[selectedRepo]
        let count = repo.rows.count
        repo.cursor = min(max(repo.cursor, 0), max(count - 1, 0))
        if repo.cursor < repo.scroll { repo.scroll = repo.cursor }
        if repo.cursor >= repo.scroll + height { repo.scroll = repo.cursor - height + 1 }
        repo.scroll = min(max(repo.scroll, 0), max(count - height, 0))
        repos[selectedRepo] = repo
    }

    /// With the preview on, asks for the selected issue's plan once — and with it for every other
    /// eligible issue of the repo not planned yet, so their linked branches come in one batched
    /// lookup instead of one request per row the operator moves to. Ineligible issues need no
    /// backend call: the detail pane states why from the rules.
    mutating func requestPreviewIfNeeded() -> [ConsoleEffect] {
        guard showPreview, let repo = currentRepo, let row = repo.selectedRow, row.eligibility.route != nil,
            repo.previews[row.number] == nil, let selected = repo.current(row.number)
        else { return [] }
        let others = repo.eligibleIssues.filter { $0.number != row.number && repo.previews[$0.number] == nil }
        let issues = [selected] + others.prefix(Self.previewBatch - 1)
        for issue in issues { repos[selectedRepo].previews[issue.number] = .loading }
        beginTask(TaskKey(.preview, repo: repo.name), issues.count == 1 ? "planning #\(row.number)" : "planning \(issues.count) issues")
        return [.preview(repo: repo.name, issues: issues)]
    }

    /// The most issues one preview request plans: four batched branch lookups.
    static let previewBatch = 200
}
