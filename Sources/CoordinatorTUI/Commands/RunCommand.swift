import ArgumentParser
import Coordinator

/// `coordinator run`: refresh, pick eligible issues, dispatch them (or print the plans).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Dispatch every eligible issue of the selected repositories.",
        discussion: """
            Stops at the first failed dispatch and exits 1, unless --keep-going. --dry-run prints each \
            plan (workflow, branch, job, parameters with COMMAND in full, label move) and changes nothing: \
            no Jenkins call, no label write, no cache write.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: RepoSelection

    @Flag(name: .long, help: "Full refresh of the cache first, even inside the reuse window.")
    var forceRefresh = false

    @Flag(name: .long, help: "Print what would be dispatched; send nothing that changes anything.")
    var dryRun = false

    @Flag(name: .long, help: "Continue after a failed dispatch; exit 1 at the end if anything failed.")
    var keepGoing = false

    @Flag(name: .long, help: "Print the report as one JSON document (per repository and issue, the outcome), for scripts and CI.")
    var json = false

    @OptionGroup var remote: ServerOption

    func validate() throws {
        try selection.requireChoice(toWhat: "run")
    }

    func run() async throws {
        let document: RunReportDocument
        // The logger first: a config error is then reported in --log-format as well.
        _ = global.makeLogger()
        let client = try remote.clientSettings(global)
        if let url = remote.url(client) {
            guard dryRun else {
                let server = ServerTarget(url: url, token: nil).url
                throw CommandFailure(
                    "run --server only plans (--dry-run): serve at \(server) is the one writer of its repositories "
                        + "and dispatches eligible issues itself; to dispatch one now, use `coordinator console --server \(server)`, or "
                        + "POST /api/repos/NAME/issues/N/dispatch with an operate token",
                    exitCode: 2)
            }
            guard let target = try remote.target(client) else { throw ExitCode(2) }
            document = try await attached(to: target)
        } else {
            let options = RunOptions(forceRefresh: forceRefresh, dryRun: dryRun, keepGoing: keepGoing)
            document = try await global.withWorkspace { workspace in
                let services = try workspace.services(named: selection.names)
                let report = await CoordinatorRun(services: services, actor: Workspace.actor("run")).run(options)
                return RunReportDocument(report, dryRun: dryRun, mapping: workspace.config.rules.mapping)
            }
        }
        if json {
            print(try JSONText.encode(document) + "\n", terminator: "")
        } else {
            print(RunReportText.render(document), terminator: "")
        }
        // A repository that could not be refreshed is an error cron should mail, not only a report line.
        for repo in document.repos {
            if let error = repo.error { printError("coordinator: \(repo.name): \(error)") }
        }
        if document.failed { throw ExitCode(1) }
    }

    /// `--dry-run --server`: each selected repository's plan from `serve` (`GET
    /// /api/repos/NAME/plan`, the document of `run --dry-run --repo NAME` on `serve`'s caches),
    /// one after another as the run goes: without `--keep-going` it stops after the first
    /// repository that failed.
    private func attached(to target: ServerTarget) async throws -> RunReportDocument {
        try await RemoteReports.with(target, logger: global.makeLogger()) { serve in
            var query: [(String, String)] = []
            if keepGoing { query.append(("keep_going", "true")) }
            if forceRefresh { query.append(("force_refresh", "true")) }
            var repos: [RunReportDocument.Repo] = []
            var stoppedEarly = false
            for name in try await serve.selectedRepositories(selection.names) {
                let plan = try await serve.get(RemoteReports.repoPath(name, "plan"), query: query, as: RunReportDocument.self, timeout: .seconds(300))
                repos += plan.repos
                if plan.stoppedEarly {
                    stoppedEarly = true
                    break
                }
            }
            return RunReportDocument(dryRun: true, repos: repos, stoppedEarly: stoppedEarly)
        }
    }
}
