import Coordinator
import Foundation
import Logging

/// The busy view's survey (`BusyWatch.survey`) over `issues`, every busy one dispatched by us and
/// its build's end in the ledger (five ledger lines each): what `status` pays once, and the
/// console on each tick while the busy view is shown. No request is made: the clients point at a
/// closed port and the ledger answers everything.
func measureBusySurvey(
    issues: [Issue], iterations: Int, directory: URL
) async throws -> (timing: Timing, again: Timing, busy: Int, ledgerLines: Int) {
    var settings = CoordinatorSettings(cacheDirectory: directory.appendingPathComponent("busy").path)
    settings.writeSpacingMilliseconds = 0
    guard let repo = RepoURL(parsing: "https://github.com/acme/demo") else { fatalError("the benchmark's repository URL does not parse") }
    let config = CoordinatorConfig(
        path: directory.appendingPathComponent("busy.toml").path,
        github: GitHubSettings(token: Secret("ghp_benchmark"), apiURL: "http://127.0.0.1:9"),
        jenkins: JenkinsSettings(serverURL: "http://127.0.0.1:9", username: "bot", apiToken: Secret("token")),
        settings: settings,
        repos: [RepoConfig(
            name: "demo", repoURLText: "https://github.com/acme/demo.git", repo: repo,
            executorJobPath: "Coordinator/demo/executor", githubCredentialsID: "github-pat")])
    var logger = Logger(label: "benchmark")
    logger.logLevel = .critical
    let workspace = Workspace.open(config: config, logger: logger)
    guard let service = workspace.repos.first else { fatalError("the benchmark's workspace has no repository") }
    try FileManager.default.createDirectory(atPath: settings.cacheDirectory, withIntermediateDirectories: true)

    let busyLabels = service.rules.busyLabels
    let busy = issues.filter { $0.labels.contains(where: busyLabels.contains) }
    let start = Date().addingTimeInterval(-3600)
    var records: [HistoryRecord] = []
    for issue in busy {
        let id = "bench-\(issue.number)"
        let busyLabel = issue.labels.first(where: busyLabels.contains) ?? ""
        func line(_ step: HistoryStep) -> HistoryRecord {
            HistoryRecord(time: start, dispatchID: id, issue: issue.number, pickup: "status-02:awaiting-planning", busy: busyLabel, step: step)
        }
        let steps: [HistoryStep] = [
            .intent(.init(workflow: "create-plan", by: "bench@host (run)", jobPath: "Coordinator/demo/executor")),
            .jobStarted(queueID: issue.number, merged: false), .labelsMoved, .done(queueID: issue.number, buildURL: nil, message: nil),
            .buildFinished(.init(buildNumber: issue.number, result: "SUCCESS", durationMS: 60_000, finishedAt: start.addingTimeInterval(60))),
        ]
        records += steps.map(line)
    }
    try await service.store.withSession { session in
        for record in records { try await session.append(record) }
    }
    func timed(_ watch: BusyWatch) async -> Double {
        let clock = ContinuousClock.now
        let found = await watch.survey(issues)
        let elapsed = ContinuousClock.now - clock
        precondition(found.count == busy.count, "the survey found \(found.count) of \(busy.count) busy issues")
        return Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
    }
    // A new watch each time (`status`, `stuck`, the view's first survey) reads the whole ledger;
    // the same watch again (the console's tick, serve's poll) reads only what was appended.
    var first: [Double] = []
    var again: [Double] = []
    let kept = BusyWatch(service: service)
    _ = await timed(kept)
    for _ in 0..<iterations {
        first.append(await timed(BusyWatch(service: service)))
        again.append(await timed(kept))
    }
    await workspace.shutdown()
    return (Timing(samples: first), Timing(samples: again), busy.count, busy.count * 5)
}
