import Coordinator
import Foundation

/// Key handling: a modal takes every key, then the filter prompt, then the key map.
extension ConsoleState {
    mutating func handleKey(_ key: Key, keyMap: KeyMap) -> [ConsoleEffect] {
        if quitting, let effects = handleKeyWhileQuitting(key, keyMap: keyMap) {
            return effects
        }
        if let modal {
            return handleModalKey(key, modal)
        }
        if log != nil, let effects = handleLogKey(key, keyMap: keyMap) {
            return effects
        }
        if isEditingFilter, let effects = handleFilterKey(key) {
            return effects
        }
        guard let intent = keyMap.intent(for: key) else { return [] }
        return perform(intent)
    }

    private mutating func handleModalKey(_ key: Key, _ modal: ConsoleModal) -> [ConsoleEffect] {
        self.modal = nil
        switch modal {
        case .help:
            return []
        case let .confirmDispatch(repo, _, issues):
            guard key == .char("y") else {
                report(.notice, "dispatch cancelled")
                return []
            }
            return startDispatches(repo: repo, issues: issues.map(\.number))
        case let .confirmMarkedDispatch(repo, _, issues, skipped):
            guard key == .char("y") else {
                report(.notice, "dispatch cancelled")
                return []
            }
            bulk[repo] = BulkRun(kind: .dispatch, pending: issues.map(\.number), skipped: skipped)
            return startDispatches(repo: repo, issues: issues.map(\.number))
        case let .chooseMarkedUnstick(marked):
            let target: UnstickTarget
            switch key {
            case .char("p"): target = .pickup
            case .char("f"): target = .failure
            default:
                report(.notice, "unstick cancelled")
                return []
            }
            let (moves, skipped) = marked.moves(to: target)
            guard !moves.isEmpty else {
                report(.notice, "none of the marked issues can be unstuck that way: " + skipped.map { "#\($0.number) \($0.reason)" }.joined(separator: ", "))
                return []
            }
            self.modal = .confirmMarkedUnstick(marked, target: target, moves: moves, skipped: skipped)
            return []
        case let .confirmMarkedUnstick(marked, target, moves, skipped):
            guard key == .char("y") else {
                report(.notice, "unstick cancelled")
                return []
            }
            bulk[marked.repo] = BulkRun(kind: .unstick, pending: moves.map(\.number), skipped: skipped)
            return startUnsticks(repo: marked.repo, issues: moves.map(\.number), to: target)
        case let .chooseUnstick(request):
            let target: UnstickTarget
            switch key {
            case .char("p"): target = .pickup
            case .char("f"): target = .failure
            default:
                report(.notice, "unstick cancelled")
                return []
            }
            switch request.option(target) {
            case let .move(move):
                self.modal = .confirmUnstick(request, target: target, move: move)
            case let .unavailable(reason):
                report(.notice, "#\(request.number) cannot be unstuck that way: \(reason)")
            }
            return []
        case let .confirmUnstick(request, target, _):
            guard key == .char("y") else {
                report(.notice, "unstick cancelled")
                return []
            }
            return startUnsticks(repo: request.repo, issues: [request.number], to: target)
        case let .confirmSync(repo):
            guard key == .char("y"), let index = repoIndex(repo) else {
                report(.notice, "sync cancelled")
                return []
            }
            repos[index].busy += 1
            beginTask(TaskKey(.sync, repo: repo), "syncing \(repo) cache")
            return [.sync(repo: repo)]
        }
    }

    /// The confirmed dispatches of `issues`, one after another: one path for `d`, `D` and marks.
    private mutating func startDispatches(repo: String, issues: [Int]) -> [ConsoleEffect] {
        guard let index = repoIndex(repo) else { return [] }
        for number in issues {
            repos[index].dispatches[number] = .inFlight
            repos[index].busy += 1
            beginTask(TaskKey(.dispatch, repo: repo, issue: number), "dispatching #\(number)")
        }
        rebuild(index)
        return [.dispatch(repo: repo, issues: issues)]
    }

    /// The confirmed unsticks of `issues` to `target`, one after another: one path for `u` on one
    /// issue and on the marked ones.
    private mutating func startUnsticks(repo: String, issues: [Int], to target: UnstickTarget) -> [ConsoleEffect] {
        guard let index = repoIndex(repo) else { return [] }
        let to = target == .pickup ? "back to pickup" : "to failure"
        for number in issues {
            repos[index].busy += 1
            beginTask(TaskKey(.unstick, repo: repo, issue: number), "unsticking #\(number) (\(to))")
        }
        return [.unstick(repo: repo, issues: issues, to: target)]
    }

    /// Text keys edit the filter; nil lets navigation keys through to the key map.
    private mutating func handleFilterKey(_ key: Key) -> [ConsoleEffect]? {
        switch key {
        case let .char(c):
            filter.append(c)
        case .backspace:
            if !filter.isEmpty { filter.removeLast() }
        case .enter:
            isEditingFilter = false
        case .escape:
            filter = ""
            isEditingFilter = false
        case .tab, .backTab, .left, .right, .control:
            isEditingFilter = false
            return nil
        default:
            return nil
        }
        relistAll()
        return requestPreviewIfNeeded()
    }

    mutating func perform(_ intent: ConsoleIntent) -> [ConsoleEffect] {
        if history != nil, let effects = performInHistory(intent) { return effects }
        switch intent {
        case .moveDown: return move(by: 1)
        case .moveUp: return move(by: -1)
        case .moveTop: return move(to: 0)
        case .moveBottom: return move(to: Int.max)
        case .pageDown: return move(by: pageSize)
        case .pageUp: return move(by: -pageSize)
        case .nextPane:
            focus = Pane(rawValue: (focus.rawValue + 1) % Pane.allCases.count)!
            return []
        case .previousPane:
            focus = Pane(rawValue: (focus.rawValue + Pane.allCases.count - 1) % Pane.allCases.count)!
            return []
        case .paneLeft:
            focus = Pane(rawValue: max(focus.rawValue - 1, 0))!
            return []
        case .paneRight:
            focus = Pane(rawValue: min(focus.rawValue + 1, Pane.detail.rawValue))!
            return []
        case .focusDetail:
            focus = focus == .repos ? .issues : .detail
            return []
        case .refreshRepo:
            guard let repo = currentRepo else { return [] }
            return startRefresh(repo.name)
        case .refreshAll:
            return repos.map(\.name).flatMap { startRefresh($0) }
        case .dispatchIssue:
            return askToDispatchSelected()
        case .dispatchAllEligible:
            if hasMarks, !readOnly { return askToDispatchMarked() }
            return askToDispatchAll()
        case .syncRepo:
            guard let repo = currentRepo else { return [] }
            if readOnly { return refuseWrite("sync") }
            modal = .confirmSync(repo: repo.name)
            return []
        case .unstickIssue:
            if hasMarks, !readOnly { return askToUnstickMarked() }
            return askToUnstick()
        case .toggleMark:
            return toggleMark()
        case .togglePreview:
            showPreview.toggle()
            keepCursorVisible()
            return requestPreviewIfNeeded()
        case .startFilter:
            isEditingFilter = true
            focus = .issues
            return []
        case .cycleView:
            view = view.next
            detailScroll = 0
            relistAll()
            // The busy view shows builds and stuck markers: every repo is surveyed as it opens.
            let surveys = view == .busy ? surveyAll() : []
            return surveys + requestPreviewIfNeeded()
        case .showHelp:
            modal = .help
            return []
        case .redraw:
            return [.redraw]
        case .dismissMessage:
            if result?.kind == .failure {
                result = nil
            } else if focus == .detail {
                focus = .issues
            } else {
                _ = clearMarks()
            }
            return []
        case .quit:
            return askToQuit()
        case .toggleHistory:
            return toggleHistory()
        case .openLink:
            return openLink()
        case .openLog:
            return openLog()
        case .toggleFollow, .nextMatch, .previousMatch:
            report(.notice, "F, n and N work in the build log (l)")
            return []
        }
    }

    /// The history view takes the moves, `Enter`, `Esc` and `r`; what acts on an issue of a
    /// repository (dispatch, sync, unstick, preview, view) waits until it is closed. nil: the
    /// intent means what it means elsewhere.
    private mutating func performInHistory(_ intent: ConsoleIntent) -> [ConsoleEffect]? {
        let height = max(1, ConsoleLayout(size: size, showPreview: showPreview).issueListHeight - 1)
        let cursor = history?.cursor ?? 0
        let onList = focus != .detail
        switch intent {
        case .moveDown where onList: moveHistoryCursor(to: cursor + 1)
        case .moveUp where onList: moveHistoryCursor(to: cursor - 1)
        case .moveTop where onList: moveHistoryCursor(to: 0)
        case .moveBottom where onList: moveHistoryCursor(to: Int.max)
        case .pageDown where onList: moveHistoryCursor(to: cursor + height)
        case .pageUp where onList: moveHistoryCursor(to: cursor - height)
        case .nextPane, .previousPane, .paneLeft, .paneRight, .focusDetail:
            // Two panes: the list and the entry's detail.
            let toDetail = intent == .focusDetail || intent == .paneRight || (intent != .paneLeft && focus != .detail)
            focus = toDetail && history?.selected != nil ? .detail : .issues
            detailScroll = 0
        case .dismissMessage:
            if result?.kind == .failure {
                result = nil
            } else if focus == .detail {
                focus = .issues
            } else {
                return toggleHistory()
            }
        case .refreshRepo, .refreshAll:
            return loadHistory()
        case .dispatchIssue, .dispatchAllEligible, .syncRepo, .unstickIssue, .togglePreview, .cycleView, .toggleMark:
            report(.notice, "the history view only reads: Esc or H goes back to the issues")
        default:
            return nil
        }
        return []
    }

    private var pageSize: Int {
        max(1, ConsoleLayout(size: size, showPreview: showPreview).issueListHeight - 1)
    }

    private mutating func move(by delta: Int) -> [ConsoleEffect] {
        switch focus {
        case .repos:
            return selectRepo(selectedRepo + delta)
        case .issues:
            if view == .stale {
                // Off the list (its repo has no stale entry), the first move selects the entry
                // under the cursor.
                return moveCursor(to: stale.cursor + (isOnStaleList ? delta : 0))
            }
            return moveCursor(to: (currentRepo?.cursor ?? 0) + delta)
        case .detail:
            detailScroll = max(0, detailScroll + delta)
            return []
        }
    }

    private mutating func move(to position: Int) -> [ConsoleEffect] {
        switch focus {
        case .repos:
            return selectRepo(position == 0 ? 0 : repos.count - 1)
        case .issues:
            return moveCursor(to: position)
        case .detail:
            detailScroll = position == 0 ? 0 : Int.max / 2
            return []
        }
    }

    mutating func selectRepo(_ index: Int) -> [ConsoleEffect] {
        guard !repos.isEmpty else { return [] }
        let clamped = min(max(index, 0), repos.count - 1)
        guard clamped != selectedRepo else { return [] }
        selectedRepo = clamped
        detailScroll = 0
        // The stale view lists every repo: its cursor jumps to the repo's first entry, if any.
        if view == .stale, let first = stale.rows.firstIndex(where: { $0.repo == clamped }) {
            stale.cursor = first
            followStaleCursor()
        }
        keepCursorVisible()
        return requestPreviewIfNeeded()
    }

    mutating func moveCursor(to position: Int) -> [ConsoleEffect] {
        if view == .stale {
            guard !stale.rows.isEmpty else { return [] }
            let clamped = min(max(position, 0), stale.rows.count - 1)
            guard clamped != stale.cursor || !isOnStaleList else { return [] }
            stale.cursor = clamped
            detailScroll = 0
            followStaleCursor()
            keepCursorVisible()
            return requestPreviewIfNeeded()
        }
        guard let repo = currentRepo, !repo.rows.isEmpty else { return [] }
        let clamped = min(max(position, 0), repo.rows.count - 1)
        guard clamped != repo.cursor else { return [] }
        repos[selectedRepo].cursor = clamped
        detailScroll = 0
        keepCursorVisible()
        return requestPreviewIfNeeded()
    }

    private mutating func refuseWrite(_ what: String) -> [ConsoleEffect] {
        report(.notice, "read-only: \(what) is disabled (\(readOnlyReason))")
        return []
    }

    private mutating func askToDispatchSelected() -> [ConsoleEffect] {
        if readOnly { return refuseWrite("dispatch") }
        guard let repo = currentRepo, let row = repo.selectedRow else {
            report(.notice, "no issue selected")
            return []
        }
        if case .inFlight? = repo.dispatches[row.number] {
            report(.notice, "#\(row.number) is being dispatched")
            return []
        }
        guard let issue = repo.current(row.number), let route = row.eligibility.route else {
            report(.notice, "#\(row.number) cannot be dispatched: \(row.eligibility)")
            return []
        }
        modal = .confirmDispatch(repo: repo.name, jobPath: repo.repo.jobPath, issues: [candidate(issue, route)])
        return []
    }

    private mutating func askToDispatchAll() -> [ConsoleEffect] {
        if readOnly { return refuseWrite("dispatch") }
        guard let repo = currentRepo else { return [] }
        let current = repo.live.map { Array($0.values) } ?? Array(repo.cached.values)
        let candidates = repo.repo.rules.eligible(current)
            .filter { pair in
                if case .inFlight? = repo.dispatches[pair.issue.number] { return false }
                return true
            }
            .map { candidate($0.issue, $0.route) }
        guard !candidates.isEmpty else {
            report(.notice, "\(repo.name): no eligible issue to dispatch")
            return []
        }
        modal = .confirmDispatch(repo: repo.name, jobPath: repo.repo.jobPath, issues: candidates)
        return []
    }

    /// `u`: a busy issue (stuck or not) may be moved back to its pickup label or on to its failure
    /// label; the modal offers both with the exact moves the core named for its busy label.
    private mutating func askToUnstick() -> [ConsoleEffect] {
        if readOnly { return refuseWrite("unstick") }
        guard let repo = currentRepo, let row = repo.selectedRow else {
            report(.notice, "no issue selected")
            return []
        }
        guard let busyLabel = row.busyLabel else {
            report(.notice, "#\(row.number) carries no busy label: nothing to unstick")
            return []
        }
        if running[TaskKey(.unstick, repo: repo.name, issue: row.number)] != nil {
            report(.notice, "#\(row.number) is being unstuck")
            return []
        }
        modal = .chooseUnstick(unstickRequest(repo, row: row, busyLabel: busyLabel))
        return []
    }

    private func candidate(_ issue: Issue, _ route: WorkflowRoute) -> DispatchCandidate {
        DispatchCandidate(
            number: issue.number, title: issue.title,
            labelMove: route.labelMove, workflow: route.workflow)
    }
}
