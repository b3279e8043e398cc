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

    func validate() throws {
        if let issue, issue <= 0 { throw ValidationError("--issue: an issue number is a positive whole number, not \(issue)") }
        if let sinceText, HistoryEntry.since(sinceText) == nil {
            throw ValidationError("--since: '\(sinceText)' is not a date (2026-12-01) or a UTC time (2026-12-01T10:00:00Z)")
        }
    }

    func run() async throws {
        let since = sinceText.flatMap(HistoryEntry.since)
        let entries = try await global.withWorkspace { workspace in
            var entries: [HistoryEntry] = []
            for service in try workspace.services(named: selection.names) {
                let audit = service.history.audit()
                for notice in audit.notices { printError("warning: \(notice)") }
                entries += audit.dispatches
                    .filter { issue == nil || $0.issue == issue }
                    .filter { summary in since.map { summary.lastTime >= $0 } ?? true }
                    .map { HistoryEntry(repo: service.repo.name, $0) }
            }
            // Newest first across repositories; within one second, in the history's own order.
            return entries.enumerated().sorted { ($0.element.startedAt, -$0.offset) > ($1.element.startedAt, -$1.offset) }.map(\.element)
        }
        if report.json {
            print(try JSONText.encode(entries))
        } else if entries.isEmpty {
            print("no dispatches recorded" + (issue.map { " for #\($0)" } ?? "") + (sinceText.map { " since \($0)" } ?? ""))
        } else {
            for entry in entries { print(entry.line) }
        }
    }
}

/// One line of `coordinator history` (and its `--json` object).
struct HistoryEntry: Encodable {
    var repo: String
    var issue: Int
    var dispatchID: String
    /// `dispatch` or `unstick`.
    var kind: String
    var workflow: String?
    var pickup: String
    var busy: String
    var by: String?
    var startedAt: String
    var lastStep: String
    /// Where it stands, in words.
    var state: String
    var labelsMovedAt: String?
    var queueID: Int?
    var buildNumber: Int?
    var buildURL: String?
    var buildResult: String?
    var message: String?

    init(repo: String, _ summary: DispatchSummary) {
        self.repo = repo
        issue = summary.issue
        dispatchID = summary.dispatchID
        kind = summary.isReset ? "unstick" : "dispatch"
        workflow = summary.workflow
        pickup = summary.pickup
        busy = summary.busy
        by = summary.by
        startedAt = Timestamp.format(summary.startedAt)
        lastStep = summary.lastStep.rawValue
        state = summary.stepDescription
        labelsMovedAt = summary.labelsMovedAt.map(Timestamp.format)
        queueID = summary.queueID
        buildNumber = summary.buildEnd?.buildNumber ?? summary.buildNumber
        buildURL = summary.buildURL
        buildResult = summary.buildEnd?.result
        message = summary.lastMessage
    }

    var line: String {
        var text = "\(startedAt)  \(repo)  #\(issue)  "
        if kind == "unstick" {
            text += "unstick  " + (message ?? "\(busy) moved")
        } else {
            text += "\(workflow ?? "dispatch")  \(pickup) → \(busy)  \(state)"
            if let queueID { text += "  queue \(queueID)" }
            if let buildNumber { text += "  build #\(buildNumber)" + (buildResult.map { " \($0.lowercased())" } ?? "") }
        }
        if let by { text += "  by \(by)" }
        return text
    }

    /// `2026-12-01` (midnight UTC) or an ISO-8601 time.
    static func since(_ text: String) -> Date? {
        Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z")
    }
}
