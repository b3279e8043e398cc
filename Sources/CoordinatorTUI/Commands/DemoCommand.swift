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

    @Flag(name: .long, help: "Also run `serve` in-process, fed by the Sandbox's webhooks, while a simulated human relabels an issue every 15 s.")
    var serve = false

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
        var config = demo.config
        var banner = "sandbox \(demo.sandboxURL)"
        var service: DemoService?
        if serve {
            do {
                service = try await DemoService.start(demo: demo)
            } catch {
                await demo.stop()
                throw CommandFailure("the demo's serve could not start: \(error)")
            }
            // The console reads the cache and GitHub every 3 s, so serve's dispatches show up.
            config.settings.consoleRefreshSeconds = 3
            banner += " · serve http://127.0.0.1:\(service?.port ?? 0) · a human relabels an issue every 15 s"
        }
        let exit = await ConsoleSession.run(
            config: config,
            options: ConsoleSessionOptions(readOnly: console.readOnly, color: console.color, banner: banner, logPath: demo.logPath, mouse: !console.noMouse),
            logLevel: "INFO")
        await service?.stop()
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
