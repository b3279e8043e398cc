import Coordinator
import CoordinatorConsole
import Foundation

// The console reducer at operator scale: 20 repositories of 1 000 issues, cached and live. Each
// keystroke, view switch and refresh result must fit in one 60 Hz frame (16 ms) on the UI thread,
// or typing lags. Memory: the console state holding 20 × 5 000 cached issues, as the peak RSS of
// a fresh child process of this binary (a parent that has already run the other benchmarks keeps
// their high-water mark, which would hide ours).

private let consoleRepoCount = 20
private let consoleIssuesPerRepo = 1_000
private let consoleMemoryIssuesPerRepo = 5_000
private let consoleFrameBudgetMs = 16.0
private let consoleMemoryBudgetMB = 150.0
/// Set in the child process that measures memory.
private let consoleMemoryVariable = "COORDINATOR_BENCHMARK_CONSOLE_MEMORY"

/// Runs the console benchmarks and prints their rows; in the memory child, measures and exits.
func runConsoleBenchmarks() {
    if ProcessInfo.processInfo.environment[consoleMemoryVariable] != nil {
        measureConsoleMemoryAndExit()
    }
    var rows: [(name: String, samples: [Double], note: String)] = []
    var state = loadedConsoleState(issuesPerRepo: consoleIssuesPerRepo, withLive: true)
    state.focus = .issues
    state.view = .all

    // One filter keystroke: typing a title word and a number, then erasing them.
    _ = reduce(&state, .keyPressed(.char("/")))
    var filterSamples: [Double] = []
    for _ in 0..<10 {
        for c in "better 12" { filterSamples.append(consoleMilliseconds { _ = reduce(&state, .keyPressed(.char(c))) }) }
        for _ in 0..<9 { filterSamples.append(consoleMilliseconds { _ = reduce(&state, .keyPressed(.backspace)) }) }
    }
    _ = reduce(&state, .keyPressed(.enter))
    rows.append(("console filter keystroke", filterSamples, "20 repos, `all` view"))

    // One `j`: the cursor moves down the 1 000 rows of the selected repo.
    var moveSamples: [Double] = []
    for _ in 0..<500 { moveSamples.append(consoleMilliseconds { _ = reduce(&state, .keyPressed(.char("j"))) }) }
    rows.append(("console j", moveSamples, ""))

    // One view switch (eligible → stale → all → …).
    var viewSamples: [Double] = []
    for _ in 0..<60 { viewSamples.append(consoleMilliseconds { _ = reduce(&state, .keyPressed(.char("v"))) }) }
    rows.append(("console view switch", viewSamples, ""))

    // A live refresh of one repo comes back, its labels changed since the last one.
    var refreshSamples: [Double] = []
    for round in 0..<60 {
        let repo = round % consoleRepoCount
        let live = consoleIssues(repo: repo, count: consoleIssuesPerRepo, live: true, round: round + 1)
        let at = state.now.addingTimeInterval(Double(round))
        refreshSamples.append(consoleMilliseconds {
            _ = reduce(&state, .liveLoaded(repo: consoleRepoName(repo), .success(live), at: at))
        })
    }
    rows.append(("console live result, 1 repo", refreshSamples, ""))

    let memory = consoleMemoryFromChild()
    let scale = "\(consoleRepoCount)×\(consoleIssuesPerRepo)"
    print("")
    print("console (reducer + rebuild; budget \(Int(consoleFrameBudgetMs)) ms each, \(Int(consoleMemoryBudgetMB)) MB state)")
    print("benchmark".padding(toLength: 28, withPad: " ", startingAt: 0) + "    issues  runs     mean ms      p95 ms  note")
    for row in rows {
        let sorted = row.samples.sorted()
        let mean = sorted.reduce(0, +) / Double(sorted.count)
        let p95 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))]
        let verdict = p95 <= consoleFrameBudgetMs ? "holds" : "MISSED"
        let note = ([row.note, "p95 ≤ \(Int(consoleFrameBudgetMs)) ms: \(verdict)"].filter { !$0.isEmpty }).joined(separator: "; ")
        print(row.name.padding(toLength: 28, withPad: " ", startingAt: 0)
            + String(repeating: " ", count: max(0, 10 - scale.count)) + scale
            + String(format: "  %4d  %10.2f  %10.2f  ", sorted.count, mean, p95) + note)
    }
    let memoryScale = "\(consoleRepoCount)×\(consoleMemoryIssuesPerRepo)"
    let memoryName = "console state peak RSS".padding(toLength: 28, withPad: " ", startingAt: 0)
        + String(repeating: " ", count: max(0, 10 - memoryScale.count)) + memoryScale
    switch memory {
    case let .success(line):
        print(memoryName + "  " + line)
    case let .failure(error):
        print(memoryName + "  n/a: \(error.reason)")
    }
}

private func consoleRepoName(_ index: Int) -> String { "repo-\(index)" }

private let consolePickups = [
    "status-02:awaiting-planning", "status-05:plan-ready", "status-08:ready-pr", "status-04:plan-review",
    "status-03:planning", "status-01:created",
]

/// Issues shaped like the core benchmark's (a 200-byte body, two labels). Live differs from the
/// cache on every tenth issue, moved by `round` so each refresh result changes something.
private func consoleIssues(repo: Int, count: Int, live: Bool, round: Int = 0) -> [Issue] {
    let base = Date(timeIntervalSince1970: 1_795_000_000)
    return (1...count).map { n in
        let shift = live && n % 10 == 0 ? 1 + round % 3 : 0
        return Issue(
            number: n, title: "Issue \(n) of repo \(repo): make the thing better ✨",
            body: String(repeating: "body text ", count: 20),
            labels: [consolePickups[(n + shift) % consolePickups.count], n % 7 == 0 ? "blocked" : "enhancement"],
            user: "alice", createdAt: base, updatedAt: base.addingTimeInterval(Double(n)),
            url: "https://github.com/acme/repo-\(repo)/issues/\(n)")
    }
}

private func loadedConsoleState(issuesPerRepo: Int, withLive: Bool) -> ConsoleState {
    let repos = (0..<consoleRepoCount).map { index in
        ConsoleRepo(name: consoleRepoName(index), fullName: "acme/repo-\(index)", jobPath: "Coordinator/repo-\(index)/executor")
    }
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    var state = ConsoleState(repos: repos, now: now, size: ScreenSize(rows: 50, columns: 160))
    for index in 0..<consoleRepoCount {
        let cached = Dictionary(uniqueKeysWithValues: consoleIssues(repo: index, count: issuesPerRepo, live: false).map { ($0.number, $0) })
        _ = reduce(&state, .cacheLoaded(repo: consoleRepoName(index), .success(CacheSnapshot(issues: cached))))
        if withLive {
            let live = consoleIssues(repo: index, count: issuesPerRepo, live: true)
            _ = reduce(&state, .liveLoaded(repo: consoleRepoName(index), .success(live), at: now))
        }
    }
    return state
}

private func consoleMilliseconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
}

/// The process's peak resident set size so far, in bytes.
private func consolePeakRSS() -> Double {
    var usage = rusage()
    #if os(Linux)
    // VmHWM belongs to this program's memory since exec. `ru_maxrss` does not: Linux carries the
    // high-water mark of the process that spawned us across exec, so a child started by a parent
    // that had just written a 100 000-issue cache would read the parent's peak.
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    {
        return kilobytes * 1024
    }
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) * 1024  // kilobytes on Linux
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss)  // bytes on macOS
    #endif
}

/// In the child: the peak RSS before and after loading 20 × 5 000 cached issues into the
/// console state, printed as one line for the parent.
private func measureConsoleMemoryAndExit() -> Never {
    let before = consolePeakRSS()
    let state = loadedConsoleState(issuesPerRepo: consoleMemoryIssuesPerRepo, withLive: false)
    let after = consolePeakRSS()
    let issues = state.repos.reduce(0) { $0 + $1.cached.count }
    let mb = (after - before) / 1_048_576
    print(String(
        format: "peak RSS +%.1f MB (%.1f → %.1f MB, %d cached issues, cache only); ≤ %d MB: %@",
        mb, before / 1_048_576, after / 1_048_576, issues, Int(consoleMemoryBudgetMB),
        mb <= consoleMemoryBudgetMB ? "holds" : "MISSED"))
    exit(0)
}

private struct ConsoleMemoryUnavailable: Error {
    var reason: String
}

/// Runs this binary again with the memory variable set and the smallest core workload (1 issue,
/// 1 iteration), so the child's high-water mark before the console state is small and its own.
private func consoleMemoryFromChild() -> Result<String, ConsoleMemoryUnavailable> {
    let process = Process()
    process.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["1", "1"]
    process.environment = ProcessInfo.processInfo.environment.merging([consoleMemoryVariable: "1"]) { _, new in new }
    let pipe = Pipe()
    process.standardOutput = pipe
    do {
        try process.run()
    } catch {
        return .failure(ConsoleMemoryUnavailable(reason: "could not start \(CommandLine.arguments[0]): \(error)"))
    }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0, let line = output.split(separator: "\n").last(where: { $0.hasPrefix("peak RSS") }) else {
        return .failure(ConsoleMemoryUnavailable(reason: "the child exited \(process.terminationStatus)"))
    }
    return .success(String(line))
}
