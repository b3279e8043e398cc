import Foundation

/// What `coordinator status` reports for one repository, from its cache and ledger only (no
/// network): the one shape behind `status`, `status --json` and `serve`'s `/api/status` (which
/// `status --server` reads back with `JSONText.decoder` and prints as `status` does).
public struct StatusReport: Codable, Sendable {
    public struct Eligible: Codable, Sendable {
        public var number: Int
        public var title: String
        public var pickupLabel: String
        public var workflow: String
    }

    public struct Dispatch: Codable, Sendable {
        public var issue: Int
        public var event: String
        /// The ledger's last step in words: "started (found in Jenkins' queue)", …
        public var state: String
        public var time: String
        public var by: String?
        public var queueID: Int?
        public var buildURL: String?
    }

    public var name: String
    public var repository: String
    public var cacheFile: String
    public var cachedIssues: Int
    public var lastChecked: String?
    public var lastFullRefresh: String?
    public var cacheAgeSeconds: Int?
    public var notice: String?
    public var eligible: [Eligible]
    public var conflicts: [Int]
    public var recentDispatches: [Dispatch]
    /// History lines that could not be used, a checkpoint moved aside: what to look at.
    public var historyNotices: [String]
    /// Open issues carrying a busy label, with their builds and the stuck rules' verdict; absent
    /// when the caller did not survey them.
    public var busy: [BusyIssueReport]?

    /// The report of each of `services`, in order. Throws the first unreadable cache, prefixed
    /// with its repository's name. `busy` surveys a repository's busy issues (`BusyWatch`) among
    /// the cached issues this report read, so a cache is read once: reading a corrupt one moves it
    /// aside, and the report must carry that notice.
    public static func of(
        _ services: [RepoService], now: Date = Date(),
        busy: (RepoService, [Issue]) async -> [BusyIssue]? = { _, _ in nil }
    ) async throws -> [StatusReport] {
        var reports: [StatusReport] = []
        for service in services {
            let state: RepoService.CachedState
            do { state = try await service.readCache() } catch { throw StatusError(repo: service.repo.name, underlying: error) }
            let issues = Array(state.cache.issues.values)
            await service.history.refresh()
            let surveyed = await busy(service, issues)
            reports.append(StatusReport(
                name: service.repo.name, repository: service.repo.repo.fullName, cacheFile: service.store.location,
                cachedIssues: issues.count,
                lastChecked: state.cache.lastChecked.map(Timestamp.format),
                lastFullRefresh: state.cache.lastFullRefresh.map(Timestamp.format),
                cacheAgeSeconds: state.cache.lastChecked.map { Int(max(-1e9, min(1e12, now.timeIntervalSince($0)))) },
                notice: state.notice,
                eligible: service.rules.eligible(issues).map {
                    .init(number: $0.issue.number, title: $0.issue.title, pickupLabel: $0.route.pickupLabel, workflow: $0.route.workflow.rawValue)
                },
                conflicts: service.rules.conflicts(issues).map(\.number),
                recentDispatches: service.recentDispatches(limit: 5).map {
                    .init(
                        issue: $0.issue, event: $0.lastStep.rawValue, state: $0.stepDescription, time: Timestamp.format($0.lastStepAt),
                        by: $0.by, queueID: $0.queueID, buildURL: $0.buildURL)
                },
                historyNotices: service.history.notices(),
                busy: surveyed.map { $0.map { BusyIssueReport($0, now: now) } }))
        }
        return reports
    }

    /// A repository whose cache could not be read.
    public struct StatusError: Error, CustomStringConvertible {
        public var repo: String
        public var underlying: any Error
        public var description: String { "\(repo): \(underlying)" }
    }
}

/// Pretty, sorted, snake_case JSON: every `--json` output and the service's API.
public enum JSONText {
    public static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(value)
    }

    /// The same on one line: a Server-Sent Event's `data`.
    public static func line(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try data(value), as: UTF8.self)
    }
}
