import ArgumentParser
import Coordinator
import Foundation

/// `coordinator status`: what the caches say, without any network request.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per repository, from the caches only: eligible issues, conflicts, cache age, last dispatches.")

    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: RepoSelection

    @OptionGroup var report: ReportOptions

    struct RepoStatus: Encodable {
        struct Eligible: Encodable {
            var number: Int
            var title: String
            var pickupLabel: String
            var workflow: String
        }
        struct Dispatch: Encodable {
            var issue: Int
            var event: String
            /// The ledger's last step in words: "started (found in Jenkins' queue)", …
            var state: String
            var time: String
            var by: String?
            var queueID: Int?
            var buildURL: String?
        }
        var name: String
        var repository: String
        var cacheFile: String
        var cachedIssues: Int
        var lastChecked: String?
        var lastFullRefresh: String?
        var cacheAgeSeconds: Int?
        var notice: String?
        var eligible: [Eligible]
        var conflicts: [Int]
        var recentDispatches: [Dispatch]
    }

    func run() async throws {
        let statuses = try await global.withWorkspace { workspace in
            try await Self.statuses(of: workspace.services(named: selection.names))
        }
        if report.json {
            print(try JSONText.encode(statuses))
            return
        }
        for status in statuses {
            let age = status.lastChecked.flatMap(Timestamp.parse).map { "checked \(ElapsedText.ago($0))" } ?? "never refreshed"
            print("\(status.name) (\(status.repository)): \(status.cachedIssues) cached issues, \(age)")
            if let notice = status.notice { print("  notice: \(notice)") }
            if status.eligible.isEmpty { print("  no eligible issue") }
            for issue in status.eligible {
                print("  #\(issue.number) \(issue.workflow) (\(issue.pickupLabel)) \(issue.title)")
            }
            for number in status.conflicts { print("  #\(number) conflict: pickup and busy label at once") }
            for dispatch in status.recentDispatches {
                var line = "  last: #\(dispatch.issue) \(dispatch.state) at \(dispatch.time)"
                if let by = dispatch.by { line += " by \(by)" }
                if let queue = dispatch.queueID { line += ", queue item \(queue)" }
                if let build = dispatch.buildURL { line += ", \(build)" }
                print(line)
            }
        }
    }

    static func statuses(of services: [RepoService]) async throws -> [RepoStatus] {
        var statuses: [RepoStatus] = []
        let now = Date()
        for service in services {
            let state: RepoService.CachedState
            do { state = try await service.readCache() } catch { throw CommandFailure("\(service.repo.name): \(error)") }
            let issues = Array(state.cache.issues.values)
            statuses.append(RepoStatus(
                name: service.repo.name, repository: service.repo.repo.fullName, cacheFile: service.store.fileURL.path,
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
                        issue: $0.issue, event: $0.event.rawValue, state: $0.stepDescription, time: Timestamp.format($0.time), by: $0.by,
                        queueID: $0.queueID, buildURL: $0.buildURL)
                }))
        }
        return statuses
    }
}

enum JSONText {
    /// Pretty, sorted, snake_case JSON for `--json` output.
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
