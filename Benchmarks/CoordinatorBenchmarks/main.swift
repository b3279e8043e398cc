import Coordinator
import Foundation

// Speed of the core's hot paths on a repository of 10 000 issues: reading and writing the cache,
// choosing eligible issues, and comparing cache with live. Run with:
//   swift run -c release coordinator-benchmarks [issues] [iterations]

let arguments = CommandLine.arguments.dropFirst().compactMap(Int.init)
let issueCount = arguments.first ?? 10_000
let iterations = arguments.dropFirst().first ?? 20

let pickups = ["status-02:awaiting-planning", "status-05:plan-ready", "status-08:ready-pr", "status-04:plan-review", "status-03:planning"]
let base = Date(timeIntervalSince1970: 1_795_000_000)
let issues = (1...issueCount).map { n in
    Issue(
        number: n, title: "Issue \(n): make the thing better ✨", body: String(repeating: "body text ", count: 20),
        labels: [pickups[n % pickups.count], n % 7 == 0 ? "blocked" : "enhancement"], user: "alice",
        createdAt: base, updatedAt: base.addingTimeInterval(Double(n)), url: "https://github.com/acme/demo/issues/\(n)")
}
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: directory) }
let store = IssueCacheStore(directory: directory.path, repo: RepoURL(parsing: "https://github.com/acme/demo")!)
let cache = IssueCache(lastChecked: base, lastFullRefresh: base, updatesCoveredThrough: base, issues: Dictionary(uniqueKeysWithValues: issues.map { ($0.number, $0) }))
let rules = WorkflowRules()

func measure(_ name: String, _ body: () throws -> Void) rethrows {
    var samples: [Double] = []
    for _ in 0..<iterations {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }
    samples.sort()
    let mean = samples.reduce(0, +) / Double(samples.count)
    let p95 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.95))]
    let label = name.padding(toLength: 30, withPad: " ", startingAt: 0)
    print(label + String(format: " mean %8.2f ms   p95 %8.2f ms", mean, p95))
}

print("\(issueCount) issues, \(iterations) iterations")
try measure("cache save (atomic, fsync)") { try store.save(cache) }
try measure("cache load") { _ = try store.load() }
measure("eligible + order") { _ = rules.eligible(issues) }
let live = issues.map { issue -> Issue in
    var changed = issue
    if issue.number % 50 == 0 { changed.labels = ["status-03:planning"] }
    return changed
}
measure("diff cache vs live") { _ = CacheDiff(cached: issues, live: live) }
let size = (try? FileManager.default.attributesOfItem(atPath: store.fileURL.path)[.size] as? Int) ?? 0
print("cache file: \(size / 1024) KiB")
runConsoleBenchmarks()
