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

/// Opens the console over a configuration (a local workspace) or attached to `serve`: backend,
/// effect runner, then the UI loop on its own thread; closes the backend after the terminal is
/// restored.
public enum ConsoleSession {
    /// `stores`: where the repositories' state is (nil: the configured cache directory's files).
    public static func run(
        config: CoordinatorConfig, options: ConsoleSessionOptions, logLevel: String, stores: Workspace.Stores? = nil
    ) async -> ConsoleExit {
        let logger = openLog(options, logLevel: logLevel)
        logger.info("console opened on \(config.path) (\(config.repos.count) repos)")
        let workspace = Workspace.open(config: config, logger: logger, logLevel: logLevel, stores: stores)
        let backend = WorkspaceBackend(workspace: workspace, actor: Workspace.actor("console"))
        let state = ConsoleState(
            repos: backend.repos, now: Date(), readOnly: options.readOnly,
            refreshSeconds: config.settings.consoleRefreshSeconds, banner: options.banner,
            canOpenLinks: LinkOpener.hasDisplay(), mouse: options.mouse)
        let exit = await loop(state: state, backend: backend, inbox: Inbox(), options: options)
        logger.info("console closed (\(exit))")
        await workspace.shutdown()
        return exit
    }

    /// The console attached to `serve` (`--server`): fed by its event stream, no polling; every
    /// write goes through `serve`. A read token makes it read-only.
    public static func run(attachedTo backend: RemoteBackend, options: ConsoleSessionOptions, logLevel: String) async -> ConsoleExit {
        let logger = openLog(options, logLevel: logLevel)
        logger.info("console attached to \(backend.client.target.url) as \(backend.session.operatorName) (\(backend.repos.count) repos)")
        var state = ConsoleState(
            repos: backend.repos, now: Date(), readOnly: options.readOnly || !backend.mayOperate,
            refreshSeconds: 0, banner: options.banner, canOpenLinks: LinkOpener.hasDisplay(), mouse: options.mouse)
        if !backend.mayOperate {
            state.readOnlyReason = "operator \(backend.session.operatorName) has role \(backend.session.role) on serve"
        }
        state.server = ServerLink(url: backend.client.target.url, operatorName: backend.session.operatorName)
        let inbox = Inbox()
        let pump = ServerEventPump(client: backend.client, inbox: inbox)
        pump.start()
        let exit = await loop(state: state, backend: backend, inbox: inbox, options: options)
        pump.stop()
        logger.info("console closed (\(exit))")
        return exit
    }

    private static func openLog(_ options: ConsoleSessionOptions, logLevel: String) -> Logger {
        let level = LogLevelName.parse(logLevel) ?? .info
        ConsoleLogFile.routeProcessLogs(to: options.logPath, level: level)
        return ConsoleLogFile.logger(path: options.logPath, level: level)
    }

    private static func loop(state: ConsoleState, backend: any ConsoleBackend, inbox: Inbox, options: ConsoleSessionOptions) async -> ConsoleExit {
        let runner = EffectRunner(backend: backend, inbox: inbox, opener: LinkOpener.open)
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
        return exit
    }
}
