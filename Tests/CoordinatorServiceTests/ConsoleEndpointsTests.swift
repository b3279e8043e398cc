import Coordinator
@testable import CoordinatorService
import Foundation
import Sandbox
import XCTest

/// The console protocol (`/api/console`) over real HTTP, through the client an attached console
/// uses (`ServerClient`): every call answers the core's own values as a local backend would, the
/// writes act through serve's lane as the operator, the roles and errors hold, and every cache
/// entry serve changes is an `issue` event.
final class ConsoleEndpointsTests: XCTestCase {
    static let aliceToken = "alice-console-operate-token"
    static let ritaToken = "rita-console-read-token"
    static let operators = [
        ServeOperator(name: "alice", role: .operate, tokenDigest: TokenDigest(of: aliceToken)),
        ServeOperator(name: "rita", role: .read, tokenDigest: TokenDigest(of: ritaToken)),
    ]
    private var daemon: DaemonHarness?
    private var clients: [ServerClient] = []

    override func tearDown() async throws {
        for client in clients { await client.shutdown() }
        clients = []
        await daemon?.stop()
        daemon = nil
        try await super.tearDown()
    }

    /// Webhooks refused (another secret), so only the operators act.
    private func start() async throws -> DaemonHarness {
        let issues = (1...3).map { Scenario.Issue(number: $0, title: "Issue \($0)", labels: ["bug"], createdAt: "2026-11-20T08:00:00Z") }
        let h = try await DaemonHarness.start(issues: issues, hookSecret: "not-the-daemons-secret", operators: Self.operators)
        daemon = h
        for number in 1...2 {
            _ = await h.server.setLabels(owner: "acme", repo: "demo", number: number, labels: ["status-02:awaiting-planning"])
        }
        return h
    }

    private func client(_ token: String?) throws -> ServerClient {
        let client = ServerClient(target: ServerTarget(url: try XCTUnwrap(daemon).url, token: token.map(Secret.init)))
        clients.append(client)
        return client
    }

    func testTheReadsAnswerWhatTheLocalBackendWouldSee() async throws {
        let h = try await start()
        let rita = try client(Self.ritaToken)
        let session = try await rita.get("/api/console", as: ConsoleSessionDocument.self)
        XCTAssertEqual(session.operatorName, "rita")
        XCTAssertEqual(session.role, "read")
        XCTAssertEqual(session.protocolVersion, ConsoleProtocol.version)
        let service = h.base.workspace.repos[0]
        XCTAssertEqual(session.repos, [service.profile], "the rules and policy travel whole")

        let snapshot = try await rita.get("/api/console/repos/demo/cache", as: CacheSnapshot.self)
        let local = try await service.cacheSnapshot()
        XCTAssertEqual(snapshot, local)
        XCTAssertEqual(snapshot.issues.count, 3)

        let live = try await rita.post("/api/console/repos/demo/live", as: [Issue].self)
        XCTAssertEqual(live.first { $0.number == 1 }?.labels, ["status-02:awaiting-planning"], "live, though the cache still says bug")
        let plans = try await rita.post("/api/console/repos/demo/previews", body: live.filter { $0.number <= 2 }, as: [Int: PreviewAnswer].self)
        guard case let .plan(.ready(plan))? = plans[1] else { return XCTFail("\(plans)") }
        XCTAssertEqual(plan.issueNumber, 1)

        let audit = try await rita.get("/api/console/history", as: HistoryAudit.self)
        let expected = await RepoService.historyAudit([service])
        XCTAssertEqual(audit, expected)
        let none = try await rita.get("/api/console/repos/demo/issues/1/log", as: LogLocation.self)
        guard case .unavailable = none else { return XCTFail("no dispatch yet, no log: \(none)") }
        _ = try await rita.get("/api/console/rate_limit", as: RateLimitSnapshot?.self)
    }

    func testWritesActAsTheOperatorAndEveryChangedEntryIsAnIssueEvent() async throws {
        let h = try await start()
        let alice = try client(Self.aliceToken)
        let events = try await alice.events(lastEventID: nil)

        let result = try await alice.post("/api/console/repos/demo/issues/1/dispatch", idempotencyKey: "console-1", as: OperatorDispatch.self)
        guard case let .dispatched(receipt) = result.outcome else { return XCTFail("\(result.outcome)") }
        XCTAssertEqual(receipt.labels, ["status-03:planning"])
        XCTAssertEqual(result.change?.cached?.labels, ["status-03:planning"])
        XCTAssertEqual(result.change?.history?.by, "alice (api)")
        // The same key again: the first answer, no second build.
        let replay = try await alice.post("/api/console/repos/demo/issues/1/dispatch", idempotencyKey: "console-1", as: OperatorDispatch.self)
        XCTAssertEqual(replay, result)
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, 1)

        // The dispatch's cache entry arrives as an `issue` event, in the console's own coding.
        let change = try await Self.issueEvent(in: events) { $0.change.number == 1 }
        XCTAssertEqual(change?.repo, "demo")
        XCTAssertEqual(change?.change, result.change)

        let unstuck = try await alice.post(
            "/api/console/repos/demo/issues/1/unstick", body: ["to": "pickup"], idempotencyKey: "console-2", as: UnstickResult.self)
        XCTAssertEqual(unstuck.labels, ["status-02:awaiting-planning"])
        XCTAssertEqual(unstuck.change?.history?.by, "alice (api)")
        do {
            _ = try await alice.post("/api/console/repos/demo/issues/3/unstick", body: ["to": "pickup"], as: UnstickResult.self)
            XCTFail("#3 is not busy")
        } catch let error as ServerError {
            XCTAssertEqual(error.status, 409)
            XCTAssertTrue(error.message.contains("#3"), error.message)
        }
        let synced = try await alice.post("/api/console/repos/demo/sync", as: CacheSnapshot.self)
        XCTAssertEqual(synced.issues[2]?.labels, ["status-02:awaiting-planning"])
        // The sync changed #2 and #3 (bug → their labels on GitHub): each an `issue` event.
        let synced2 = try await Self.issueEvent(in: events) {
            $0.change.number == 2 && $0.change.cached?.labels == ["status-02:awaiting-planning"]
        }
        XCTAssertNotNil(synced2)
    }

    /// The first `issue` event matching `wanted`, within 10 s (nil: none came).
    private static func issueEvent(
        in events: AsyncThrowingStream<ServerSentEvent, any Error>, where wanted: @escaping @Sendable (IssueEventDocument) -> Bool
    ) async throws -> IssueEventDocument? {
        try await withThrowingTaskGroup(of: IssueEventDocument?.self) { group in
            group.addTask {
                for try await event in events where event.event == "issue" {
                    let document = try ConsoleWire.decode(IssueEventDocument.self, from: Data(event.data.utf8))
                    if wanted(document) { return document }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    func testRolesTokensUnknownNamesAndBadRequests() async throws {
        let h = try await start()
        let rita = try client(Self.ritaToken)
        for path in ["/api/console/repos/demo/issues/1/dispatch", "/api/console/repos/demo/sync"] {
            do {
                _ = try await rita.post(path, as: OperatorDispatch.self)
                XCTFail("a read token acted on \(path)")
            } catch let error as ServerError {
                XCTAssertEqual(error.status, 403, path)
            }
        }
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, 0)
        do {
            _ = try await self.client("wrong-token").get("/api/console", as: ConsoleSessionDocument.self)
            XCTFail("a wrong token was let in")
        } catch let error as ServerError {
            XCTAssertEqual(error.status, 401)
            XCTAssertTrue(error.message.contains("refused the token"), error.message)
            XCTAssertFalse(error.message.contains("wrong-token"), error.message)
        }
        for path in ["/api/console/repos/nope/cache", "/api/console/repos/demo/issues/0/log"] {
            do {
                _ = try await rita.get(path, as: CacheSnapshot.self)
                XCTFail(path)
            } catch let error as ServerError {
                XCTAssertEqual(error.status, path.contains("nope") ? 404 : 400, "\(path): \(error)")
            }
        }
        // Another job's logs are not served through a repository.
        do {
            _ = try await rita.get("/api/console/repos/demo/log", query: [("job", "Other/job"), ("number", "1")], as: BuildLogBytes?.self)
            XCTFail("another job's log was served")
        } catch let error as ServerError {
            XCTAssertEqual(error.status, 403)
        }
        // A body that is not the protocol's JSON is a 400, not a trap.
        do {
            _ = try await rita.post("/api/console/repos/demo/previews", body: ["not": "issues"], as: [Int: PreviewAnswer].self)
            XCTFail("a bad body was taken")
        } catch let error as ServerError {
            XCTAssertEqual(error.status, 400)
        }
    }

    func testAConsoleOfAnotherProtocolVersionIsRefusedWithAMessage() async throws {
        let h = try await start()
        let probe = HTTPProbe()
        defer { probe.shutdown() }
        let answer = try await probe.post(
            h.url + "/api/console/repos/demo/sync",
            headers: [("Authorization", "Bearer \(Self.aliceToken)"), (ConsoleProtocol.versionHeader, "99")], body: Data())
        XCTAssertEqual(answer.status, 409)
        XCTAssertTrue(answer.body.contains("protocol_mismatch") && answer.body.contains("same coordinator version"), answer.body)
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, 0)
    }

    /// A quiet stream carries keepalives, so a client that gives up on silence stays attached;
    /// without them (a connection that died without a word) it gives up and says so.
    func testAQuietStreamIsKeptAliveAndASilentOneIsGivenUp() async throws {
        for (heartbeat, survives) in [(Duration.milliseconds(100), true), (Duration.seconds(60), false)] {
            let h = try await DaemonHarness.start(operators: Self.operators, eventHeartbeat: heartbeat)
            let client = ServerClient(target: ServerTarget(url: h.url, token: Secret(Self.ritaToken)))
            let events = try await client.events(lastEventID: nil, silence: .milliseconds(600))
            let outcome = await withTaskGroup(of: String.self) { group in
                group.addTask {
                    do {
                        for try await _ in events {}
                        return "ended"
                    } catch let error as ServerError {
                        return error.code
                    } catch {
                        return "\(error)"
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(2))
                    return "alive"
                }
                defer { group.cancelAll() }
                return await group.next() ?? "none"
            }
            XCTAssertEqual(outcome, survives ? "alive" : "silent", "heartbeat \(heartbeat)")
            await client.shutdown()
            await h.stop()
        }
    }
}
