import Coordinator
import Foundation
import Sandbox

// `serve`'s memory as its history grows: the release `coordinator serve` (a process of its own,
// polling one Sandbox repository every second, each poll a locked session that catches up with the
// history) while 1 000 and then 100 000 finished dispatches are appended to the history, as the
// dispatches of a long life would be. Its resident memory after each, read from /proc.
//   swift run -c release coordinator-benchmarks serve-memory [dispatches]    (default: 100000)

private struct ServeMemoryError: Error, CustomStringConvertible {
    var description: String
}

func runServeMemoryBenchmark(dispatches: Int) async {
    do {
        try await measureServeMemory(dispatches: dispatches)
    } catch {
        print("serve memory: n/a (\(error))")
    }
}

private func measureServeMemory(dispatches: Int) async throws {
    let binary = ProcessInfo.processInfo.environment["COORDINATOR_BINARY"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("coordinator")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw ServeMemoryError(description: "\(binary.path) is missing") }
    let token = "ghp_benchmark_token", jenkinsToken = "jenkins-benchmark-token"
    let issues = (1...40).map { Scenario.Issue(number: $0, title: "Issue \($0)", labels: ["status-04:plan-review"], createdAt: "2026-11-20T08:00:00Z") }
    let server = try await SandboxServer.start(scenario: Scenario(
        github: .init(tokens: [.init(token: token, hourlyQuota: 10_000_000)], repositories: [.init(owner: "acme", name: "demo", issues: issues)]),
        jenkins: .init(users: [.init(username: "bot", apiToken: jenkinsToken)], jobs: [.init(path: "Coordinator/demo/executor")])))
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-serve-memory-\(UUID().uuidString)")
    let cacheDirectory = root.appendingPathComponent("cache")
    try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
    let config = root.appendingPathComponent("config.toml")
    try Data("""
        [github]
        token = "\(token)"
        api_url = "\(server.githubAPIURL)"
        [jenkins]
        server_url = "\(server.jenkinsURL)"
        username = "bot"
        api_token = "\(jenkinsToken)"
        [coordinator]
        cache_dir = "\(cacheDirectory.path)"
        [coordinator.repos.demo]
        repo_url = "https://github.com/acme/demo.git"
        executor_job_path = "Coordinator/demo/executor"
        github_credentials_id = "github-pat"
        [serve]
        webhook_secret = "benchmark-secret"
        poll_seconds = 1

        """.utf8).write(to: config)
    guard let repo = RepoURL(parsing: "https://github.com/acme/demo.git") else { throw ServeMemoryError(description: "repository URL") }
    let store = IssueCacheStore(directory: cacheDirectory.path, repo: repo)
    let serve = Process()
    serve.executableURL = binary
    serve.arguments = ["serve", "--listen", "127.0.0.1:0", "--config", config.path, "--log-level", "ERROR"]
    serve.standardOutput = FileHandle.nullDevice
    serve.standardError = FileHandle.nullDevice
    try serve.run()
    defer {
        serve.terminate()
        serve.waitUntilExit()
        Task { await server.stop() }
        try? FileManager.default.removeItem(at: root)
    }
    let pid = serve.processIdentifier

    var written = 0
    /// Appends finished dispatches up to `total`, in chunks the daemon catches up with between polls.
    func grow(to total: Int) async throws {
        while written < total {
            let chunk = min(total - written, 1_000)
            try appendDispatches(from: written, count: chunk, to: store.ledgerURL)
            written += chunk
            try await caughtUp(lines: written * 5, checkpoint: store.historyCheckpointURL, serve: serve)
        }
    }
    try await grow(to: min(1_000, dispatches))
    let small = try residentMB(pid: pid)
    let clock = ContinuousClock.now
    try await grow(to: dispatches)
    let elapsed = ContinuousClock.now - clock
    let large = try residentMB(pid: pid)
    print(String(
        format: "serve memory: RSS %.1f MB after %d dispatches, %.1f MB after %d (+%.1f MB; peak %.1f MB; caught up in %.1f s; budget ≤ +20 MB: %@)",
        small.rss, min(1_000, dispatches), large.rss, dispatches, large.rss - small.rss, large.peak,
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, large.rss - small.rss <= 20 ? "holds" : "MISSED"))
}

/// Waits until the daemon's checkpoint stands at `lines` (a locked session read them all).
private func caughtUp(lines: Int, checkpoint: URL, serve: Process) async throws {
    let deadline = ContinuousClock.now + .seconds(300)
    while ContinuousClock.now < deadline {
        guard serve.isRunning else { throw ServeMemoryError(description: "serve exited (\(serve.terminationStatus))") }
        if let data = try? Data(contentsOf: checkpoint), let snapshot = try? HistoryCheckpoint.decode(data), snapshot.position.line >= lines {
            return
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw ServeMemoryError(description: "serve did not catch up with \(lines) history lines within 5 minutes")
}

/// VmRSS and VmHWM of `pid`, in MB.
private func residentMB(pid: Int32) throws -> (rss: Double, peak: Double) {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    func field(_ name: String) -> Double {
        let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
        let kilobytes = line?.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Double($0) } ?? 0
        return kilobytes / 1024
    }
    return (field("VmRSS"), field("VmHWM"))
}

/// `count` finished dispatches (five lines each) of 2 000 issues, numbered from `start`, dated now.
private func appendDispatches(from start: Int, count: Int, to url: URL) throws {
    var data = Data()
    let now = Date()
    for index in start..<(start + count) {
        let issue = 1_000 + index % 2_000
        let steps: [HistoryStep] = [
            .intent(.init(workflow: "create-plan", by: "serve@bench (serve)", issueUpdatedAt: now, jobPath: "Coordinator/demo/executor",
                          parameters: [JobParameter("BRANCH_NAME", "main"), JobParameter("COMMAND", "mcp-coder create-plan \(issue)")])),
            .jobStarted(queueID: index + 1, merged: false), .labelsMoved,
            .done(queueID: index + 1, buildURL: "http://jenkins/job/Coordinator/job/demo/job/executor/\(index + 1)/", message: nil),
            .buildFinished(.init(buildNumber: index + 1, result: "SUCCESS", durationMS: 600_000, finishedAt: now)),
        ]
        for step in steps {
            data.append(HistoryLine.encode(HistoryRecord(
                time: now, dispatchID: "bench-\(index)", issue: issue, pickup: "status-02:awaiting-planning", busy: "status-03:planning", step: step)))
            data.append(UInt8(ascii: "\n"))
        }
    }
    if !FileManager.default.fileExists(atPath: url.path) { try Data().write(to: url) }
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: data)
}
