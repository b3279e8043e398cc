import ArgumentParser
import Coordinator

/// `coordinator`: the operator console by default, headless subcommands for cron and scripts.
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Dispatches GitHub issues with pickup labels to Jenkins jobs, and keeps the issue cache honest.",
        version: CoordinatorVersion.current,
        subcommands: [
            VersionCommand.self,
        ]
    )
}
