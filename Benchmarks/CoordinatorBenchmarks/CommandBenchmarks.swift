import Coordinator
import Foundation
import Sandbox

// `coordinator run` (nothing to do, inside the reuse window), `status` and `stuck` as new processes
// — the release `coordinator` binary beside this one — on one repository of the Sandbox whose
// history holds 0, 10 000 and 100 000 lines (finished dispatches of five lines each, spread over
// the last year). The first run of each size is reported apart: it reads the whole log (an upgrade
// from a ledger without a checkpoint), compacts what is past the retention and writes the
// checkpoint; every later process starts from the checkpoint and the tail.
//   swift run -c release coordinator-benchmarks commands [iterations]     (default: 10)
//   COORDINATOR_BINARY=/path/to/coordinator …   measures that binary instead (e.g. an older release)

private struct CommandBenchmarkError: Error, CustomStringConvertible {
    var description: String
}

func runCommandBenchmarks(iterations: Int) async {
    do {
        try await measureCommands(iterations: iterations)
    } catch {
        print("commands: n/a (\(error))")
    }
}

private func measureCommands(iterations: Int) async throws {
    // COORDINATOR_BINARY measures another build the same way (an older version, for "before").
    let binary = ProcessInfo.processInfo.environment["COORDINATOR_BINARY"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("coordinator")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw CommandBenchmarkError(description: "\(binary.path) is missing: build it first (swift build -c release --product coordinator)")
    }
    let token = "ghp_benchmark_token", jenkinsToken = "jenkins-benchmark-token"
    // Forty open issues waiting for a person: nothing to dispatch, nothing busy.
    let issues = (1...40).map {
        Scenario.Issue(number: $0, title: "Issue \($0)", labels: [$0 % 2 == 0 ? "status-04:plan-review" : "status-07:code-review"], createdAt: "2026-11-20T08:00:00Z")
    }
    let server = try await SandboxServer.start(scenario: Scenario(
        github: .init(tokens: [.init(token: token, hourlyQuota: 10_000_000)], repositories: [.init(owner: "acme", name: "demo", issues: issues)]),
        jenkins: .init(users: [.init(username: "bot", apiToken: jenkinsToken)], jobs: [.init(path: "Coordinator/demo/executor")])))
    defer { Task { await server.stop() } }
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-command-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }

    print("new processes (\(binary.path)), one repository, \(iterations) runs each; ms mean / p95")
    // Trust from SSL_CERT_FILE / SSL_CERT_DIR is parsed by every process (about 20 ms for Debian's
    // bundle and directory): say whether these runs pay it.
    let environment = ProcessInfo.processInfo.environment
    let trust = ["SSL_CERT_FILE", "SSL_CERT_DIR"].filter { environment[$0] != nil }
    print(trust.isEmpty ? "(SSL_CERT_FILE and SSL_CERT_DIR unset: the system trust store, loaded only for HTTPS)"
        : "(\(trust.joined(separator: " and ")) set: each process parses those certificates first)")
    print("history lines".padding(toLength: 16, withPad: " ", startingAt: 0)
        + "run first   run (wall mean/p95, cpu)  status first  status ...   stuck first  stuck ...   log after  checkpoint")
    var baseline: [String: Double] = [:]
    var verdicts: [String] = []
    for lines in [0, 10_000, 100_000] {
        let directory = root.appendingPathComponent("\(lines)")
        let cacheDirectory = directory.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("config.toml")
        try Data("""
            [github]
            token = "\(token)"
            api_url = "\(server.githubAPIURL)"
            [jenkins]
            server_url = "\(server.jenkinsURL)"
            username = "bot"
            api_token = "\(jenkinsToken)"
            [coordinator]
            cache_refresh_minutes = 525600
            duplicate_window_seconds = 31536000
            cache_dir = "\(cacheDirectory.path)"
            [coordinator.repos.demo]
            repo_url = "https://github.com/acme/demo.git"
            executor_job_path = "Coordinator/demo/executor"
            github_credentials_id = "github-pat"

            """.utf8).write(to: config)
        /// Wall-clock ms of one run; its CPU ms (user + system, from the children's rusage) go to `cpu`.
        func coordinator(_ arguments: [String], cpu: inout [Double]) throws -> Double {
            let before = childrenCPU()
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments + ["--config", config.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = ContinuousClock.now
            try process.run()
            process.waitUntilExit()
            let elapsed = ContinuousClock.now - start
            guard [0, 3].contains(process.terminationStatus) else {
                throw CommandBenchmarkError(description: "coordinator \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
            }
            cpu.append(childrenCPU() - before)
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
        func coordinator(_ arguments: [String]) throws -> Double {
            var ignored: [Double] = []
            return try coordinator(arguments, cpu: &ignored)
        }
        _ = try coordinator(["sync", "--all"])
        guard let repo = RepoURL(parsing: "https://github.com/acme/demo.git") else { throw CommandBenchmarkError(description: "repository URL") }
        let store = IssueCacheStore(directory: cacheDirectory.path, repo: repo)
        try writeHistory(lines: lines, to: store.ledgerURL)

        var cells: [String] = []
        for command in [["run", "--all"], ["status"], ["stuck"]] {
            let first = try coordinator(command)
            var cpu: [Double] = []
            let timing = Timing(samples: try (0..<iterations).map { _ in try coordinator(command, cpu: &cpu) })
            let cpuTiming = Timing(samples: cpu)
            cells.append(String(format: "%8.1f  %6.1f/%-6.1f %5.1f", first, timing.mean, timing.p95, cpuTiming.mean))
            let name = command[0]
            if lines == 0 { baseline[name] = timing.mean }
            if lines == 100_000, let zero = baseline[name] {
                let holds = timing.mean <= 2 * zero && timing.mean < 60
                verdicts.append(String(format: "%@ at 100 000 lines: %.1f ms = %.2f× of 0 lines (budget ≤ 2× and < 60 ms: %@)", name, timing.mean, timing.mean / zero, holds ? "holds" : "MISSED"))
            }
        }
        let logLines = (try? String(contentsOf: store.ledgerURL, encoding: .utf8))?.split(separator: "\n").count ?? 0
        let checkpoint = (try? FileManager.default.attributesOfItem(atPath: store.historyCheckpointURL.path)[.size] as? Int).map { "\($0 / 1024) KiB" } ?? "none"
        print(String(lines).padding(toLength: 16, withPad: " ", startingAt: 0) + cells.joined(separator: "  ") + String(format: "  %9d  ", logLines) + checkpoint)
    }
    for verdict in verdicts { print(verdict) }
}

/// `lines` history lines: finished dispatches (intent, job started, labels moved, done, build
/// finished) of 2 000 issues, evenly spread over the year before now.
private func writeHistory(lines: Int, to url: URL) throws {
    guard lines > 0 else { return }
    let dispatches = lines / 5
    let now = Date()
    let span: TimeInterval = 365 * 86_400
    var data = Data()
    let pickup = "status-02:awaiting-planning", busy = "status-03:planning"
    for index in 0..<dispatches {
        let time = now.addingTimeInterval(-span + span * Double(index) / Double(max(1, dispatches)) - 3600)
        let id = "bench-\(index)"
        let issue = 1_000 + index % 2_000
        let steps: [HistoryStep] = [
            .intent(.init(workflow: "create-plan", by: "cron@bench (run)", issueUpdatedAt: time, jobPath: "Coordinator/demo/executor",
                          parameters: [JobParameter("REPO_URL", "https://github.com/acme/demo.git"), JobParameter("BRANCH_NAME", "main"),
                                       JobParameter("COMMAND", "mcp-coder --log-level INFO create-plan \(issue)"), JobParameter("GITHUB_CREDENTIALS_ID", "github-pat")])),
            .jobStarted(queueID: index + 1, merged: false), .labelsMoved,
            .done(queueID: index + 1, buildURL: "http://jenkins/job/Coordinator/job/demo/job/executor/\(index + 1)/", message: nil),
            .buildFinished(.init(buildNumber: index + 1, result: "SUCCESS", durationMS: 600_000, finishedAt: time.addingTimeInterval(600))),
        ]
        for (offset, step) in steps.enumerated() {
            data.append(HistoryLine.encode(HistoryRecord(
                time: time.addingTimeInterval(TimeInterval(offset)), dispatchID: id, issue: issue, pickup: pickup, busy: busy, step: step)))
            data.append(UInt8(ascii: "\n"))
        }
    }
    try data.write(to: url)
}

/// CPU seconds (user + system) of the waited-for children so far, in ms: a machine busy with other
/// work moves wall-clock times much more than these.
private func childrenCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    func ms(_ time: timeval) -> Double { Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000 }
    return ms(usage.ru_utime) + ms(usage.ru_stime)
}
