import AsyncHTTPClient
import Coordinator
import CoordinatorConsole
import Foundation
import Logging
import Sandbox

// The console's build log view against the Sandbox's Jenkins over real HTTP:
// - opening it on a 50 MB log: the key `l` to the first frame with the log's last lines (the
//   build located, its size asked, the tail read, decoded and drawn), budget 200 ms;
// - the memory that costs: resident memory after opening it, against before (budget +30 MB);
// - following a log that grows 1 000 lines/s: what one poll's answer costs the UI thread (reduce
//   and draw) and what a key costs meanwhile, budget 16 ms at p95 for the two together (a key
//   that arrives as a poll is taken waits for it).
// Run with: swift run -c release coordinator-benchmarks log-view [megabytes]   (default: 50)

private struct LogViewBenchmarkError: Error, CustomStringConvertible {
    var description: String
}

/// What the effect runner does for the log view's effects, with the same core read.
private func runLogEffects(_ effects: [ConsoleEffect], state: inout ConsoleState, jenkins: JenkinsClient, build: LogBuild) async throws {
    var pending = effects
    while !pending.isEmpty {
        let effect = pending.removeFirst()
        switch effect {
        case let .locateLog(view, _, _, _):
            pending += reduce(&state, .logLocated(view: view, .success(.build(build))))
        case let .readLog(read):
            let bytes = try await jenkins.logBytes(path: read.build.jobPath, number: read.build.number, start: read.start, limit: read.limit)
            pending += reduce(&state, .logRead(read, .success(bytes)))
        default:
            break
        }
    }
}

private func residentMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

private func milliseconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
}

private func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// A console showing one eligible issue, selected.
private func consoleWithOneIssue(jobPath: String, size: ScreenSize) -> ConsoleState {
    var state = ConsoleState(repos: [ConsoleRepo(name: "demo", fullName: "acme/demo", jobPath: jobPath)], now: Date(), size: size)
    let issue = Issue(number: 1, title: "Benchmark", labels: ["status-02:awaiting-planning"], user: "alice",
                      createdAt: Date(), updatedAt: Date(), url: "")
    _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: [1: issue]))))
    return state
}

func runLogViewBenchmark(megabytes: Int) async {
    do {
        try await measureLogView(megabytes: megabytes)
    } catch {
        print("log view benchmark failed: \(error)")
        exit(1)
    }
}

private func measureLogView(megabytes: Int) async throws {
    let jenkinsToken = "jenkins-log-benchmark"
    let server = try await SandboxServer.start(scenario: Scenario(
        github: .init(tokens: [.init(token: "ghp_log_benchmark")], repositories: [.init(owner: "acme", name: "demo", issues: [])]),
        jenkins: .init(users: [.init(username: "bot", apiToken: jenkinsToken)], buildDurationMs: 3_600_000,
                       jobs: [.init(path: "Coordinator/demo/executor")])))
    let http = HTTPClientFactory.makeHTTPClient(connectTimeout: .seconds(5))
    var logger = Logger(label: "benchmark")
    logger.logLevel = .critical
    let jenkins = JenkinsClient(http: http, serverURL: server.jenkinsURL, username: "bot", apiToken: Secret(jenkinsToken), logger: logger)
    func cleanUp() async {
        try? await http.shutdown()
        await server.stop()
    }
    do {
        let start = try await jenkins.startJob(path: "Coordinator/demo/executor", parameters: [JobParameter("COMMAND", "benchmark")])
        guard let queueID = start.queueID else { throw LogViewBenchmarkError(description: "no queue item") }
        // Wait for the build to start, then write the log: coloured lines of ~100 bytes.
        var number: Int?
        for _ in 0..<200 where number == nil {
            number = try await jenkins.queueItem(id: queueID).buildNumber
            if number == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        guard let number else { throw LogViewBenchmarkError(description: "the build did not start") }
        let line = Array("\u{1B}[32m[INFO]\u{1B}[0m compiling Sources/Coordinator/Module.swift (step NNNNNNNN) ......................\n".utf8)
        let block = Array((0..<10_000).map { _ in line }.joined())
        var written = 0
        while written < megabytes * 1_048_576 {
            written = try await server.appendBuildLog(queueID: queueID, block)
        }
        let build = LogBuild(jobPath: "Coordinator/demo/executor", number: number)
        let size = ScreenSize(rows: 50, columns: 160)

        // Opening: `l` to the first frame, 20 times, each a fresh view of a fresh console.
        var openSamples: [Double] = []
        var rssBefore = 0.0, rssAfter = 0.0
        for round in 0..<20 {
            var state = consoleWithOneIssue(jobPath: build.jobPath, size: size)
            if round == 0 { rssBefore = residentMB() }
            let began = DispatchTime.now().uptimeNanoseconds
            try await runLogEffects(reduce(&state, .keyPressed(.char("l"))), state: &state, jenkins: jenkins, build: build)
            let frame = render(state, size: size)
            openSamples.append(milliseconds(since: began))
            if round == 0 {
                rssAfter = residentMB()
                guard frame.plainText.contains("(step NNNNNNNN)"), state.log?.phase == .shown else {
                    throw LogViewBenchmarkError(description: "the first frame shows no log:\n\(frame.plainText)")
                }
            }
        }

        // Of which asking the size (HEAD on progressiveText).
        var sizeSamples: [Double] = []
        for _ in 0..<20 {
            let began = DispatchTime.now().uptimeNanoseconds
            _ = try await jenkins.logSize(path: build.jobPath, number: build.number)
            sizeSamples.append(milliseconds(since: began))
        }

        // Following: 1 000 lines/s appended (100 every 100 ms) while the view polls on its clock
        // and a key (sideways scroll, which keeps following) is pressed between polls.
        var state = consoleWithOneIssue(jobPath: build.jobPath, size: size)
        try await runLogEffects(reduce(&state, .keyPressed(.char("l"))), state: &state, jenkins: jenkins, build: build)
        let hundred = Array((0..<100).map { _ in line }.joined())
        var pollSamples: [Double] = []
        var keySamples: [Double] = []
        let followStart = Date()
        for tick in 0..<100 {
            _ = try await server.appendBuildLog(queueID: queueID, hundred)
            let now = followStart.addingTimeInterval(Double(tick + 1) * 0.1)
            let effects = reduce(&state, .tick(now))
            // The read runs off the UI thread; only taking its answer and drawing counts.
            for effect in effects {
                guard case let .readLog(read) = effect else { continue }
                let bytes = try await jenkins.logBytes(path: read.build.jobPath, number: read.build.number, start: read.start, limit: read.limit)
                let began = DispatchTime.now().uptimeNanoseconds
                _ = reduce(&state, .logRead(read, .success(bytes)))
                _ = render(state, size: size)
                pollSamples.append(milliseconds(since: began))
            }
            let began = DispatchTime.now().uptimeNanoseconds
            _ = reduce(&state, .keyPressed(tick % 2 == 0 ? .right : .left))
            _ = render(state, size: size)
            keySamples.append(milliseconds(since: began))
        }
        guard state.log?.follow == true, let last = state.log?.lines.last?.plain, last.contains("step NNNNNNNN") else {
            throw LogViewBenchmarkError(description: "the view stopped following")
        }

        let open95 = percentile(openSamples, 0.95)
        let poll95 = percentile(pollSamples, 0.95)
        let key95 = percentile(keySamples, 0.95)
        print("Build log view, \(megabytes) MB log (\(written) bytes), Sandbox over HTTP on 127.0.0.1")
        print(String(format: "  open (l → first frame): mean %.1f ms, p95 %.1f ms (≤ 200 ms: %@)",
                     openSamples.reduce(0, +) / Double(openSamples.count), open95, open95 <= 200 ? "holds" : "MISSED"))
        print(String(format: "    of which the log's size (HEAD progressiveText): mean %.1f ms, p95 %.1f ms",
                     sizeSamples.reduce(0, +) / Double(sizeSamples.count), percentile(sizeSamples, 0.95)))
        print(String(format: "  resident memory: %.1f MB before the first opening, %.1f MB after (+%.1f MB; ≤ +30 MB: %@)",
                     rssBefore, rssAfter, rssAfter - rssBefore, rssAfter - rssBefore <= 30 ? "holds" : "MISSED"))
        print(String(format: "  following 1 000 lines/s for 10 s (%d polls): a poll's answer p95 %.2f ms, a key p95 %.2f ms, together %.2f ms (≤ 16 ms: %@)",
                     pollSamples.count, poll95, key95, poll95 + key95, poll95 + key95 <= 16 ? "holds" : "MISSED"))
        await cleanUp()
    } catch {
        await cleanUp()
        throw error
    }
}
