import ArgumentParser
import Coordinator
import Foundation
import Logging

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: $COORDINATOR_CONFIG, else ~/.mcp_coder/config.toml).")
    var config: String?

    @Option(name: .long, help: "Log level on stderr, also passed to the executor: DEBUG, INFO, WARNING, ERROR, CRITICAL.")
    var logLevel: String = "INFO"

    func validate() throws {
        guard LogLevelName.parse(logLevel) != nil else {
            throw ValidationError("--log-level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got '\(logLevel)')")
        }
    }

    /// Loads and validates the configuration, or exits 1 with the reason.
    func loadConfig() throws -> CoordinatorConfig {
        let path = ConfigLoader.resolvePath(explicit: config)
        do {
            return try ConfigLoader.load(path: path)
        } catch let error as ConfigError {
            throw CommandFailure(error.description)
        }
    }

    /// A stderr logger at `--log-level`. Only the executable bootstraps logging.
    func makeLogger(label: String = "coordinator") -> Logger {
        let level = LogLevelName.parse(logLevel) ?? .info
        ProcessLogging.bootstrapOnce { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// Runs `body` with the workspace for this config, and closes it on every path.
    func withWorkspace<T>(_ body: (Workspace) async throws -> T) async throws -> T {
        let config = try loadConfig()
        let workspace = Workspace.open(config: config, logger: makeLogger(), logLevel: logLevel)
        do {
            let result = try await body(workspace)
            await workspace.shutdown()
            return result
        } catch {
            await workspace.shutdown()
            throw error
        }
    }
}

/// Upstream level names mapped onto swift-log levels.
enum LogLevelName {
    static func parse(_ text: String) -> Logger.Level? {
        switch text.uppercased() {
        case "DEBUG": return .debug
        case "INFO": return .info
        case "WARNING", "WARN": return .warning
        case "ERROR": return .error
        case "CRITICAL": return .critical
        default: return nil
        }
    }
}

/// Selects one repository or all of them; exactly one of the two.
struct RepoSelection: ParsableArguments {
    @Flag(name: .long, help: "Every configured repository, in file order.")
    var all = false

    @Option(name: .long, help: "One repository, by its [coordinator.repos.NAME] name.")
    var repo: String?

    func validate() throws {
        if all == (repo != nil) { throw ValidationError("give exactly one of --all or --repo NAME") }
    }
}

/// What a reporting command (`status`, `diff`) covers and how it prints.
struct ReportOptions: ParsableArguments {
    @Option(name: .long, help: "Only this repository (default: all, in file order).")
    var repo: String?

    @Flag(name: .long, help: "Print JSON.")
    var json = false
}

/// A failure the user can act on: printed to stderr as is, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32 = 1

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
