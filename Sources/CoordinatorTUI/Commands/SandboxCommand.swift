import ArgumentParser
import Foundation
import Sandbox

/// `coordinator sandbox`: serve the GitHub + Jenkins simulator until Ctrl-C or SIGTERM.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve a simulated GitHub and Jenkins on 127.0.0.1 from a scenario file (default: the shipped example).")

    @Option(name: .long, help: "Scenario JSON file (default: the example scenario).")
    var scenario: String?

    @Option(name: .long, help: "Port to listen on (default: a free ephemeral port).")
    var port: Int = 0

    @Option(name: .long, help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("tls-cert"), help: "Serve HTTPS with this PEM certificate (chain); needs --tls-key.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        try PortOption.validate(port)
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both for HTTPS, or neither")
        }
    }

    func run() async throws {
        let loaded: Scenario
        do {
            loaded = try scenario.map { try Scenario.load(from: URL(fileURLWithPath: $0)) } ?? Scenario.example()
        } catch {
            throw CommandFailure("\(error)")
        }
        let server: SandboxServer
        do {
            let tls = try tlsCert.map { try SandboxTLS(certificateFile: $0, keyFile: tlsKey ?? "") }
            server = try await SandboxServer.start(scenario: loaded, host: host, port: port, tls: tls)
        } catch {
            throw CommandFailure("cannot start the sandbox on \(host):\(port): \(error)")
        }
        print("GitHub API:  \(server.githubAPIURL)  (Enterprise shape: \(server.githubEnterpriseAPIURL))")
        print("Jenkins:     \(server.jenkinsURL)")
        print("Control:     \(server.controlURL)")
        print("Press Ctrl-C to stop.")
        fflush(nil)
        let signals = SignalTrap(signals: [SIGINT, SIGTERM])
        _ = await signals.next()
        await server.stop()
        signals.release()
        print("sandbox stopped")
    }
}
