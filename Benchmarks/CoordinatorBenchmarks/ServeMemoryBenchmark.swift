import Coordinator
import Foundation
import Sandbox

// `serve`'s memory as its history grows: the release `coordinator serve` (a process of its own,
// polling one Sandbox repository every second, each poll a locked session that catches up with the
// history) while 1 000 and then 100 000 finished dispatches are appended to the history, as the
// dispatches of a long life would be. Its resident memory after each, read from /proc.
//   swift run -c release coordinator-benchmarks serve-memory [dispatches]    (default: 100000)

func runServeMemoryBenchmark(dispatches: Int) async {
    do {
        try await measureServeMemory(dispatches: dispatches)
    } catch {
        print("serve memory: n/a (\(error))")
    }
}

private func measureServeMemory(dispatches: Int) async throws {
    let binary = try coordinatorBinary()
    let server = try await startQuietSandbox()
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-serve-memory-\(UUID().uuidString)")
    let cacheDirectory = root.appendingPathComponent("cache")
    try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
    let config = root.appendingPathComponent("config.toml")
    try writeBenchmarkConfig(
        to: config, server: server, cacheDirectory: cacheDirectory, tables: "[serve]\nwebhook_secret = \"benchmark-secret\"\npoll_seconds = 1")
    let store = try benchmarkStore(cacheDirectory)
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
            let now = Date()
            try appendFinishedDispatches(from: written, count: chunk, to: store.ledgerURL, by: "serve@bench (serve)") { _ in now }
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
        guard serve.isRunning else { throw ProcessBenchmarkError(description: "serve exited (\(serve.terminationStatus))") }
        if let data = try? Data(contentsOf: checkpoint), let snapshot = try? HistoryCheckpoint.decode(data), snapshot.position.line >= lines {
            return
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw ProcessBenchmarkError(description: "serve did not catch up with \(lines) history lines within 5 minutes")
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
