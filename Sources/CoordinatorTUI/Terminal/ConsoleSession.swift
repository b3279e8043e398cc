import Coordinator
import Foundation
import Logging

/// How the console is opened.
public struct ConsoleSessionOptions: Sendable {
    public var readOnly: Bool
    public var color: Bool
    /// A header line, e.g. the sandbox's address.
    public var banner: String?
    /// Where the console's log goes (never the screen).
    public var logPath: String
    /// Clicks and the wheel reach the console (`--no-mouse`: they stay the terminal's).
    public var mouse: Bool

    public init(readOnly: Bool, color: Bool, banner: String? = nil, logPath: String, mouse: Bool = true) {
        self.mouse = mouse
        self.readOnly = readOnly
        self.color = color
        self.banner = banner
        self.logPath = logPath
    }
}

/// Opens the console over a configuration: workspace, backend, effect runner, then the UI loop on
/// its own thread; closes the workspace after the terminal is restored.
public enum ConsoleSession {
    public static func run(config: CoordinatorConfig, options: ConsoleSessionOptions, logLevel: String) async -> ConsoleExit {
        let level = LogLevelName.parse(logLevel) ?? .info
        ConsoleLogFile.routeProcessLogs(to: options.logPath, level: level)
        let logger = ConsoleLogFile.logger(path: options.logPath, level: level)
        logger.info("console opened on \(config.path) (\(config.repos.count) repos)")
        let workspace = Workspace.open(config: config, logger: logger, logLevel: logLevel)
        let backend = WorkspaceBackend(workspace: workspace, actor: Workspace.actor("console"))
        let inbox = Inbox()
        let runner = EffectRunner(backend: backend, inbox: inbox, opener: LinkOpener.open)
        let state = ConsoleState(
            repos: backend.repos, now: Date(), readOnly: options.readOnly,
            refreshSeconds: config.settings.consoleRefreshSeconds, banner: options.banner,
            canOpenLinks: LinkOpener.hasDisplay(), mouse: options.mouse)
        let signals = SignalTrap()
        let caught = signals.caught
        let exit = await withCheckedContinuation { (continuation: CheckedContinuation<ConsoleExit, Never>) in
            let thread = Thread {
                let loop = ConsoleLoop(state: state, runner: runner, inbox: inbox, signals: caught, color: options.color, mouse: options.mouse)
                continuation.resume(returning: loop.run())
            }
            thread.name = "console-ui"
            thread.start()
        }
        signals.release()
        logger.info("console closed (\(exit))")
        await workspace.shutdown()
        return exit
    }
}
