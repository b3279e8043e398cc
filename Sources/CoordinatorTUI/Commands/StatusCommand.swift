import ArgumentParser
import Coordinator
import Foundation

/// `coordinator status`: what the caches say, and how the busy issues' builds went.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per repository, from the caches: eligible issues, conflicts, cache age, last dispatches, busy issues and their builds.",
        discussion: """
            Reads no GitHub issue list: everything comes from the caches and ledgers, except for             the issues the cache shows busy: the builds of our dispatches that have not ended are             asked of Jenkins, and GitHub's label events say since when an issue we did not             dispatch has been busy (in batches, remembered in NAME.busy-since.json until the             issue changes).
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: RepoSelection

    @OptionGroup var report: ReportOptions

    func run() async throws {
        let now = Date()
        let statuses = try await global.withWorkspace { workspace in
            do {
                return try await StatusReport.of(try workspace.services(named: selection.names), now: now) { service, issues in
                    await BusyWatch(service: service).survey(issues, now: now)
                }
            } catch let error as StatusReport.StatusError {
                throw CommandFailure(error.description)
            }
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
            for issue in status.busy ?? [] {
                var line = "  busy: #\(issue.number) \(issue.busyLabel)"
                if let seconds = issue.busyForSeconds { line += " for \(ElapsedText.duration(TimeInterval(seconds)))" }
                if let build = issue.build { line += ", build " + (build.number.map { "#\($0) " } ?? "") + build.state }
                if let reason = issue.stuckReason { line += " — STUCK: \(reason)" }
                print(line)
            }
            for notice in status.historyNotices {
                print("  history: \(notice)")
            }
            for dispatch in status.recentDispatches {
                var line = "  last: #\(dispatch.issue) \(dispatch.state) at \(dispatch.time)"
                if let by = dispatch.by { line += " by \(by)" }
                if let queue = dispatch.queueID { line += ", queue item \(queue)" }
                if let build = dispatch.buildURL { line += ", \(build)" }
                print(line)
            }
        }
    }
}
