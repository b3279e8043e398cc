import ArgumentParser
import Coordinator
import Foundation

/// `coordinator`: the operator console by default, headless subcommands for cron and scripts.
///
/// Exit codes: 0 success, 1 a failure the user can act on (config, auth, a failed dispatch),
/// 2 usage, 3 `diff` found the cache stale or `stuck` found stuck issues.
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Dispatches GitHub issues with pickup labels to Jenkins jobs, and keeps the issue cache honest.",
        version: CoordinatorVersion.current,
        subcommands: [
            ConsoleCommand.self,
            DemoCommand.self,
            DoctorCommand.self,
            RunCommand.self,
            ServeCommand.self,
            StatusCommand.self,
            StuckCommand.self,
            UnstickCommand.self,
            HistoryCommand.self,
            LogsCommand.self,
            DiffCommand.self,
            SyncCommand.self,
            StoreCommand.self,
            HooksCommand.self,
            TestCommand.self,
            SandboxCommand.self,
            VersionCommand.self,
            CompletionsCommand.self,
        ],
        defaultSubcommand: ConsoleCommand.self
    )

    /// Parses and runs, mapping errors onto the documented exit codes instead of
    /// ArgumentParser's defaults (which use 64 for usage errors).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            printError("coordinator: \(failure.description)")
            Foundation.exit(failure.exitCode)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            // ArgumentParser reports usage problems as EX_USAGE (64); ours is 2.
            if code == .validationFailure {
                printError(message)
                Foundation.exit(2)
            }
            // Anything else is a failure from the core, whose errors are written for the user.
            printError("coordinator: \(error)")
            Foundation.exit(1)
        }
    }
}
