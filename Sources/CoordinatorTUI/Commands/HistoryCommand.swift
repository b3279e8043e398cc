import ArgumentParser
import Coordinator
import Foundation

/// `coordinator history`: the audit trail of dispatches and unsticks, newest first, from the
/// history's log and its archive.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Print the dispatches and unsticks, newest first (the log and its archive).",
        discussion: """
            One line per dispatch: when it started, the repository, the issue, the workflow, the \
            label move, who did it (user@host and how: run, console, serve), the queue item, the \
            build and its result, and where it ended (done, failed, recovered, still unfinished). \
            An unstick is a line of its own. Reads the archive too, where finished dispatches older \
            than history_days go. Reads no network.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: RepoSelection

    @Option(name: .customLong("issue"), help: ArgumentHelp("Only this issue.", valueName: "N"))
    var issue: Int?

    @Option(
        name: .customLong("since"),
        help: ArgumentHelp("Only what happened since this time (2026-12-01 or 2026-12-01T10:00:00Z).", valueName: "DATE"))
    var sinceText: String?

    @OptionGroup var report: ReportOptions

    @OptionGroup var remote: ServerOption

    func validate() throws {
        if let issue, issue <= 0 { throw ValidationError("--issue: an issue number is a positive whole number, not \(issue)") }
        if let sinceText, HistoryEntry.since(sinceText) == nil {
            throw ValidationError("--since: '\(sinceText)' is not a date (2026-12-01) or a UTC time (2026-12-01T10:00:00Z)")
        }
    }

    func run() async throws {
        let entries: [HistoryEntry]
        if let target = try remote.headlessTarget(global) {
            entries = try await attached(to: target)
        } else {
            let filter = HistoryFilter(issue: issue, since: sinceText.flatMap(HistoryEntry.since))
            entries = try await global.withWorkspace { workspace in
                let audit = await RepoService.historyAudit(try workspace.services(named: selection.names), filter: filter)
                for notice in audit.notices { printError("warning: \(notice)") }
                return audit.entries
            }
        }
        if report.json {
            print(try JSONText.encode(entries))
        } else if entries.isEmpty {
            print("no dispatches recorded" + (issue.map { " for #\($0)" } ?? "") + (sinceText.map { " since \($0)" } ?? ""))
        } else {
            for entry in entries { print(entry.line) }
        }
    }

    /// `--server`: `serve`'s `GET /api/history` with the same filters (the names checked against
    /// its repositories first, so unknown ones are reported as locally).
    private func attached(to target: ServerTarget) async throws -> [HistoryEntry] {
        try await RemoteReports.with(target, logger: global.makeLogger()) { serve in
            var query: [(String, String)] = []
            if let names = selection.names {
                query += try await serve.selectedRepositories(names).map { ("repo", $0) }
            }
            if let issue { query.append(("issue", String(issue))) }
            if let sinceText { query.append(("since", sinceText)) }
            return try await serve.get("/api/history", query: query, as: [HistoryEntry].self, timeout: .seconds(120))
        }
    }
}
