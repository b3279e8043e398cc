import ArgumentParser
import Coordinator
import CoordinatorPostgres
import CoordinatorService
import Foundation

/// `coordinator serve`: the always-on coordinator. GitHub's `issues` webhooks trigger dispatches at
/// once; a poll per repository every `[serve] poll_seconds` catches what webhooks miss.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run as a service: dispatch on GitHub webhooks within a second, poll as a safety net.",
        discussion: """
            Endpoints: POST /webhooks/github (GitHub's webhook, signed with [serve] webhook_secret), \
            GET /healthz, GET /metrics (Prometheus), and for the operators of [serve.operators.NAME] \
            (and [serve] api_token) with Authorization: Bearer TOKEN: GET /api/status, /api/repos, \
            /api/repos/NAME/issues?view=eligible|busy|all, /api/repos/NAME/issues/N. Plain HTTP, or \
            HTTPS with [serve] tls_cert_file and tls_key_file. Stops \
            cleanly on SIGTERM or SIGINT: stops accepting, lets the dispatch in hand finish (at most \
            30 s), exits 0; the ledger holds anything left half-done for the next start.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "HOST:PORT to listen on (default: [serve] listen, else 127.0.0.1:8750).")
    var listen: String?

    func validate() throws {
        if let listen, ServeSettings.ListenAddress(parsing: listen) == nil {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535 (e.g. 127.0.0.1:8750), not '\(listen)'")
        }
    }

    func run() async throws {
        let config = try global.loadConfig()
        guard let secret = config.serve.webhookSecret else {
            throw CommandFailure(
                "serve needs the webhook secret GitHub signs deliveries with: set [serve] webhook_secret in \(config.path), or GITHUB_WEBHOOK_SECRET")
        }
        if let problem = config.serve.operatorsProblem { throw CommandFailure(problem.description) }
        let address = listen.flatMap(ServeSettings.ListenAddress.init(parsing:)) ?? config.serve.listen
        var endpoint = ServiceEndpoint(host: address.host, port: address.port, webhookSecret: secret, operators: config.serve.allOperators)
        // Read now, before anything polls or listens: a bad certificate or key stops the start.
        do {
            endpoint.tls = try config.serve.tls?.load(configPath: config.path)
        } catch let error as ConfigError {
            throw CommandFailure(error.description)
        }
        let (scheme, certificate) = (endpoint.scheme, endpoint.tls.map { " (certificate \($0.files.certificateFile))" } ?? "")
        let logger = global.makeLogger(label: "coordinator.serve")
        var stores = Workspace.Stores.files(in: config.settings.cacheDirectory)
        var relay: PostgresEventRelay?
        if let settings = config.store.postgres {
            // Delivery ids and Idempotency-Keys are shared with the other instances on the database.
            let database = try await StoreOpening.database(settings, command: "serve", logger: logger)
            endpoint.deliveries = PostgresDeliveries(database: database, logger: logger)
            endpoint.idempotency = PostgresIdempotency(database: database, logger: logger)
            relay = PostgresEventRelay(database: database, logger: logger)
            stores = database.stores
        }
        let workspace = Workspace.open(config: config, logger: logger, logLevel: global.logLevel, stores: stores)
        let daemon = await ServeDaemon(
            workspace: workspace, endpoint: endpoint,
            pollInterval: config.serve.pollSeconds > 0 ? .seconds(config.serve.pollSeconds) : nil,
            actor: Workspace.actor("serve"), signals: true, relay: relay, logger: logger)
        let operators = config.serve.allOperators
        // Names and roles only: never a token or its digest.
        let apiRoutes = operators.isEmpty
            ? "" : ", GET /api/status, /api/repos[/NAME/issues[/N]] for \(operators.map { "\($0.name) (\($0.role.rawValue))" }.joined(separator: ", "))"
        let announce = Task {
            guard let port = await daemon.port() else { return }
            let bound = ServeSettings.ListenAddress(host: address.host, port: port)
            let polling = config.serve.pollSeconds > 0 ? "a poll every \(config.serve.pollSeconds) s" : "no polling (webhooks only)"
            logger.notice("serving on \(scheme)://\(bound)\(certificate): POST /webhooks/github, GET /healthz, GET /metrics\(apiRoutes); \(config.repos.count) repositories, \(polling)")
        }
        do {
            try await daemon.run()
        } catch {
            announce.cancel()
            await workspace.shutdown()
            throw CommandFailure("serve stopped: \(error)")
        }
        announce.cancel()
        await workspace.shutdown()
        logger.notice("serve stopped")
    }
}
