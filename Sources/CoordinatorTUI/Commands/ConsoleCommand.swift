import ArgumentParser
import Coordinator
import Foundation
import Logging

/// Options of the console, shared by `console` and `demo`.
struct ConsoleOptions: ParsableArguments {
    @Flag(name: .long, help: "Disable every action that writes: dispatch (d, D) and sync (s).")
    var readOnly = false

    @Flag(name: .long, help: "No colours (also when NO_COLOR is set); selection stays visible in reverse video.")
    var noColor = false

    @Flag(name: .long, help: "Leave clicks and the wheel to the terminal. With the mouse on, Shift+drag still selects text.")
    var noMouse = false

    var color: Bool { !noColor && !TerminalCheck.colorDisabledByEnvironment() }

    /// Refuses with exit code 2 and a pointer to the headless commands when there is no terminal,
    /// before anything could reach `initscr`. `configPath`: the `--config` given, which the
    /// commands it points to need too.
    func requireTerminal(configPath: String? = nil) throws {
        if let refusal = TerminalCheck.refusalForCurrentProcess(configPath: configPath) {
            printError(refusal)
            throw ExitCode(2)
        }
    }
}

/// `coordinator console` (also plain `coordinator`): the operator console over the configured repos.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The operator console: cached and live labels side by side, dry-run plans, dispatch with confirmation.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var console: ConsoleOptions

    @Option(name: .long, help: ArgumentHelp(
        "Attach to a running `coordinator serve` at this URL instead of opening the cache directory (token: $COORDINATOR_API_TOKEN).",
        valueName: "url"))
    var server: String?

    func run() async throws {
        // Absolute, so the printed commands also work from another directory (a crontab's).
        try console.requireTerminal(configPath: global.config.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        if let target = try RemoteOptions.target(server: server, configPath: global.config) {
            try await attach(to: target)
            return
        }
        let config = try global.loadConfig()
        let directory = config.settings.cacheDirectory
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let logPath = (directory as NSString).appendingPathComponent("console.log")
        // Before the terminal is taken: a database that cannot be reached is said on stderr.
        let stores = try await StoreOpening.stores(
            for: config, command: "console", logger: Logger(label: "coordinator.console", factory: { _ in SwiftLogNoOpLogHandler() }))
        let exit = await ConsoleSession.run(
            config: config,
            options: ConsoleSessionOptions(readOnly: console.readOnly, color: console.color, logPath: logPath, mouse: !console.noMouse),
            logLevel: global.logLevel, stores: stores)
        if case let .signal(number) = exit { throw ExitCode(128 + number) }
    }

    /// The console attached to `serve`: the log goes to the user's state directory, as there is
    /// no cache directory here.
    private func attach(to target: ServerTarget) async throws {
        let client = ServerClient(target: target)
        let backend: RemoteBackend
        do {
            backend = try await RemoteBackend.connect(client)
        } catch {
            await client.shutdown()
            throw CommandFailure("\(error)")
        }
        let directory = RemoteOptions.stateDirectory()
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let exit = await ConsoleSession.run(
            attachedTo: backend,
            options: ConsoleSessionOptions(
                readOnly: console.readOnly, color: console.color, logPath: (directory as NSString).appendingPathComponent("console.log"),
                mouse: !console.noMouse),
            logLevel: global.logLevel)
        await client.shutdown()
        if case let .signal(number) = exit { throw ExitCode(128 + number) }
    }
}
