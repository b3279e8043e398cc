import Coordinator
import CoordinatorConsole
import Foundation
import Synchronization

/// The console's backend over `serve`'s console protocol (`console --server`): every call is one
/// request to `/api/console`, answered by `serve` through the same core a local console uses, so
/// `serve` stays the single writer. Writes carry an `Idempotency-Key` and are sent again with the
/// same key when no answer came, so a lost answer never acts twice.
public final class RemoteBackend: ConsoleBackend {
    public let client: ServerClient
    public let session: ConsoleSessionDocument
    public let repos: [ConsoleRepo]

    /// Opens the session: who the token is, and the repositories. Refuses a `serve` of another
    /// console protocol.
    public static func connect(_ client: ServerClient) async throws -> RemoteBackend {
        let session = try await client.get("/api/console", as: ConsoleSessionDocument.self, timeout: .seconds(15))
        guard session.protocolVersion == ConsoleProtocol.version else {
            throw ServerError(
                status: nil, code: "protocol_mismatch",
                message: "serve at \(client.target.url) (\(session.serverVersion)) speaks console protocol \(session.protocolVersion), this console \(ConsoleProtocol.version): use the same coordinator version on both sides")
        }
        return RemoteBackend(client: client, session: session)
    }

    init(client: ServerClient, session: ConsoleSessionDocument) {
        self.client = client
        self.session = session
        repos = session.repos.map(ConsoleRepo.init(profile:))
    }

    /// The role's word: a read token makes the console read-only.
    public var mayOperate: Bool { session.role == "operate" }

    private func path(_ repo: String, _ rest: String = "") -> String {
        "/api/console/repos/\(ServerClient.segment(repo))\(rest)"
    }

    public func readCache(repo: String) async throws -> CacheSnapshot {
        try await call { try await client.get(path(repo, "/cache"), as: CacheSnapshot.self) }
    }

    public func fetchLive(repo: String) async throws -> [Issue] {
        try await call { try await client.post(path(repo, "/live"), as: [Issue].self) }
    }

    public func previews(repo: String, issues: [Issue]) async throws -> [Int: Result<PlanOutcome, ConsoleFailure>] {
        let answers = try await call { try await client.post(path(repo, "/previews"), body: issues, as: [Int: PreviewAnswer].self) }
        return answers.mapValues { answer in
            switch answer {
            case let .plan(outcome): return .success(outcome)
            case let .failed(message): return .failure(ConsoleFailure(message))
            }
        }
    }

    public func dispatch(repo: String, issueNumber: Int, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async -> OperatorDispatch {
        do {
            return try await write { key in
                try await self.client.post(
                    self.path(repo, "/issues/\(issueNumber)/dispatch"), idempotencyKey: key, as: OperatorDispatch.self)
            }
        } catch {
            // No answer even after the retries: serve may or may not have acted; its events and
            // the next read say which.
            return OperatorDispatch(outcome: .failed(DispatchFailure(
                issueNumber: issueNumber, stage: .prepare,
                message: "\(error) (serve may have acted on it: its events, or r, will show the issue as it is)", jobStarted: false)))
        }
    }

    public func sync(repo: String, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async throws -> CacheSnapshot {
        try await call {
            try await write { key in try await self.client.post(self.path(repo, "/sync"), idempotencyKey: key, as: CacheSnapshot.self) }
        }
    }

    public func rateLimit() async -> RateLimitSnapshot? {
        (try? await client.get("/api/console/rate_limit", as: RateLimitSnapshot?.self)) ?? nil
    }

    public func history() async throws -> HistoryAudit {
        try await call { try await client.get("/api/console/history", as: HistoryAudit.self) }
    }

    public func locateLog(repo: String, issue: Int, dispatchID: String?) async throws -> LogLocation {
        try await call {
            try await client.get(path(repo, "/issues/\(issue)/log"), query: dispatchID.map { [("dispatch", $0)] } ?? [], as: LogLocation.self)
        }
    }

    public func readLog(repo: String, build: LogBuild, start: Int?, limit: Int) async throws -> BuildLogBytes? {
        var query = [("job", build.jobPath), ("number", String(build.number)), ("limit", String(limit))]
        if let start { query.append(("start", String(start))) }
        return try await call { try await client.get(path(repo, "/log"), query: query, as: BuildLogBytes?.self) }
    }

    public func surveyBusy(repo: String, issues: [Issue], now: Date) async -> [BusyIssue] {
        (try? await client.post(path(repo, "/busy"), body: BusySurveyRequest(issues: issues, now: now), as: [BusyIssue].self)) ?? []
    }

    public func unstick(
        repo: String, issueNumber: Int, to target: UnstickTarget, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void
    ) async throws -> UnstickResult {
        try await call {
            try await write { key in
                try await self.client.post(
                    self.path(repo, "/issues/\(issueNumber)/unstick"), body: ["to": target.rawValue], idempotencyKey: key,
                    as: UnstickResult.self)
            }
        }
    }

    /// A request whose failure is the operator's message.
    private func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ServerError {
            throw ConsoleFailure(error.message)
        }
    }

    /// A write, sent again with the same `Idempotency-Key` while no answer comes (twice, a second
    /// apart): serve acts once and answers the retry with the first answer.
    private func write<T>(_ send: (String) async throws -> T) async throws -> T {
        let key = UUID().uuidString
        var attempt = 0
        while true {
            do {
                return try await send(key)
            } catch let error as ServerError where error.status == nil && attempt < 2 {
                attempt += 1
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

/// Keeps an attached console's event stream open: each event becomes a `ServerSignal` in the
/// inbox; when the stream drops it says so, waits (1 s, doubling to 15 s) and reconnects with the
/// last event id, so `serve` replays what was missed (or says to reload).
public final class ServerEventPump: Sendable {
    private let client: ServerClient
    private let inbox: Inbox
    private let task = Mutex<Task<Void, Never>?>(nil)

    public init(client: ServerClient, inbox: Inbox) {
        self.client = client
        self.inbox = inbox
    }

    public func start() {
        let (client, inbox) = (self.client, self.inbox)
        task.withLock {
            $0 = Task {
                var lastID: String?
                var delay = 1.0
                while !Task.isCancelled {
                    var reason = "the stream ended"
                    do {
                        let events = try await client.events(lastEventID: lastID)
                        inbox.post(.server(.connected))
                        delay = 1
                        for try await event in events {
                            if let id = event.id { lastID = id }
                            if let signal = Self.signal(event) { inbox.post(.server(signal)) }
                        }
                    } catch let error as ServerError {
                        reason = error.message
                    } catch {
                        reason = "\(error)"
                    }
                    if Task.isCancelled { return }
                    inbox.post(.server(.disconnected(reason: reason, retryAt: Date().addingTimeInterval(delay))))
                    try? await Task.sleep(for: .seconds(delay))
                    delay = min(delay * 2, 15)
                }
            }
        }
    }

    public func stop() {
        task.withLock { $0?.cancel() }
    }

    /// The console's reading of one event; nil for kinds it has no use for.
    static func signal(_ event: ServerSentEvent) -> ServerSignal? {
        struct RepoOnly: Decodable { var repo: String }
        let data = Data(event.data.utf8)
        switch event.event {
        case "issue":
            guard let document = try? ConsoleWire.decode(IssueEventDocument.self, from: data) else { return nil }
            return .issueChanged(repo: document.repo, document.change)
        case "poll":
            return (try? JSONDecoder().decode(RepoOnly.self, from: data)).map { .polled(repo: $0.repo) }
        case "build":
            return (try? JSONDecoder().decode(RepoOnly.self, from: data)).map { .buildsChanged(repo: $0.repo) }
        case "reload":
            return .reload
        default:
            return nil
        }
    }
}
