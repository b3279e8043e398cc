@testable import Coordinator
import Foundation
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// Issues and states shared by the reducer, render and runner tests.
enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static let demo = ConsoleRepo(
        name: "demo", fullName: "acme/demo", jobPath: "Coordinator/demo/executor", unstickMoves: standardUnstickMoves)

    /// What `RepoService.unstickMove` answers for the standard workflows: back to the pickup
    /// label, or on to the stage's failure label of the standard label set.
    static let standardUnstickMoves: [String: [UnstickTarget: UnstickOption]] = Dictionary(
        uniqueKeysWithValues: WorkflowMapping.standard.routes.map { route in
            (route.busyLabel, [
                .pickup: .move(LabelMove(remove: route.busyLabel, add: route.pickupLabel)),
                .failure: route.failureLabel.map { .move(LabelMove(remove: route.busyLabel, add: $0)) } ?? .unavailable("no failure label"),
            ])
        })
    static let tools = ConsoleRepo(name: "tools", fullName: "acme/tools", jobPath: "Coordinator/tools/executor")

    static func issue(_ number: Int, _ title: String, _ labels: [String], state: IssueState = .open) -> Issue {
        Issue(number: number, title: title, state: state, labels: labels)
    }

    /// The cache as written before the humans moved things.
    static let cached: [Issue] = [
        issue(1, "Overview: roadmap", ["Overview"]),
        issue(101, "Add --dry-run to the coordinator", ["status-02:awaiting-planning", "enhancement"]),
        issue(102, "Cache issues per repository host", ["status-02:awaiting-planning"]),
        issue(104, "Plan: split the dispatcher", ["status-04:plan-review"]),
        issue(109, "Open PR for lock handling", ["status-08:ready-pr"]),
        issue(113, "Half-moved: planning already started", ["status-02:awaiting-planning", "status-03:planning"]),
        issue(118, "Add --keep-going", ["status-02:awaiting-planning"]),
    ]

    /// Live GitHub: #104 approved (labels differ), #118 closed (only in cache), #130 new (only live).
    static let live: [Issue] = [
        issue(1, "Overview: roadmap", ["Overview"]),
        issue(101, "Add --dry-run to the coordinator", ["status-02:awaiting-planning", "enhancement"]),
        issue(102, "Cache issues per repository host", ["status-02:awaiting-planning"]),
        issue(104, "Plan: split the dispatcher", ["status-05:plan-ready"]),
        issue(109, "Open PR for lock handling", ["status-08:ready-pr"]),
        issue(113, "Half-moved: planning already started", ["status-02:awaiting-planning", "status-03:planning"]),
        issue(130, "🔁 キューの再試行: retry queue reads", ["status-02:awaiting-planning"]),
    ]

    static func byNumber(_ issues: [Issue]) -> [Int: Issue] {
        Dictionary(uniqueKeysWithValues: issues.map { ($0.number, $0) })
    }

    /// A console that has loaded the demo cache only (no live data yet).
    static func cachedState(size: ScreenSize = ScreenSize(rows: 40, columns: 120), readOnly: Bool = false) -> ConsoleState {
        var state = ConsoleState(repos: [demo, tools], now: t0, size: size, readOnly: readOnly)
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: byNumber(cached)))))
        _ = reduce(&state, .cacheLoaded(repo: "tools", .success(CacheSnapshot(issues: [:]))))
        return state
    }

    /// A console with the demo cache and live data loaded, ten seconds later.
    static func loadedState(size: ScreenSize = ScreenSize(rows: 40, columns: 120), readOnly: Bool = false) -> ConsoleState {
        var state = cachedState(size: size, readOnly: readOnly)
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(live), at: t0))
        _ = reduce(&state, .liveLoaded(repo: "tools", .success([]), at: t0))
        _ = reduce(&state, .tick(t0.addingTimeInterval(10)))
        state.result = nil
        return state
    }

    static let receipt109 = DispatchReceipt(
        issueNumber: 109, jobPath: "Coordinator/demo/executor",
        labelMove: LabelMove(remove: "status-08:ready-pr", add: "status-09:pr-creating"), queueID: 7, merged: false,
        labels: ["status-09:pr-creating"], cacheUpdated: true)

    static let demoConfig = RepoConfig(
        name: "demo", repoURLText: "https://github.com/acme/demo.git",
        repo: RepoURL(parsing: "https://github.com/acme/demo.git")!, executorJobPath: "Coordinator/demo/executor",
        githubCredentialsID: "github-pat")

    /// The core's plan for #109, made by the real planner.
    static let plan109: DispatchPlan = {
        let issue = byNumber(live)[109]!
        let route = WorkflowRules().classify(issue).route!
        return DispatchPlanner().plan(issue: issue, route: route, repo: demoConfig, linkedBranches: ["109-lock-handling"]).plan!
    }()

    // MARK: The stale view across repositories

    /// demo's cache: last full refresh an hour before t0, cursor ten minutes before, last checked
    /// 30 s before (so at t0 + 10 the 60 s reuse window is open for 20 s more).
    static let demoTimes = CacheTimes(
        lastChecked: t0.addingTimeInterval(-30), lastFullRefresh: t0.addingTimeInterval(-3600), cursor: t0.addingTimeInterval(-600))
    /// tools' cache: checked five minutes before t0 (window closed), cursor ten minutes before.
    static let toolsTimes = CacheTimes(
        lastChecked: t0.addingTimeInterval(-300), lastFullRefresh: t0.addingTimeInterval(-7200), cursor: t0.addingTimeInterval(-600))

    /// tools: #7 was eligible and is busy now (would dispatch again), #9 renamed (harmless), #12
    /// gained a label long ago, before the cursor (harmless; only a full refresh sees it).
    static let toolsCached: [Issue] = [
        issue(5, "Lint the shell scripts", ["status-04:plan-review"]),
        issue(7, "Pin the toolchain", ["status-02:awaiting-planning"]),
        issue(9, "Old title", ["status-01:created"]),
        issue(12, "Document the release", ["status-04:plan-review"]),
    ]

    static let toolsLive: [Issue] = [
        issue(5, "Lint the shell scripts", ["status-04:plan-review"]),
        updated(issue(7, "Pin the toolchain", ["status-03:planning"]), t0.addingTimeInterval(-90)),
        updated(issue(9, "Release notes from the ledger", ["status-01:created"]), t0.addingTimeInterval(-45)),
        updated(issue(12, "Document the release", ["status-04:plan-review", "documentation"]), t0.addingTimeInterval(-7000)),
    ]

    static func updated(_ issue: Issue, _ at: Date) -> Issue {
        var issue = issue
        issue.updatedAt = at
        return issue
    }

    /// demo's live issues with update times: #104 approved after the last check, #130 filed
    /// after the cursor.
    static var demoLiveWithTimes: [Issue] {
        live.map { issue in
            switch issue.number {
            case 104: return updated(issue, t0.addingTimeInterval(-20))
            case 130: return updated(issue, t0.addingTimeInterval(-60))
            default: return updated(issue, t0.addingTimeInterval(-86_400))
            }
        }
    }

    /// Both repos stale, with the caches' clocks; ten seconds after t0, in the eligible view.
    static func staleState(size: ScreenSize = ScreenSize(rows: 40, columns: 120), readOnly: Bool = false) -> ConsoleState {
        var state = ConsoleState(repos: [demo, tools], now: t0, size: size, readOnly: readOnly)
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: byNumber(cached), times: demoTimes))))
        _ = reduce(&state, .cacheLoaded(repo: "tools", .success(CacheSnapshot(issues: byNumber(toolsCached), times: toolsTimes))))
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(demoLiveWithTimes), at: t0))
        _ = reduce(&state, .liveLoaded(repo: "tools", .success(toolsLive), at: t0))
        _ = reduce(&state, .tick(t0.addingTimeInterval(10)))
        state.result = nil
        return state
    }

    // MARK: The busy view

    /// Issues a bot holds: #103 planning for hours without a build of ours, #107 implementing with
    /// its build running, #111 creating its PR after its build failed. #113 is the conflict (a
    /// pickup and a busy label).
    static let busyIssues: [Issue] = [
        issue(103, "Retry GitHub requests on 502", ["status-03:planning"]),
        issue(107, "Implement label move ordering", ["status-06:implementing"]),
        issue(111, "PR being created for timeouts", ["status-09:pr-creating"]),
    ]

    static func route(_ workflow: WorkflowName) -> WorkflowRoute {
        WorkflowMapping.standard.routes.first { $0.workflow == workflow }!
    }

    /// What `BusyWatch.survey` answers for demo: stuck first, then by number.
    static let busySurvey: [BusyIssue] = [
        BusyIssue(
            number: 103, title: "Retry GitHub requests on 502", busyLabel: "status-03:planning", route: route(.createPlan),
            busySince: t0.addingTimeInterval(-3 * 3600), busySinceSource: .events, build: nil,
            stuck: .overTimeout(busyFor: 3 * 3600, limit: 15 * 60)),
        BusyIssue(
            number: 111, title: "PR being created for timeouts", busyLabel: "status-09:pr-creating", route: route(.createPR),
            busySince: t0.addingTimeInterval(-40 * 60), busySinceSource: .ledger,
            build: BuildStatus(state: .failure, number: 12, duration: 180, finishedAt: t0.addingTimeInterval(-30 * 60)),
            dispatchedBy: "alice@build-host (console)", stuck: .buildEnded(.failure, ago: 30 * 60)),
        BusyIssue(
            number: 107, title: "Implement label move ordering", busyLabel: "status-06:implementing", route: route(.implement),
            busySince: t0.addingTimeInterval(-20 * 60), busySinceSource: .ledger, build: BuildStatus(state: .running, number: 4),
            dispatchedBy: "cron@build-host (run)", stuck: nil),
        BusyIssue(
            number: 113, title: "Half-moved: planning already started", busyLabel: "status-03:planning", route: route(.createPlan),
            busySince: nil, busySinceSource: nil, build: nil, stuck: nil),
    ]

    static let unstuck111 = UnstickResult(
        issueNumber: 111, move: LabelMove(remove: "status-09:pr-creating", add: "status-08:ready-pr"),
        labels: ["status-08:ready-pr"], cacheUpdated: true)

    /// demo with the busy issues cached and live, in the eligible view, not surveyed yet.
    static func busyState(size: ScreenSize = ScreenSize(rows: 40, columns: 120), readOnly: Bool = false) -> ConsoleState {
        var state = ConsoleState(repos: [demo, tools], now: t0, size: size, readOnly: readOnly)
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: byNumber(cached + busyIssues)))))
        _ = reduce(&state, .cacheLoaded(repo: "tools", .success(CacheSnapshot(issues: [:]))))
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(live + busyIssues), at: t0))
        _ = reduce(&state, .liveLoaded(repo: "tools", .success([]), at: t0))
        _ = reduce(&state, .tick(t0.addingTimeInterval(10)))
        state.result = nil
        return state
    }

    /// The busy view open on demo with the survey back.
    static func surveyedBusyState(size: ScreenSize = ScreenSize(rows: 40, columns: 120), readOnly: Bool = false) -> ConsoleState {
        var state = busyState(size: size, readOnly: readOnly)
        while state.view != .busy { _ = reduce(&state, .keyPressed(.char("v"))) }
        _ = reduce(&state, .busySurveyed(repo: "demo", busySurvey, at: state.now))
        _ = reduce(&state, .busySurveyed(repo: "tools", [], at: state.now))
        return state
    }
}

extension Fixtures {
    /// The audit trail the history view shows, newest first: an unstick from the console, a
    /// dispatch from the console still unfinished, a cron run's dispatch done with its build's end
    /// (a title-like `by` with an escape sequence in it, as untrusted text), and a failed one.
    static let historyEntries: [HistoryEntry] = {
        var projection = HistoryProjection()
        func record(_ seconds: Double, _ id: String, _ issue: Int, _ pickup: String, _ busy: String, _ step: HistoryStep) {
            projection.apply(HistoryRecord(time: t0.addingTimeInterval(seconds), dispatchID: id, issue: issue, pickup: pickup, busy: busy, step: step))
        }
        record(-3600, "d1", 101, "status-02:awaiting-planning", "status-03:planning",
               .intent(.init(workflow: "plan", by: "cron@build1 (run)")))
        record(-3599, "d1", 101, "status-02:awaiting-planning", "status-03:planning", .jobStarted(queueID: 41, merged: false))
        record(-3598, "d1", 101, "status-02:awaiting-planning", "status-03:planning", .labelsMoved)
        record(-3597, "d1", 101, "status-02:awaiting-planning", "status-03:planning",
               .done(queueID: 41, buildURL: "http://jenkins.test/job/Coordinator/job/demo/job/executor/7/", message: nil))
        record(-3000, "d1", 101, "status-02:awaiting-planning", "status-03:planning",
               .buildFinished(.init(buildNumber: 7, result: "SUCCESS", durationMS: 60_000)))
        record(-1800, "d2", 104, "status-05:plan-ready", "status-06:implementing",
               .intent(.init(workflow: "implement", by: "ops@desk\u{1B}]2;pwned\u{07} (console)")))
        record(-1799, "d2", 104, "status-05:plan-ready", "status-06:implementing", .failed(message: "Jenkins refused: 500"))
        record(-600, "d3", 118, "status-02:awaiting-planning", "status-03:planning",
               .intent(.init(workflow: "plan", by: "ops@desk (console)")))
        record(-599, "d3", 118, "status-02:awaiting-planning", "status-03:planning", .jobStarted(queueID: 52, merged: false))
        record(-60, "r1", 111, "status-05:plan-ready", "status-06:implementing",
               .reset(workflow: "implement", by: "ops@desk (console)", message: "status-06:implementing → status-05:plan-ready"))
        let entries = projection.dispatches.values.sorted { $0.sequence > $1.sequence }.map { HistoryEntry(repo: "demo", $0) }
        return HistoryEntry.newestFirst(entries)
    }()

    /// The loaded console with the history view open and read.
    static func historyState(size: ScreenSize = ScreenSize(rows: 40, columns: 120), canOpenLinks: Bool = false) -> ConsoleState {
        var state = loadedState(size: size)
        state.canOpenLinks = canOpenLinks
        _ = reduce(&state, .keyPressed(.char("H")))
        _ = reduce(&state, .historyLoaded(.success(HistoryAudit(entries: historyEntries)), at: t0))
        return state
    }
}
