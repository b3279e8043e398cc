import ArgumentParser
import Coordinator
import Foundation

/// `coordinator demo`: the whole product in one command. Starts the Sandbox with the example
/// scenario, writes a throw-away config and a deliberately stale cache, and opens the console.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Open the console on a simulated GitHub and Jenkins with a deliberately stale cache; nothing to configure.")

    @Option(name: .long, help: "Sandbox port (default: a free ephemeral port).")
    var port: Int = 0

    @Option(name: .long, help: "Directory for the demo's config, cache and log (kept; default: a new temporary directory).")
    var workdir: String?

    @Flag(name: .long, help: "Keep the temporary directory after the console closes.")
    var keep = false

    @OptionGroup var console: ConsoleOptions

    func validate() throws {
        try PortOption.validate(port)
    }

    func run() async throws {
        try console.requireTerminal()
        let demo: DemoEnvironment
        do {
            demo = try await DemoEnvironment.start(port: port, workdir: workdir)
        } catch {
            throw CommandFailure("the demo could not start: \(error)")
        }
        let exit = await ConsoleSession.run(
            config: demo.config,
            options: ConsoleSessionOptions(
                readOnly: console.readOnly, color: console.color,
                banner: "sandbox \(demo.sandboxURL)", logPath: demo.logPath),
            logLevel: "INFO")
        await demo.stop()
        let kept = keep || workdir != nil
        if !kept { demo.removeFiles() }
        print("coordinator demo closed. The sandbox at \(demo.sandboxURL) has stopped.")
        if kept {
            print("Config: \(demo.configPath)")
            print("Cache:  \(demo.config.settings.cacheDirectory)")
            print("Log:    \(demo.logPath)")
        } else {
            print("Temporary files in \(demo.directory) were removed (--keep keeps them).")
        }
        if case let .signal(number) = exit { throw ExitCode(128 + number) }
    }
}
