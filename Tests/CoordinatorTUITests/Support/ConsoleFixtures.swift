import Coordinator
import Foundation
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// Issues and states shared by the reducer, render and runner tests.
enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static let demo = ConsoleRepo(name: "demo", fullName: "acme/demo", jobPath: "Coordinator/demo/executor")
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
}
