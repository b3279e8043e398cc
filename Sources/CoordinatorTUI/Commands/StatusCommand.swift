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

    func run() async throws {
        let statuses = try await global.withWorkspace { workspace in
            do {
                return try await StatusReport.of(workspace.services(named: selection.names))
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
