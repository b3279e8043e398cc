import ArgumentParser
import Coordinator
import CoordinatorService
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

    @OptionGroup var remote: ServerOption

    func run() async throws {
        if let target = try remote.headlessTarget(global) {
            return try await attached(to: target)
        }
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
        } else {
            print(Self.text(statuses), terminator: "")
        }
    }

    /// `--server`: `serve`'s `GET /api/status` (the report of its caches and ledgers, the busy
    /// issues as its last survey found them), printed as the local one; the text adds what
    /// `GET /api/repos` says of `serve`'s own loops.
    private func attached(to target: ServerTarget) async throws {
        let (statuses, served) = try await RemoteReports.with(target, logger: global.makeLogger()) { serve in
            let all: [StatusReport]
            switch try await serve.get("/api/status", as: StatusAnswer.self) {
            case let .reports(reports): all = reports
            case let .failed(reason):
                throw CommandFailure("serve at \(serve.url) could not make its status report: \(RemoteReports.oneLine(reason))")
            }
            let names = Set(try serve.select(selection.names, among: all.map(\.name)))
            var served: [RepoDocument] = []
            if !report.json { served = try await serve.repositories() }
            return (all.filter { names.contains($0.name) }, Dictionary(served.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
        }
        if report.json {
            print(try JSONText.encode(statuses))
        } else {
            print(Self.text(statuses, served: served), terminator: "")
        }
    }

    /// `GET /api/status`: the reports, or the `{"error": …}` `serve` answers when it cannot make them.
    enum StatusAnswer: Decodable {
        case reports([StatusReport])
        case failed(String)

        private struct Failure: Decodable { var error: String }

        init(from decoder: any Decoder) throws {
            if let failure = try? Failure(from: decoder) {
                self = .failed(failure.error)
            } else {
                self = .reports(try [StatusReport](from: decoder))
            }
        }
    }

    /// The text of `statuses`, the same locally and from `serve`; `served` adds `serve`'s own
    /// facts per repository (its last poll, the events waiting, its last error).
    static func text(_ statuses: [StatusReport], served: [String: RepoDocument] = [:]) -> String {
        var out = ""
        for status in statuses {
            let age = status.lastChecked.flatMap(Timestamp.parse).map { "checked \(ElapsedText.ago($0))" } ?? "never refreshed"
            out += "\(status.name) (\(status.repository)): \(status.cachedIssues) cached issues, \(age)\n"
            if let repo = served[status.name] {
                var line = "  serve: " + (repo.lastPoll.flatMap(Timestamp.parse).map { "last poll \(ElapsedText.ago($0))" } ?? "no poll yet")
                line += ", \(repo.queuedEvents) queued event\(repo.queuedEvents == 1 ? "" : "s")"
                if let error = repo.lastError { line += ", last error: \(error)" }
                out += line + "\n"
            }
            if let notice = status.notice { out += "  notice: \(notice)\n" }
            if status.eligible.isEmpty { out += "  no eligible issue\n" }
            for issue in status.eligible {
                out += "  #\(issue.number) \(issue.workflow) (\(issue.pickupLabel)) \(issue.title)\n"
            }
            for number in status.conflicts { out += "  #\(number) conflict: pickup and busy label at once\n" }
            for issue in status.busy ?? [] {
                var line = "  busy: #\(issue.number) \(issue.busyLabel)"
                if let seconds = issue.busyForSeconds { line += " for \(ElapsedText.duration(TimeInterval(seconds)))" }
                if let build = issue.build { line += ", build " + (build.number.map { "#\($0) " } ?? "") + build.state }
                if let reason = issue.stuckReason { line += " — STUCK: \(reason)" }
                out += line + "\n"
            }
            for notice in status.historyNotices {
                out += "  history: \(notice)\n"
            }
            for dispatch in status.recentDispatches {
                var line = "  last: #\(dispatch.issue) \(dispatch.state) at \(dispatch.time)"
                if let by = dispatch.by { line += " by \(by)" }
                if let queue = dispatch.queueID { line += ", queue item \(queue)" }
                if let build = dispatch.buildURL { line += ", \(build)" }
                out += line + "\n"
            }
        }
        return out
    }
}
