import Coordinator
import Foundation

/// A repository as the console shows it, fixed for the session.
public struct ConsoleRepo: Sendable, Equatable {
    public var name: String
    /// `owner/name`.
    public var fullName: String
    public var jobPath: String
    public var rules: WorkflowRules
    /// The reuse window and full-refresh interval a run of this repository uses: what the stale
    /// view says about when a run will see a change.
    public var refreshPolicy: RefreshPolicy
    /// Per busy label, where an unstick to each target moves it (or why it cannot), as the core
    /// works it out: fixed for the session, so `u` can name the exact move at once.
    public var unstickMoves: [String: [UnstickTarget: UnstickOption]]

    public init(
        name: String, fullName: String, jobPath: String, rules: WorkflowRules = WorkflowRules(),
        refreshPolicy: RefreshPolicy = RefreshPolicy(duplicateWindow: 60, fullRefreshInterval: 1440 * 60),
        unstickMoves: [String: [UnstickTarget: UnstickOption]] = [:]
    ) {
        self.name = name
        self.fullName = fullName
        self.jobPath = jobPath
        self.rules = rules
        self.refreshPolicy = refreshPolicy
        self.unstickMoves = unstickMoves
    }
}

extension ConsoleRepo {
    /// A repository as the core profiles it, with each busy label's unstick moves worked out from
    /// its rules.
    public init(profile: RepoProfile) {
        var moves: [String: [UnstickTarget: UnstickOption]] = [:]
        for label in profile.rules.busyLabels {
            for target in UnstickTarget.allCases {
                do {
                    moves[label, default: [:]][target] = .move(try profile.rules.unstickMove(busyLabel: label, to: target))
                } catch {
                    moves[label, default: [:]][target] = .unavailable("\(error)")
                }
            }
        }
        self.init(
            name: profile.name, fullName: profile.fullName, jobPath: profile.jobPath, rules: profile.rules,
            refreshPolicy: profile.refreshPolicy, unstickMoves: moves)
    }
}

/// A failed backend call, as the message the operator reads.
public struct ConsoleFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }
    public init(describing error: any Error) {
        message = String(describing: error)
    }

    public var description: String { message }
}

/// Everything the console asks of the core. The effect runner calls it off the UI thread; tests
/// give the runner an in-memory fake.
public protocol ConsoleBackend: Sendable {
    var repos: [ConsoleRepo] { get }
    /// Reads the cache file; no network.
    func readCache(repo: String) async throws -> CacheSnapshot
    /// All open issues, live. Never writes the cache.
    func fetchLive(repo: String) async throws -> [Issue]
    /// The dry-run plan of each of `issues` (or why it would be skipped), planned as a run plans
    /// it, their linked branches looked up in batched requests; an issue whose plan could not be
    /// made (its branches could not be read) fails alone.
    func previews(repo: String, issues: [Issue]) async throws -> [Int: Result<PlanOutcome, ConsoleFailure>]
    /// The core's dispatch: lock, history, live re-read guard, Jenkins, labels, cache update; with
    /// the issue as it left it in the cache and the history. `waiting` is told once when the
    /// repository's lock has been held by someone else for a second (nil: the lock file names nobody).
    func dispatch(repo: String, issueNumber: Int, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async -> OperatorDispatch
    /// A forced full refresh written to the cache.
    func sync(repo: String, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async throws -> CacheSnapshot
    func rateLimit() async -> RateLimitSnapshot?
    /// The audit trail of every repository (history log and archive), newest first, with notices
    /// naming lines that could not be used. Reads files only.
    func history() async throws -> HistoryAudit
    /// Where the build of issue `issue`'s dispatch `dispatchID` (nil: its newest dispatch) is:
    /// from the history, then Jenkins' queue item when the build number is not yet known.
    func locateLog(repo: String, issue: Int, dispatchID: String?) async throws -> LogLocation
    /// At most `limit` bytes of `build`'s console output from byte `start` (nil: the last `limit`
    /// bytes) through Jenkins' progressive text API; nil when Jenkins has no such build.
    func readLog(repo: String, build: LogBuild, start: Int?, limit: Int) async throws -> BuildLogBytes?
    /// The open issues of `issues` that carry a busy label, with their builds, how long they have
    /// been busy and whether they are stuck; stuck first. Asks Jenkins and GitHub's issue events
    /// only as often as the repository's `BusyWatch` allows.
    func surveyBusy(repo: String, issues: [Issue], now: Date) async -> [BusyIssue]
    /// The core's unstick: lock, live re-read, label move on GitHub, cache update, ledger `reset`.
    func unstick(
        repo: String, issueNumber: Int, to target: UnstickTarget, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void
    ) async throws -> UnstickResult
}
