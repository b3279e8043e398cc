import Coordinator
import Foundation
import Logging
import Sandbox

// `coordinator run` (nothing to do, inside the reuse window), `status` and `stuck` as new processes
// — the release `coordinator` binary beside this one — on one repository of the Sandbox whose
// history holds 0, 10 000 and 100 000 lines (finished dispatches of five lines each, spread over
// the last year). The first run of each size is reported apart: it reads the whole log (an upgrade
// from a ledger without a checkpoint), compacts what is past the retention and writes the
// checkpoint; every later process starts from the checkpoint and the tail.
//   swift run -c release coordinator-benchmarks commands [iterations]     (default: 10)
//   COORDINATOR_BINARY=/path/to/coordinator …   measures that binary instead (e.g. an older release)

func runCommandBenchmarks(iterations: Int) async {
    do {
        try await measureCommands(iterations: iterations)
    } catch {
        print("commands: n/a (\(error))")
    }
}

private func measureCommands(iterations: Int) async throws {
    let binary = try coordinatorBinary()
    let server = try await startQuietSandbox()
    defer { Task { await server.stop() } }
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-command-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }

    print("new processes (\(binary.path)), one repository, \(iterations) runs each; ms mean / p95")
    print(benchmarkPostgresURL == nil ? "store: the cache directory's files" : "store: PostgreSQL (COORDINATOR_BENCH_POSTGRES_URL; the history imported with store import)")
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
        try writeBenchmarkConfig(
            to: config, server: server, cacheDirectory: cacheDirectory,
            coordinator: "cache_refresh_minutes = 525600\nduplicate_window_seconds = 31536000",
            tables: benchmarkPostgresURL.map { "[store]\npostgres_url = \"\($0)\"" } ?? "")
        if let url = benchmarkPostgresURL {
            var quiet = Logger(label: "benchmark")
            quiet.logLevel = .critical
            await (try await openBenchmarkDatabase(url, logger: quiet)).connections.shutdown()
        }
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
                throw ProcessBenchmarkError(description: "coordinator \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
            }
            cpu.append(childrenCPU() - before)
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
        func coordinator(_ arguments: [String]) throws -> Double {
            var ignored: [Double] = []
            return try coordinator(arguments, cpu: &ignored)
        }
        _ = try coordinator(["sync", "--all"])
        let store = try benchmarkStore(cacheDirectory)
        try writeHistory(lines: lines, to: store.ledgerURL)
        if benchmarkPostgresURL != nil {
            // The cache the sync wrote into the database stays; the history goes in beside it.
            try? FileManager.default.removeItem(at: store.fileURL)
            _ = try coordinator(["store", "import", "--all"])
        }

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
        let checkpoint = benchmarkPostgresURL != nil ? "in the database"
            : (try? FileManager.default.attributesOfItem(atPath: store.historyCheckpointURL.path)[.size] as? Int).map { "\($0 / 1024) KiB" } ?? "none"
        print(String(lines).padding(toLength: 16, withPad: " ", startingAt: 0) + cells.joined(separator: "  ") + String(format: "  %9d  ", logLines) + checkpoint)
    }
    for verdict in verdicts { print(verdict) }
}

/// `lines` history lines: finished dispatches of 2 000 issues, evenly spread over the year before now.
private func writeHistory(lines: Int, to url: URL) throws {
    guard lines > 0 else { return }
    let dispatches = lines / 5
    let now = Date()
    let span: TimeInterval = 365 * 86_400
    try appendFinishedDispatches(from: 0, count: dispatches, to: url, by: "cron@bench (run)") { index in
        now.addingTimeInterval(-span + span * Double(index) / Double(max(1, dispatches)) - 3600)
    }
}

/// CPU seconds (user + system) of the waited-for children so far, in ms: a machine busy with other
/// work moves wall-clock times much more than these.
private func childrenCPU() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    func ms(_ time: timeval) -> Double { Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000 }
    return ms(usage.ru_utime) + ms(usage.ru_stime)
}
