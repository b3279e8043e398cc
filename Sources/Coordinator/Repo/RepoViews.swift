import Foundation

// What every face shows of a repository, worked out once here from `RepoService`: the console's
// local backend and `serve`'s console endpoints both answer with these, so a console attached to
// `serve` sees exactly what a local one sees.

/// A repository's files as read, no network: the cached issues, the cache's clocks (last checked,
/// last full refresh, the incremental cursor), a notice such as "corrupt cache moved aside", and
/// the last dispatch of each issue from the ledger (who, when, which build — also those of other
/// processes, such as a cron run).
public struct CacheSnapshot: Codable, Sendable, Equatable {
    public var issues: [Int: Issue]
    public var times: CacheTimes
    public var notice: String?
    public var lastDispatches: [Int: DispatchSummary]

    public var lastChecked: Date? { times.lastChecked }

    public init(issues: [Int: Issue], times: CacheTimes = CacheTimes(), notice: String? = nil, lastDispatches: [Int: DispatchSummary] = [:]) {
        self.issues = issues
        self.times = times
        self.notice = notice
        self.lastDispatches = lastDispatches
    }
}

/// The history view's data: every repository's dispatches and unsticks, newest first.
public struct HistoryAudit: Codable, Sendable, Equatable {
    public var entries: [HistoryEntry]
    public var notices: [String]

    public init(entries: [HistoryEntry], notices: [String] = []) {
        self.entries = entries
        self.notices = notices
    }
}


/// A build of the log view: the job and number the log is read from (never a URL an answer
/// gave), and the build's web page for `o`.
public struct LogBuild: Codable, Sendable, Equatable {
    public var jobPath: String
    public var number: Int
    public var url: String?

    public init(jobPath: String, number: Int, url: String? = nil) {
        self.jobPath = jobPath
        self.number = number
        self.url = url
    }
}

/// Where an issue's build log is, as far as the history and Jenkins tell now.
public enum LogLocation: Codable, Sendable, Equatable {
    case build(LogBuild)
    /// The build request waits in Jenkins' queue: Jenkins' reason ("Waiting for next available
    /// executor"), when it gave one.
    case queued(why: String?)
    /// Why there is no log to show (no dispatch of the issue, the queue item was cancelled…).
    case unavailable(String)
}


/// A repository's fixed facts for a console session: names, the job, the workflow rules and the
/// refresh policy. `serve` sends them to an attached console, which has no config of its own.
public struct RepoProfile: Codable, Sendable, Equatable {
    public var name: String
    /// `owner/name`.
    public var fullName: String
    public var jobPath: String
    public var rules: WorkflowRules
    public var refreshPolicy: RefreshPolicy

    public init(name: String, fullName: String, jobPath: String, rules: WorkflowRules, refreshPolicy: RefreshPolicy) {
        self.name = name
        self.fullName = fullName
        self.jobPath = jobPath
        self.rules = rules
        self.refreshPolicy = refreshPolicy
    }
}

extension RepoService {
    public var profile: RepoProfile {
        RepoProfile(
            name: repo.name, fullName: repo.repo.fullName, jobPath: repo.executorJobPath, rules: rules,
            refreshPolicy: refresher.policy)
    }

    /// The cache file as read (no network, no lock) with each issue's newest dispatch or unstick.
    public func cacheSnapshot() async throws -> CacheSnapshot {
        let state = try await readCache()
        await history.refresh()
        return CacheSnapshot(
            issues: state.cache.issues, times: CacheTimes(state.cache), notice: state.notice,
            lastDispatches: history.current().lastByIssueSummary)
    }

    /// The cache a forced full refresh wrote, with each issue's newest dispatch or unstick.
    public func snapshot(of cache: IssueCache) -> CacheSnapshot {
        CacheSnapshot(issues: cache.issues, times: CacheTimes(cache), lastDispatches: history.current().lastByIssueSummary)
    }

    /// Every repository's audit trail (log and archive), newest first across them: what
    /// `coordinator history` prints (and `serve`'s `GET /api/history` answers) with `filter`, and
    /// the console's history view lists.
    /// A history that cannot be read is a notice naming its repository; the others are listed.
    public static func historyAudit(_ services: [RepoService], filter: HistoryFilter = .all) async -> HistoryAudit {
        var entries: [HistoryEntry] = []
        var notices: [String] = []
        for service in services {
            let audit: (dispatches: [DispatchSummary], notices: [HistoryLog.Notice])
            do {
                audit = try await service.history.audit()
            } catch {
                notices.append("\(service.repo.name): the history could not be read: \(error)")
                continue
            }
            notices += audit.notices.map { "\(service.repo.name): \($0)" }
            entries += audit.dispatches.filter(filter.admits).map { HistoryEntry(repo: service.repo.name, $0) }
        }
        return HistoryAudit(entries: HistoryEntry.newestFirst(entries), notices: notices)
    }

    /// The build of the dispatch `dispatchID` of `issue` (nil: its newest), found as
    /// `coordinator logs` finds it.
    public func logLocation(issue: Int, dispatchID: String?) async throws -> LogLocation {
        let (target, dispatch) = try await buildLogTarget(issue: issue, dispatchID: dispatchID)
        switch target {
        case let .build(jobPath, number):
            let page = buildPageURL(path: jobPath, number: number) ?? dispatch?.buildURL
            return .build(LogBuild(jobPath: jobPath, number: number, url: page))
        case let .queued(why):
            return .queued(why: why)
        case .cancelled, .none:
            return .unavailable(target.noLogReason ?? "no build log")
        }
    }

    /// At most `limit` bytes of `build`'s log, from `start` or the tail (`BuildLogReading.logBytes`);
    /// nil when Jenkins has no such build or cannot serve logs.
    public func readLog(build: LogBuild, start: Int?, limit: Int) async throws -> BuildLogBytes? {
        guard let jenkins = buildLogs else { return nil }
        return try await jenkins.logBytes(path: build.jobPath, number: build.number, start: start, limit: limit)
    }
}
