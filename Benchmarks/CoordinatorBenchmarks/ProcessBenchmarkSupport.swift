import Coordinator
import CoordinatorPostgres
import Foundation
import Logging
import PostgresNIO
import Sandbox

// What the benchmarks that run the release `coordinator` as processes of its own share: the binary,
// a quiet Sandbox repository, and a config pointing at it.

struct ProcessBenchmarkError: Error, CustomStringConvertible {
    var description: String
}

/// The release `coordinator` beside this benchmark, or `COORDINATOR_BINARY` (another build, e.g. an
/// older release for "before").
func coordinatorBinary() throws -> URL {
    let binary = ProcessInfo.processInfo.environment["COORDINATOR_BINARY"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("coordinator")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw ProcessBenchmarkError(description: "\(binary.path) is missing: build it first (swift build -c release --product coordinator)")
    }
    return binary
}

/// A Sandbox with one repository, acme/demo, of forty open issues waiting for a person: nothing to
/// dispatch, nothing busy.
func startQuietSandbox() async throws -> SandboxServer {
    let issues = (1...40).map {
        Scenario.Issue(number: $0, title: "Issue \($0)", labels: [$0 % 2 == 0 ? "status-04:plan-review" : "status-07:code-review"], createdAt: "2026-11-20T08:00:00Z")
    }
    return try await SandboxServer.start(scenario: Scenario(
        github: .init(tokens: [.init(token: benchmarkToken, hourlyQuota: 10_000_000)], repositories: [.init(owner: "acme", name: "demo", issues: issues)]),
        jenkins: .init(users: [.init(username: "bot", apiToken: benchmarkJenkinsToken)], jobs: [.init(path: "Coordinator/demo/executor")])))
}

let benchmarkToken = "ghp_benchmark_token", benchmarkJenkinsToken = "jenkins-benchmark-token"

/// Writes a config for acme/demo on `server` with the cache in `cacheDirectory`; `extra` is
/// appended as it is (more `[coordinator]` keys first, then tables).
func writeBenchmarkConfig(to url: URL, server: SandboxServer, cacheDirectory: URL, coordinator: String = "", tables: String = "") throws {
    try Data("""
        [github]
        token = "\(benchmarkToken)"
        api_url = "\(server.githubAPIURL)"
        [jenkins]
        server_url = "\(server.jenkinsURL)"
        username = "bot"
        api_token = "\(benchmarkJenkinsToken)"
        [coordinator]
        cache_dir = "\(cacheDirectory.path)"
        \(coordinator)
        [coordinator.repos.demo]
        repo_url = "https://github.com/acme/demo.git"
        executor_job_path = "Coordinator/demo/executor"
        github_credentials_id = "github-pat"
        \(tables)

        """.utf8).write(to: url)
}

/// `COORDINATOR_BENCH_POSTGRES_URL`: the benchmarks that take it (`serve`, `commands`) run on this
/// PostgreSQL database instead of the cache directory's files; its coordinator tables are emptied
/// first. Nil: the files.
let benchmarkPostgresURL: String? = ProcessInfo.processInfo.environment["COORDINATOR_BENCH_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// The benchmark's database (`benchmarkPostgresURL`), migrated, its coordinator tables emptied.
func openBenchmarkDatabase(_ url: String, logger: Logger) async throws -> PostgresStore {
    let settings = PostgresStoreSettings(url: try PostgresURL(parsing: url))
    let database = try await PostgresStore.open(PostgresEndpoint(settings: settings, applicationName: "coordinator benchmark"), logger: logger)
    try await database.connections.withConnection { connection in
        try await connection.queryRows(
            "TRUNCATE coordinator_issue_cache, coordinator_notes, coordinator_history, coordinator_history_checkpoint, coordinator_deliveries",
            logger: logger)
    }
    return database
}

/// acme/demo's files in `cacheDirectory`.
func benchmarkStore(_ cacheDirectory: URL) throws -> IssueCacheStore {
    guard let repo = RepoURL(parsing: "https://github.com/acme/demo.git") else { throw ProcessBenchmarkError(description: "repository URL") }
    return IssueCacheStore(directory: cacheDirectory.path, repo: repo)
}

/// `count` finished dispatches (intent, job started, labels moved, done, build finished: five lines
/// each) of 2 000 issues, numbered from `start`, the `index`th dated `time(index)`, appended to
/// `url` in one write.
func appendFinishedDispatches(from start: Int, count: Int, to url: URL, by: String, time: (Int) -> Date) throws {
    var data = Data()
    for index in start..<(start + count) {
        let at = time(index)
        let issue = 1_000 + index % 2_000
        let steps: [HistoryStep] = [
            .intent(.init(workflow: "create-plan", by: by, issueUpdatedAt: at, jobPath: "Coordinator/demo/executor",
                          parameters: [JobParameter("REPO_URL", "https://github.com/acme/demo.git"), JobParameter("BRANCH_NAME", "main"),
                                       JobParameter("COMMAND", "mcp-coder --log-level INFO create-plan \(issue)"), JobParameter("GITHUB_CREDENTIALS_ID", "github-pat")])),
            .jobStarted(queueID: index + 1, merged: false), .labelsMoved,
            .done(queueID: index + 1, buildURL: "http://jenkins/job/Coordinator/job/demo/job/executor/\(index + 1)/", message: nil),
            .buildFinished(.init(buildNumber: index + 1, result: "SUCCESS", durationMS: 600_000, finishedAt: at.addingTimeInterval(600))),
        ]
        for (offset, step) in steps.enumerated() {
            data.append(HistoryLine.encode(HistoryRecord(
                time: at.addingTimeInterval(TimeInterval(offset)), dispatchID: "bench-\(index)", issue: issue,
                pickup: "status-02:awaiting-planning", busy: "status-03:planning", step: step)))
            data.append(UInt8(ascii: "\n"))
        }
    }
    if !FileManager.default.fileExists(atPath: url.path) { try Data().write(to: url) }
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: data)
}
