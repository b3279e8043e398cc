import ArgumentParser
import Coordinator
import Foundation

/// `coordinator stuck`: the issues that kept a busy label too long, for alerting from cron.
struct StuckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stuck",
        abstract: "List the issues stuck with a busy label (exit 0 none, 3 some, 1 error).",
        discussion: """
            Reads the open issues live, then for each one carrying a busy label: its build (from \
            the ledger, or Jenkins while it runs), how long it has been busy (the ledger, or \
            GitHub's label events, remembered until the issue changes), and the stuck rules: over \
            the workflow's stale_timeout_minutes, build ended more than 10 minutes ago, queue item \
            cancelled, or \
            no build found. Put one right with `coordinator unstick REPO ISSUE --to pickup|failure`.
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var selection: RepoSelection

    @OptionGroup var report: ReportOptions

    @OptionGroup var remote: ServerOption

    func run() async throws {
        let now = Date()
        let reports: [StuckReport]
        var fix = { (repo: String, issue: Int) in "coordinator unstick \(repo) \(issue) --to pickup   (or --to failure)" }
        if let target = try remote.headlessTarget(global) {
            reports = try await attached(to: target)
            fix = { repo, issue in
                "curl -XPOST -H \"Authorization: Bearer $\(target.tokenVariable)\" -d '{\"to\":\"pickup\"}' \(target.url)\(RemoteReports.repoPath(repo, "issues/\(issue)/unstick"))   (or \"failure\"; an operate token)"
            }
        } else {
            reports = try await global.withWorkspace { workspace in
                var reports: [StuckReport] = []
                for service in try workspace.services(named: selection.names) {
                    let live: [Issue]
                    do { live = try await service.fetchLive() } catch { throw CommandFailure("\(service.repo.name): \(error)") }
                    reports.append(StuckReport(name: service.repo.name, survey: await BusyWatch(service: service).survey(live, now: now), now: now))
                }
                return reports
            }
        }
        if report.json {
            print(try JSONText.encode(reports))
        } else {
            for survey in reports {
                var head = "\(survey.name): \(survey.busy) busy, \(survey.stuck.count) stuck"
                if let poll = survey.lastPoll.flatMap(Timestamp.parse) { head += " (serve's survey after its poll \(ElapsedText.ago(poll, now: now)))" }
                print(head)
                for issue in survey.stuck { print("  " + issue.line) }
                if let first = survey.stuck.first { print("  fix: " + fix(survey.name, first.number)) }
            }
        }
        if reports.contains(where: { !$0.stuck.isEmpty }) { throw ExitCode(3) }
    }

    /// `--server`: each selected repository's `GET /api/repos/NAME/busy`, the busy issues as
    /// `serve`'s last survey (after a poll) found them.
    private func attached(to target: ServerTarget) async throws -> [StuckReport] {
        try await RemoteReports.with(target, logger: global.makeLogger()) { serve in
            var reports: [StuckReport] = []
            for name in try await serve.selectedRepositories(selection.names) {
                reports.append(try await serve.get(RemoteReports.repoPath(name, "busy"), as: StuckReport.self))
            }
            return reports
        }
    }
}

/// `coordinator unstick`: moves one busy issue back to its pickup label or on to its failure label.
struct UnstickCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unstick",
        abstract: "Move a busy issue's label back to pickup or on to the failure label (asks nothing).",
        discussion: """
            Under the repository's lock: re-reads the issue live, adds the target label, removes \
            the busy label, updates the cache, and records a `reset` in the ledger. --to pickup \
            lets the next run dispatch the issue again; --to failure hands it to a person.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The repository, by its [coordinator.repos.NAME] name.", valueName: "REPO"))
    var repo: String

    @Argument(help: ArgumentHelp("The issue number.", valueName: "ISSUE"))
    var issue: Int

    @Option(name: .customLong("to"), help: ArgumentHelp("pickup or failure.", valueName: "TARGET"))
    var target: String

    func validate() throws {
        guard UnstickTarget(rawValue: target) != nil else { throw ValidationError("--to takes pickup or failure, not '\(target)'") }
        guard issue > 0 else { throw ValidationError("ISSUE is an issue number (1 or more), not \(issue)") }
    }

    func run() async throws {
        guard let target = UnstickTarget(rawValue: target) else { throw ExitCode(2) }
        let (repo, issue) = (self.repo, self.issue)
        let result = try await global.withWorkspace { workspace in
            guard let service = try workspace.services(named: [repo]).first else { throw CommandFailure("no repository named \(repo)") }
            do {
                return try await service.unstick(issueNumber: issue, to: target, by: Workspace.actor("unstick"))
            } catch let error as UnstickError {
                throw CommandFailure("\(repo): \(error)")
            }
        }
        var line = "\(repo) #\(result.issueNumber): \(result.move.summary)"
        if !result.cacheUpdated { line += " (cache not updated: the next refresh corrects it)" }
        print(line)
    }
}
