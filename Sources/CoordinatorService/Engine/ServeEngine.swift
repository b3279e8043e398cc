import Coordinator
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The always-on coordinator: webhook events and safety-net polls, one serial lane per
/// repository, every dispatch through the core's `LockedRepo` (lock, ledger, live re-read,
/// Jenkins, labels, cache) exactly as `coordinator run` does.
///
/// Runs as a swift-service-lifecycle `Service`: it polls every repository at once on start (which
/// also finishes what a killed process left in the ledger), then every `pollInterval`; on graceful
/// shutdown it lets the event being handled finish and stops.
public final class ServeEngine: Service, WebhookSink, ServiceStatus, ServedRepositories, OperatedRepositories {
    public let services: [RepoService]
    private let lanes: [RepoLane]
    /// Lower-cased "owner/name" → lane.
    private let byFullName: [String: RepoLane]
    private let pollInterval: Duration?
    /// How often each repository's store is asked for work a dead instance left (`abandonedWork`).
    private let takeoverInterval: Duration
    private let actor: String
    private let monitor: (any ServeMonitor)?
    private let logger: Logger
    private let concurrency: Int
    private let stallLimit: Duration
    private let phase = Mutex(Phase.starting)

    enum Phase: Equatable {
        case starting, running, stopping
        case failed(String)
    }

    /// - Parameters:
    ///   - pollInterval: the safety-net poll per repository; nil = webhooks only (one poll at start).
    ///   - concurrency: how many repositories are worked on at once.
    ///   - stallLimit: a repository whose batch takes longer makes `/healthz` fail (a lock held
    ///     elsewhere for that long, or a request that does not end).
    public init(
        services: [RepoService], pollInterval: Duration?, actor: String, monitor: (any ServeMonitor)? = nil,
        concurrency: Int = 4, stallLimit: Duration = .seconds(600), takeoverInterval: Duration = ServeEngine.takeoverInterval,
        logger: Logger
    ) {
        self.takeoverInterval = takeoverInterval
        self.stallLimit = stallLimit
        self.services = services
        self.lanes = services.map(RepoLane.init)
        var byFullName: [String: RepoLane] = [:]
        for lane in lanes { byFullName[lane.service.repo.repo.fullName.lowercased()] = lane }
        self.byFullName = byFullName
        self.pollInterval = pollInterval
        self.actor = actor
        self.monitor = monitor
        self.concurrency = concurrency
        self.logger = logger
    }

    /// Checks for abandoned work every 10 s: with the store's quiet time of as much, a dead
    /// instance's repository is taken over within about 20 s.
    public static let takeoverInterval: Duration = .seconds(10)

    // MARK: WebhookSink

    public func isConfigured(repository fullName: String) -> Bool {
        byFullName[fullName.lowercased()] != nil
    }

    public func submit(_ event: IssueEvent) {
        byFullName[event.payload.repositoryFullName.lowercased()]?.submit(event)
    }

    /// Asks every repository for a safety-net poll now.
    public func pollAll() {
        for lane in lanes { lane.requestPoll() }
    }

    // MARK: Service

    public func run() async throws {
        phase.withLock { $0 = .running }
        let gate = Gate(permits: concurrency)
        let (lanes, actor, monitor, logger, interval) = (self.lanes, self.actor, self.monitor, self.logger, self.pollInterval)
        await withGracefulShutdownHandler {
            // The start-up poll catches up with what happened while nobody listened; then one
            // every `interval`. The timer is cancelled once the lanes are done; the lanes never
            // are, so a dispatch in hand always finishes.
            for lane in lanes { lane.requestPoll() }
            let timer = Task {
                guard let interval else { return }
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return }
                    for lane in lanes { lane.requestPoll() }
                }
            }
            // A repository whose dispatch an instance sharing the store left unfinished (it died)
            // is polled here within `takeoverInterval` plus the store's quiet time, whatever the
            // poll interval: the poll finishes the dispatch through the same recovery.
            // Each abandoned dispatch is handed to one poll: one the poll cannot finish (its issue
            // moved on) is not polled for again and again.
            let takeover = Task { [takeoverInterval] in
                var handed: [String: Set<String>] = [:]
                while !Task.isCancelled {
                    do { try await Task.sleep(for: takeoverInterval) } catch { return }
                    for lane in lanes {
                        let name = lane.service.repo.name
                        let abandoned = await lane.service.store.abandonedDispatches(quiet: takeoverInterval)
                        let new = abandoned.subtracting(handed[name] ?? [])
                        handed[name] = abandoned
                        guard !new.isEmpty else { continue }
                        logger.notice("taking over \(name): \(new.count) dispatch(es) left unfinished by a process that no longer holds its lock")
                        lane.requestPoll()
                    }
                }
            }
            await withTaskGroup(of: Void.self) { group in
                for lane in lanes {
                    group.addTask { await lane.work(gate: gate, actor: actor, monitor: monitor, logger: logger) }
                }
            }
            timer.cancel()
            takeover.cancel()
        } onGracefulShutdown: {
            self.stop()
        }
        phase.withLock { if $0 != .stopping { $0 = .failed("the engine's loops ended") } }
    }

    /// Stops every lane after the event it is handling.
    public func stop() {
        phase.withLock { $0 = .stopping }
        for lane in lanes { lane.stop() }
    }

    // MARK: ServiceStatus

    public func healthProblem() async -> String? {
        switch phase.withLock({ $0 }) {
        case .starting: return "starting"
        case .running:
            let now = ContinuousClock.now
            let stalled = lanes.compactMap { lane -> String? in
                guard let since = lane.busySince, now - since > stallLimit else { return nil }
                return "\(lane.service.repo.name): one batch has taken \((now - since).components.seconds) s (a lock held elsewhere, or a request that does not end)"
            }
            return stalled.isEmpty ? nil : stalled.joined(separator: "; ")
        case .stopping: return "shutting down"
        case let .failed(reason): return reason
        }
    }

    public func statusJSON() async -> Data {
        do {
            let surveys = Dictionary(lanes.compactMap { lane in lane.lastSurvey.map { (lane.service.repo.name, $0) } }, uniquingKeysWith: { _, last in last })
            return try JSONText.data(try await StatusReport.of(services) { service, _ in surveys[service.repo.name] })
        } catch {
            return (try? JSONText.data(["error": "\(error)"])) ?? Data()
        }
    }

    // MARK: ServedRepositories

    public func servedRepositories() -> [ServedRepository] {
        lanes.map { lane in
            ServedRepository(
                service: lane.service, lastPoll: lane.lastPoll, lastError: lane.lastError, queuedEvents: lane.queued,
                busySurvey: lane.lastSurvey, watch: lane.watch)
        }
    }

    // MARK: OperatedRepositories

    private func lane(named repo: String) -> RepoLane? {
        lanes.first { $0.service.repo.name == repo }
    }

    public func operatorDispatch(repo: String, issue: Int, by actor: String) async -> OperatorDispatch? {
        guard let lane = lane(named: repo) else { return nil }
        let result = await lane.perform { service in await service.dispatch(issueNumber: issue, by: actor) }
        if let result { monitor?.dispatched(repo: repo, outcome: result.outcome) }
        if let change = result?.change { monitor?.issueChanged(repo: repo, change: change) }
        return result
    }

    public func operatorUnstick(repo: String, issue: Int, to target: UnstickTarget, by actor: String) async -> Result<UnstickResult, any Error>? {
        guard let lane = lane(named: repo) else { return nil }
        let monitor = self.monitor
        return await lane.perform { service -> Result<UnstickResult, any Error> in
            do {
                let result = try await service.unstick(issueNumber: issue, to: target, by: actor)
                if let change = result.change { monitor?.issueChanged(repo: repo, change: change) }
                return .success(result)
            } catch {
                return .failure(error)
            }
        }
    }

    public func operatorSync(repo: String) async -> Result<IssueCache, any Error>? {
        guard let lane = lane(named: repo) else { return nil }
        let monitor = self.monitor
        return await lane.perform { service -> Result<IssueCache, any Error> in
            do {
                let before = (try? await service.readCache().cache.issues) ?? [:]
                let cache = try await service.sync()
                for change in IssueChange.changes(from: before, to: cache.issues, history: service.history.current()) {
                    monitor?.issueChanged(repo: repo, change: change)
                }
                return .success(cache)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Nothing queued or in hand in any repository.
    public var isIdle: Bool { lanes.allSatisfy(\.isIdle) }

    /// When each repository was last polled successfully (nil: not yet), and its last error.
    public func pollState() -> [(repo: String, lastPoll: Date?, lastError: String?, queued: Int)] {
        lanes.map { ($0.service.repo.name, $0.lastPoll, $0.lastError, $0.queued) }
    }
}
