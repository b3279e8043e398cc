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

    func validate() throws {
        try selection.requireChoice(toWhat: "run")
    }

    func run() async throws {
        let options = RunOptions(forceRefresh: forceRefresh, dryRun: dryRun, keepGoing: keepGoing)
        let document = try await global.withWorkspace { workspace in
            let services = try workspace.services(named: selection.names)
            let report = await CoordinatorRun(services: services, actor: Workspace.actor("run")).run(options)
            return RunReportDocument(report, dryRun: dryRun, mapping: workspace.config.rules.mapping)
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
}
