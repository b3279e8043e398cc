import Coordinator
import Foundation

// Speed of the core's hot paths: reading and writing the cache at N and 10 N issues, choosing
// eligible issues and comparing cache with live at N, and Python's json module on the same
// N-issue file in the same run, which the cache budget is measured against. Run with:
//   swift run -c release coordinator-benchmarks [issues] [iterations]     (defaults: 10000 20)
//   swift run -c release coordinator-benchmarks serve [relabels]          (default: 1000)
//   swift run -c release coordinator-benchmarks commands [iterations]     (default: 10)
//   swift run -c release coordinator-benchmarks serve-memory [dispatches]  (default: 100000)
//   swift run -c release coordinator-benchmarks log-view [megabytes]      (default: 50)
//   swift run -c release coordinator-benchmarks serve-events [clients] [relabels]  (defaults: 100 1000)

// `coordinator-benchmarks serve [relabels]` runs only serve's latency benchmark.
if CommandLine.arguments.dropFirst().first == "serve" {
    await runServeBenchmark(relabels: max(1, CommandLine.arguments.dropFirst(2).compactMap(Int.init).first ?? 1_000))
    exit(0)
}
// `coordinator-benchmarks serve-memory [dispatches]`: serve's resident memory as its history grows.
if CommandLine.arguments.dropFirst().first == "serve-memory" {
    await runServeMemoryBenchmark(dispatches: max(1_000, CommandLine.arguments.dropFirst(2).compactMap(Int.init).first ?? 100_000))
    exit(0)
}
// `coordinator-benchmarks serve-events [clients] [relabels]`: N clients on the event stream while
// relabels are dispatched; each dispatch event's latency at every client.
if CommandLine.arguments.dropFirst().first == "serve-events" {
    let numbers = CommandLine.arguments.dropFirst(2).compactMap(Int.init)
    await runServeEventsBenchmark(clients: max(0, numbers.first ?? 100), relabels: max(1, numbers.dropFirst().first ?? 1_000))
    exit(0)
}
// `coordinator-benchmarks log-view [megabytes]`: the console's build log view on a huge, growing log.
if CommandLine.arguments.dropFirst().first == "log-view" {
    await runLogViewBenchmark(megabytes: max(1, CommandLine.arguments.dropFirst(2).compactMap(Int.init).first ?? 50))
    exit(0)
}
// `coordinator-benchmarks commands [iterations]` runs only the new-process command benchmark.
if CommandLine.arguments.dropFirst().first == "commands" {
    await runCommandBenchmarks(iterations: max(1, CommandLine.arguments.dropFirst(2).compactMap(Int.init).first ?? 10))
    exit(0)
}
let arguments = CommandLine.arguments.dropFirst().compactMap(Int.init)
let issueCount = max(1, arguments.first ?? 10_000)
let iterations = max(1, arguments.dropFirst().first ?? 20)
/// The budget: our cache load + save at most this share of Python's json.load + json.dump(indent=2).
let budget = 0.5

let pickups = ["status-02:awaiting-planning", "status-05:plan-ready", "status-08:ready-pr", "status-04:plan-review", "status-03:planning"]
let base = Date(timeIntervalSince1970: 1_795_000_000)

func makeIssues(_ count: Int) -> [Issue] {
    (1...count).map { n in
        Issue(
            number: n, title: "Issue \(n): make the thing better ✨", body: String(repeating: "body text ", count: 20),
            labels: [pickups[n % pickups.count], n % 7 == 0 ? "blocked" : "enhancement"], user: "alice",
            createdAt: base, updatedAt: base.addingTimeInterval(Double(n)), url: "https://github.com/acme/demo/issues/\(n)")
    }
}

struct Timing {
    var mean: Double
    var p95: Double
    var count: Int

    init(samples: [Double]) {
        let sorted = samples.sorted()
        mean = sorted.reduce(0, +) / Double(max(1, sorted.count))
        p95 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))]
        count = sorted.count
    }
}

func measure(_ times: Int, _ body: () throws -> Void) rethrows -> Timing {
    var samples: [Double] = []
    for _ in 0..<times {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }
    return Timing(samples: samples)
}

var rows: [(name: String, issues: String, timing: Timing?, note: String)] = []
@MainActor func row(_ name: String, _ issues: Int, _ timing: Timing?, _ note: String = "") {
    rows.append((name, String(issues), timing, note))
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: directory) }
guard let repo = RepoURL(parsing: "https://github.com/acme/demo") else { fatalError("the benchmark's repository URL does not parse") }

// Cache load and save at N and 10 N; the larger size gets a quarter of the iterations, at least 3.
var ourLoadSave: Double?
var smallFile: URL?
for (count, times) in [(issueCount, iterations), (issueCount * 10, max(3, iterations / 4))] {
    let store = IssueCacheStore(directory: directory.appendingPathComponent("\(count)").path, repo: repo)
    let cache = IssueCache(
        lastChecked: base, lastFullRefresh: base, updatesCoveredThrough: base,
        issues: Dictionary(uniqueKeysWithValues: makeIssues(count).map { ($0.number, $0) }))
    let save = try measure(times) { try store.save(cache) }
    let load = try measure(times) { _ = try store.load() }
    let size = (try? FileManager.default.attributesOfItem(atPath: store.fileURL.path)[.size] as? Int) ?? 0
    row("cache save (atomic, fsync)", count, save, "\(size / 1024) KiB file")
    row("cache load", count, load)
    row("cache load + save", count, Timing(samples: [load.mean + save.mean]), "sum of means")
    if count == issueCount {
        ourLoadSave = load.mean + save.mean
        smallFile = store.fileURL
    }
}

let issues = makeIssues(issueCount)
let rules = WorkflowRules()
row("eligible + order", issueCount, measure(iterations) { _ = rules.eligible(issues) })
let live = issues.map { issue -> Issue in
    var changed = issue
    if issue.number % 50 == 0 { changed.labels = ["status-03:planning"] }
    return changed
}
row("diff cache vs live", issueCount, measure(iterations) { _ = CacheDiff(cached: issues, live: live) })
let survey = try await measureBusySurvey(issues: issues, iterations: iterations, directory: directory)
row("busy survey (ledger answers)", issueCount, survey.timing, "\(survey.busy) busy, \(survey.ledgerLines) ledger lines")
row("busy survey, next tick", issueCount, survey.again, "reads only the lines appended since")

struct PythonTimings {
    var load: Timing
    var dump: Timing
    var version: String
}

/// Python's `json.load` + `json.dump(indent=2)` of the N-issue file, by Benchmarks/python_json.py,
/// or why that cannot run here.
func pythonTimings(file: URL, iterations: Int) -> Result<PythonTimings, PythonUnavailable> {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("python_json.py")
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    guard let python = path.split(separator: ":").map({ URL(fileURLWithPath: String($0)).appendingPathComponent("python3") })
        .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
    else { return .failure(PythonUnavailable(reason: "python3 is not on PATH")) }
    guard FileManager.default.fileExists(atPath: script.path) else {
        return .failure(PythonUnavailable(reason: "\(script.path) is missing"))
    }
    let process = Process()
    process.executableURL = python
    process.arguments = [script.path, file.path, String(iterations)]
    let output = Pipe()
    process.standardOutput = output
    do {
        try process.run()
    } catch {
        return .failure(PythonUnavailable(reason: "\(python.path) did not start: \(error.localizedDescription)"))
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    struct Report: Decodable {
        var python: String
        var load_ms: [Double]
        var dump_ms: [Double]
    }
    guard process.terminationStatus == 0, let report = try? JSONDecoder().decode(Report.self, from: data) else {
        return .failure(PythonUnavailable(reason: "\(script.lastPathComponent) failed (exit \(process.terminationStatus))"))
    }
    return .success(PythonTimings(load: Timing(samples: report.load_ms), dump: Timing(samples: report.dump_ms), version: report.python))
}

struct PythonUnavailable: Error {
    var reason: String
}

let pythonResult = smallFile.map { pythonTimings(file: $0, iterations: iterations) }
    ?? .failure(PythonUnavailable(reason: "the \(issueCount)-issue cache file was not written"))
let python = try? pythonResult.get()
let pythonMissing: String = switch pythonResult {
case .success: ""
case let .failure(unavailable): unavailable.reason
}
if let python {
    row("python json.load", issueCount, python.load, "Python \(python.version)")
    row("python json.dump(indent=2)", issueCount, python.dump, "no fsync")
    row("python load + dump", issueCount, Timing(samples: [python.load.mean + python.dump.mean]), "sum of means")
} else {
    row("python load + dump", issueCount, nil, "n/a: \(pythonMissing)")
}

print("\(issueCount) issues (\(issueCount * 10) for the larger cache), \(iterations) iterations")
print("benchmark".padding(toLength: 28, withPad: " ", startingAt: 0) + "    issues  runs     mean ms      p95 ms  note")
for row in rows {
    let name = row.name.padding(toLength: 28, withPad: " ", startingAt: 0)
    let issues = String(repeating: " ", count: max(0, 10 - row.issues.count)) + row.issues
    if let timing = row.timing {
        print(name + issues + String(format: "  %4d  %10.2f  %10.2f  ", timing.count, timing.mean, timing.p95) + row.note)
    } else {
        print(name + issues + "     -         n/a         n/a  " + row.note)
    }
}
if let ours = ourLoadSave, let python {
    let ratio = ours / (python.load.mean + python.dump.mean)
    print("cache load + save / Python load + dump at \(issueCount) issues: " + String(format: "%.3f", ratio)
        + " (budget ≤ \(budget): \(ratio <= budget ? "holds" : "MISSED"))")
} else {
    print("cache load + save / Python load + dump: n/a (\(pythonMissing))")
}
runConsoleBenchmarks()
await runServeBenchmark(relabels: 1_000)
