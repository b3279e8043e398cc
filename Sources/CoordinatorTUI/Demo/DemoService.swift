import Coordinator
import CoordinatorService
import Foundation
import Logging
import Sandbox

/// `coordinator demo --serve`: the daemon in-process on the demo's config, the Sandbox's webhook
/// pointed at it, and a "human" who moves one issue to a pickup label every `relabelEvery`, so the
/// console shows an issue dispatched seconds after someone triaged it.
struct DemoService {
    let daemon: ServeDaemon
    let port: Int
    private let workspace: Workspace
    private let running: Task<Void, any Error>
    private let human: Task<Void, Never>

    static func start(demo: DemoEnvironment, relabelEvery: Duration = .seconds(15)) async throws -> DemoService {
        let secret = UUID().uuidString
        let logger = ConsoleLogFile.logger(path: demo.logPath, level: .info, label: "coordinator.serve")
        let workspace = Workspace.open(config: demo.config, logger: logger)
        let daemon = await ServeDaemon(
            workspace: workspace, endpoint: ServiceEndpoint(host: "127.0.0.1", port: 0, webhookSecret: Secret(secret)),
            pollInterval: .seconds(60), actor: Workspace.actor("demo serve"), signals: false, logger: logger)
        let running = Task { try await daemon.run() }
        guard let port = await daemon.port() else {
            await workspace.shutdown()
            _ = try? await running.value
            throw DemoError("the demo's serve did not start listening")
        }
        try demo.sandbox.addWebhook(url: "http://127.0.0.1:\(port)/webhooks/github", secret: secret)
        let sandbox = demo.sandbox
        let human = Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: relabelEvery) } catch { return }
                switch await sandbox.relabelAsHuman() {
                case let .success(move): logger.info("demo: a human moved \(move.owner)/\(move.repo)#\(move.number) to \(move.to.joined(separator: ", "))")
                case let .failure(reason): logger.info("demo: no issue left to relabel (\(reason))")
                }
            }
        }
        return DemoService(daemon: daemon, port: port, workspace: workspace, running: running, human: human)
    }

    func stop() async {
        human.cancel()
        await daemon.shutdown()
        _ = try? await running.value
        await workspace.shutdown()
    }
}
