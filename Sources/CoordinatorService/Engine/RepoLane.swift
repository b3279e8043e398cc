import Coordinator
import Foundation
import Logging
import Synchronization

/// One repository's serial queue in `serve`: webhook events and safety-net polls are handled one
/// after another, in one locked session per batch, so a cron run or a console on the same cache
/// directory interleaves between batches and never inside one.
///
/// Events for one issue queued behind each other coalesce into the newest (by the issue's
/// `updated_at`, then arrival), keeping the place and arrival time of the first: memory is bounded
/// by the number of distinct issues waiting, however many deliveries arrive.
final class RepoLane: Sendable {
    let service: RepoService
    /// The builds and busy times of this repository's busy issues, asked after each poll.
    let watch: BusyWatch
    private let state = Mutex(State())
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    struct State {
        var order: [Int] = []
        var pending: [Int: Pending] = [:]
        var pollWanted = false
        var lastPoll: Date?
        var lastError: String?
        /// The busy issues as the last poll's survey found them.
        var lastSurvey: [BusyIssue]?
        var stopping = false
        /// Set while a batch is being handled.
        var busySince: ContinuousClock.Instant?
        /// Operator actions waiting, in arrival order.
        var actions: [Action] = []
    }

    /// An operator's action (dispatch, unstick, sync) run in the lane's turn; `cancel` answers
    /// its caller when the lane stops first.
    struct Action: Sendable {
        var run: @Sendable (RepoService) async -> Void
        var cancel: @Sendable () -> Void
    }

    struct Pending {
        var event: IssueEvent
        /// The first coalesced delivery's arrival: the latency runs from there.
        var firstReceived: ContinuousClock.Instant
    }

    /// At most this many events per locked session, so a burst does not hold the lock for long.
    static let batchLimit = 100

    init(service: RepoService) {
        self.watch = BusyWatch(service: service)
        self.service = service
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func submit(_ event: IssueEvent) {
        let number = event.payload.issue.number
        state.withLock { state in
            if let held = state.pending[number] {
                if Self.isNewer(event, than: held.event) { state.pending[number]?.event = event }
            } else {
                state.order.append(number)
                state.pending[number] = Pending(event: event, firstReceived: event.receivedAt)
            }
        }
        wake.yield()
    }

    func requestPoll() {
        state.withLock { $0.pollWanted = true }
        wake.yield()
    }

    /// Runs `body` on this repository in the lane's turn, between batches of events, so it never
    /// overlaps a webhook's or a poll's session of this process; nil when the lane stopped first.
    func perform<T: Sendable>(_ body: @escaping @Sendable (RepoService) async -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let action = Action(
                run: { service in continuation.resume(returning: await body(service)) },
                cancel: { continuation.resume(returning: nil) })
            let accepted = state.withLock { state -> Bool in
                guard !state.stopping else { return false }
                state.actions.append(action)
                return true
            }
            if accepted { wake.yield() } else { action.cancel() }
        }
    }

    /// Stops after the event being handled; what is still queued is left to the next start's poll,
    /// and the operators' actions still waiting are answered as not done.
    func stop() {
        let waiting = state.withLock { state -> [Action] in
            state.stopping = true
            defer { state.actions = [] }
            return state.actions
        }
        for action in waiting { action.cancel() }
        wake.finish()
    }

    var isStopping: Bool { state.withLock { $0.stopping } }
    var lastPoll: Date? { state.withLock { $0.lastPoll } }
    var lastError: String? { state.withLock { $0.lastError } }
    /// The busy issues as the last poll found them (nil before the first survey).
    var lastSurvey: [BusyIssue]? { state.withLock { $0.lastSurvey } }
    var queued: Int { state.withLock { $0.order.count } }
    var busySince: ContinuousClock.Instant? { state.withLock { $0.busySince } }
    /// Nothing queued, no poll asked for, no batch in hand.
    var isIdle: Bool { state.withLock { $0.order.isEmpty && !$0.pollWanted && $0.busySince == nil && $0.actions.isEmpty } }

    private static func isNewer(_ event: IssueEvent, than held: IssueEvent) -> Bool {
        switch (event.payload.issue.updatedAt, held.payload.issue.updatedAt) {
        case let (new?, old?): return new >= old
        default: return true
        }
    }

    private func take() -> (events: [Pending], poll: Bool, actions: [Action]) {
        state.withLock { state in
            guard !state.stopping else { return ([], false, []) }
            let numbers = state.order.prefix(Self.batchLimit)
            state.order.removeFirst(numbers.count)
            let events = numbers.compactMap { state.pending.removeValue(forKey: $0) }
            let actions = state.actions
            state.actions = []
            defer { state.pollWanted = false }
            if !events.isEmpty || state.pollWanted || !actions.isEmpty { state.busySince = .now }
            return (events, state.pollWanted, actions)
        }
    }

    /// Handles batches until stopped; `gate` bounds how many repositories work at once.
    func work(gate: Gate, actor: String, monitor: (any ServeMonitor)?, logger: Logger) async {
        for await _ in wakes {
            while true {
                let (events, poll, actions) = take()
                if events.isEmpty && !poll && actions.isEmpty { break }
                if !events.isEmpty || poll {
                    await gate.run { await self.handle(events, poll: poll, actor: actor, monitor: monitor, logger: logger) }
                }
                for action in actions {
                    await gate.run { await action.run(self.service) }
                }
                state.withLock { $0.busySince = nil }
            }
        }
    }

    private func handle(_ events: [Pending], poll: Bool, actor: String, monitor: (any ServeMonitor)?, logger: Logger) async {
        let repo = service.repo.name
        do {
            let polled: [Issue]? = try await service.withLock { locked in
                // What the session changes in the cache is told as `issue` events: after each
                // event its issue, after the poll every entry it changed.
                var before = locked.cache.issues
                for pending in events {
                    if isStopping { break }
                    let received = pending.firstReceived
                    locked.onJobRequested = { monitor?.webhookToJenkins(ContinuousClock.now - received) }
                    let outcome = await locked.react(to: pending.event.payload, actor: actor)
                    locked.onJobRequested = nil
                    if let outcome {
                        logger.info("webhook \(pending.event.delivery): \(outcome.summary)")
                        monitor?.dispatched(repo: repo, outcome: outcome)
                    }
                    let number = pending.event.payload.issue.number
                    if before[number] != locked.cache.issues[number] {
                        monitor?.issueChanged(repo: repo, change: locked.change(of: number))
                        before[number] = locked.cache.issues[number]
                    }
                }
                guard poll, !isStopping else { return nil }
                defer {
                    for change in IssueChange.changes(from: before, to: locked.cache.issues, history: service.history.current()) {
                        monitor?.issueChanged(repo: repo, change: change)
                    }
                }
                let report = await locked.run(RunOptions(keepGoing: true, reuseWindow: false), actor: actor, stopping: { self.isStopping })
                for outcome in report.outcomes { monitor?.dispatched(repo: repo, outcome: outcome) }
                if let error = report.error {
                    state.withLock { $0.lastError = error }
                    logger.error("poll of \(repo) failed: \(error)")
                } else {
                    state.withLock {
                        $0.lastPoll = Date()
                        $0.lastError = nil
                    }
                    monitor?.polled(repo: repo)
                    logger.debug("poll of \(repo): \(report.refresh?.rawValue ?? "-"), \(report.outcomes.count) dispatches")
                    return Array(locked.cache.issues.values)
                }
                return nil
            }
            // After the lock is released: the survey records build notes under it.
            if let polled, !isStopping {
                let busy = await watch.survey(polled)
                state.withLock { $0.lastSurvey = busy }
                monitor?.surveyed(repo: repo, busy: busy)
            }
        } catch {
            // The lock or the cache could not be had: the events are lost to this process, and the
            // next poll (which lists every change since the cursor) catches up.
            state.withLock { $0.lastError = "\(error)" }
            logger.error("\(repo): \(error)")
        }
    }
}
