import Coordinator
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

extension ServiceMetrics: ServeMonitor {
    public func surveyed(repo: String, busy: [BusyIssue]) {
        stuckIssues(repo: repo, count: busy.filter(\.isStuck).count)
    }
}

/// `coordinator serve` assembled: the engine over a workspace's repositories, the HTTP endpoint,
/// and the metrics both report to, run as one swift-service-lifecycle `ServiceGroup`. The one
/// wiring the command, `demo --serve`, the benchmark and the tests share.
///
/// Shutdown (SIGTERM/SIGINT when `signals` is set, or `shutdown()`) is graceful in reverse order:
/// the server stops accepting first, then the engine lets the event in hand finish; after
/// `shutdownGrace` whatever is still running is cancelled, and the ledger holds what the next
/// start recovers.
public final class ServeDaemon: Sendable {
    public let engine: ServeEngine
    public let metrics: ServiceMetrics
    /// The operator events (`GET /api/events`).
    public let events: EventHub
    private let group: ServiceGroup
    private let listening = Listening()

    public init(
        workspace: Workspace, endpoint: ServiceEndpoint, pollInterval: Duration?, actor: String,
        signals: Bool, shutdownGrace: Duration = .seconds(30), observer: (any ServeMonitor)? = nil, relay: (any EventRelay)? = nil,
        logger: Logger
    ) async {
        let metrics = ServiceMetrics()
        await workspace.githubState.observeRequests { status, rateLimit in
            metrics.githubRequest(status: status)
            if let remaining = rateLimit?.remaining { metrics.githubRateLimit(remaining: remaining) }
        }
        let events = EventHub(relay: relay)
        let engine = ServeEngine(
            services: workspace.repos, pollInterval: pollInterval, actor: actor,
            monitor: MonitorFanOut(monitors: [metrics, EventMonitor(hub: events)] + (observer.map { [$0] } ?? [])), logger: logger)
        let listening = self.listening
        let application = endpoint.application(
            sink: engine, status: engine, repositories: engine, metrics: metrics, events: events, operated: engine, logger: logger
        ) { port in
            listening.settle(port)
        }
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: engine),
                .init(service: application),
            ] + (relay.map { [.init(service: EventRelayService(relay: $0, hub: events))] } ?? []),
            gracefulShutdownSignals: signals ? [.sigterm, .sigint] : [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownGrace
        configuration.maximumCancellationDuration = .seconds(5)
        self.group = ServiceGroup(configuration: configuration)
        self.engine = engine
        self.metrics = metrics
        self.events = events
    }

    /// Runs until shut down; throws when a part failed (a port already in use, say).
    public func run() async throws {
        defer { listening.settle(nil) }
        try await group.run()
    }

    /// The bound port, once the server listens; nil when it stopped before listening.
    public func port() async -> Int? {
        await listening.value()
    }

    /// Starts the graceful shutdown (what SIGTERM does).
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }
}

/// Reports to every monitor in order: the metrics, the operator events, an observer of the
/// caller's (the benchmark's).
private struct MonitorFanOut: ServeMonitor {
    let monitors: [any ServeMonitor]

    func dispatched(repo: String, outcome: DispatchOutcome) {
        for monitor in monitors { monitor.dispatched(repo: repo, outcome: outcome) }
    }

    func polled(repo: String) {
        for monitor in monitors { monitor.polled(repo: repo) }
    }

    func webhookToJenkins(_ latency: Duration) {
        for monitor in monitors { monitor.webhookToJenkins(latency) }
    }

    func surveyed(repo: String, busy: [BusyIssue]) {
        for monitor in monitors { monitor.surveyed(repo: repo, busy: busy) }
    }

    func issueChanged(repo: String, change: IssueChange) {
        for monitor in monitors { monitor.issueChanged(repo: repo, change: change) }
    }
}

/// The bound port, settled once (nil: the server stopped before listening); any number of waiters.
private final class Listening: Sendable {
    private let state = Mutex<(settled: Bool, port: Int?, waiters: [CheckedContinuation<Int?, Never>])>((false, nil, []))

    func settle(_ port: Int?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int?, Never>] in
            guard !state.settled else { return [] }
            state.settled = true
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    func value() async -> Int? {
        await withCheckedContinuation { continuation in
            let settled = state.withLock { state -> (Bool, Int?) in
                if !state.settled { state.waiters.append(continuation) }
                return (state.settled, state.port)
            }
            if settled.0 { continuation.resume(returning: settled.1) }
        }
    }
}
