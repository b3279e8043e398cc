import ArgumentParser
import Coordinator
import Foundation
import Logging
import Synchronization

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: $COORDINATOR_CONFIG, else ~/.mcp_coder/config.toml).")
    var config: String?

    @Option(name: .long, help: "Log level on stderr, also passed to the executor: DEBUG, INFO, WARNING, ERROR, CRITICAL.")
    var logLevel: String = "INFO"

    @Option(name: .long, help: "Log lines on stderr: text, or json (one object per line, for log shippers).")
    var logFormat: LogFormat = .text

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

    /// A stderr logger at `--log-level`, in `--log-format`. Only the executable bootstraps logging.
    /// From here on the command's own error lines (`printError`) come in that format too.
    func makeLogger(label: String = "coordinator") -> Logger {
        let level = LogLevelName.parse(logLevel) ?? .info
        let format = logFormat
        StandardError.format.withLock { $0 = format }
        ProcessLogging.bootstrapOnce { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                return JSONLogHandler.standardError(label: label, level: level)
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// Runs `body` with the workspace for this config, and closes it on every path.
    func withWorkspace<T>(_ body: (Workspace) async throws -> T) async throws -> T {
        // The logger first: a config error is then reported in --log-format as well.
        let logger = makeLogger()
        let config = try loadConfig()
        let stores = try await StoreOpening.stores(for: config, command: StoreOpening.commandName, logger: logger)
        let workspace = Workspace.open(config: config, logger: logger, logLevel: logLevel, stores: stores)
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

/// How log lines are written.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    /// swift-log's stream format, for people.
    case text
    /// One JSON object per line (`JSONLogHandler`), for log shippers.
    case json
}

/// Which repositories a command covers: `--repo NAME` (repeatable) or `--all`, never both.
/// Commands that change something make the choice compulsory (`requireChoice`); reporting
/// commands take no choice to mean all.
struct RepoSelection: ParsableArguments {
    @Flag(name: .long, help: "Every configured repository, in file order.")
    var all = false

    @Option(
        name: .customLong("repo"),
        help: ArgumentHelp("A repository by its [coordinator.repos.NAME] name; repeat for several (taken in file order).", valueName: "NAME"))
    var repos: [String] = []

    func validate() throws {
        if all && !repos.isEmpty { throw ValidationError("give either --all or --repo NAME, not both") }
    }

    /// The names for `Workspace.services(named:)`: nil means every repository.
    var names: [String]? { repos.isEmpty ? nil : repos }

    /// For commands that change something, where silence must not mean "everything".
    func requireChoice(toWhat action: String) throws {
        if !all && repos.isEmpty {
            throw ValidationError("say which repositories to \(action): --all, or --repo NAME (repeatable)")
        }
    }
}

/// How a reporting command (`status`, `diff`) prints.
struct ReportOptions: ParsableArguments {
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

/// Writes a message for the operator to standard error: a plain line, or after `makeLogger` under
/// `--log-format json` one JSON log line at level `error`, so that a log shipper reading stderr
/// gets nothing but JSON from a command that failed.
func printError(_ text: String) {
    switch StandardError.format.withLock({ $0 }) {
    case .text:
        FileHandle.standardError.write(Data((text + "\n").utf8))
    case .json:
        let line = JSONLogHandler.line(time: Date(), level: .error, label: "coordinator", message: text, source: "coordinator", metadata: [:])
        FileHandle.standardError.write(line)
    }
}

/// The process's choice of stderr format, made once the command has set up logging.
enum StandardError {
    static let format = Mutex(LogFormat.text)
}
