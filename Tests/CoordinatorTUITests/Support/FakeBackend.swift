import Coordinator
import Foundation
import Synchronization
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// An in-memory backend: fixed answers, and a record of what was asked.
final class FakeBackend: ConsoleBackend {
    let repos: [ConsoleRepo] = [Fixtures.demo]
    let calls = Mutex<[String]>([])
    let liveFailure: ConsoleFailure?
    /// What a survey answers.
    let busy: [BusyIssue]

    init(liveFailure: ConsoleFailure? = nil, busy: [BusyIssue] = []) {
        self.liveFailure = liveFailure
        self.busy = busy
    }

    private func record(_ call: String) { calls.withLock { $0.append(call) } }

    func readCache(repo: String) async throws -> CacheSnapshot {
        record("readCache \(repo)")
        return CacheSnapshot(issues: Fixtures.byNumber(Fixtures.cached))
    }

    func fetchLive(repo: String) async throws -> [Issue] {
        record("fetchLive \(repo)")
        if let liveFailure { throw liveFailure }
        return Fixtures.live
    }

    func previews(repo: String, issues: [Issue]) async throws -> [Int: Result<PlanOutcome, ConsoleFailure>] {
        record("preview \(repo) " + issues.map { "#\($0.number)" }.joined(separator: " "))
        return Dictionary(uniqueKeysWithValues: issues.map { ($0.number, .success(PlanOutcome.ready(Fixtures.plan109))) })
    }

    func dispatch(repo: String, issueNumber: Int, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async -> OperatorDispatch {
        record("dispatch \(repo) #\(issueNumber)")
        return OperatorDispatch(outcome: issueNumber == 109
            ? .dispatched(Fixtures.receipt109)
            : .failed(DispatchFailure(issueNumber: issueNumber, stage: .jenkins, message: "boom", jobStarted: false)))
    }

    func sync(repo: String, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async throws -> CacheSnapshot {
        record("sync \(repo)")
        throw ConsoleFailure("sync refused")
    }

    func surveyBusy(repo: String, issues: [Issue], now: Date) async -> [BusyIssue] {
        record("surveyBusy \(repo) " + issues.map { "#\($0.number)" }.joined(separator: " "))
        return busy
    }

    func unstick(
        repo: String, issueNumber: Int, to target: UnstickTarget, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void
    ) async throws -> UnstickResult {
        record("unstick \(repo) #\(issueNumber) \(target.rawValue)")
        guard issueNumber == 111 else { throw ConsoleFailure("#\(issueNumber) carries no busy label on GitHub") }
        return Fixtures.unstuck111
    }

    func history() async throws -> HistoryAudit {
        record("history")
        return HistoryAudit(entries: Fixtures.historyEntries)
    }

    /// The build log `locateLog` and `readLog` serve: build 7 of the demo job.
    let logBytes = Mutex<[UInt8]>([])
    let logRunning = Mutex(false)
    static let logBuild = LogBuild(jobPath: "demo-job", number: 7, url: "http://jenkins.test/job/demo-job/7/")

    func locateLog(repo: String, issue: Int, dispatchID: String?) async throws -> LogLocation {
        record("locateLog \(repo) #\(issue)")
        return .build(Self.logBuild)
    }

    func readLog(repo: String, build: LogBuild, start: Int?, limit: Int) async throws -> BuildLogBytes? {
        let bytes = logBytes.withLock { $0 }
        let from = min(start ?? max(0, bytes.count - limit), bytes.count)
        let end = min(from + limit, bytes.count)
        record("readLog \(repo) \(start.map(String.init) ?? "tail") \(limit)")
        return BuildLogBytes(start: from, bytes: Array(bytes[from..<end]), nextStart: end, more: end < bytes.count || logRunning.withLock { $0 })
    }

    func rateLimit() async -> RateLimitSnapshot? {
        record("rateLimit")
        return RateLimitSnapshot(limit: 5000, remaining: 4999, reset: nil)
    }
}
