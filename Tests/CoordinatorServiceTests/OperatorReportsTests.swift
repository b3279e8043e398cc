import Coordinator
@testable import CoordinatorService
import Foundation
import Logging
import NIOCore
import Sandbox
import ServiceLifecycle
import XCTest

/// The headless commands' reports from `serve`, over real HTTP on 127.0.0.1 against a daemon on
/// the Sandbox: `GET /api/history`, `/api/repos/{name}/busy` and `/api/repos/{name}/plan` answer
/// exactly what `history --json`, `stuck --json` and `run --dry-run --json` print for the same
/// repository, to any operator (a read token); without a token `401`, an unknown repository
/// `404`, a bad parameter `400`, no survey yet `503`.
final class OperatorReportsTests: XCTestCase {
    static let aliceToken = "alice-operate-token-for-reports"
    static let bobToken = "bob-read-token-for-reports"
    static let operators = [
        ServeOperator(name: "alice", role: .operate, tokenDigest: TokenDigest(of: aliceToken)),
        ServeOperator(name: "bob", role: .read, tokenDigest: TokenDigest(of: bobToken)),
    ]
    static let pickup = "status-02:awaiting-planning", busyLabel = "status-06:implementing"

    private var daemon: DaemonHarness?
    private var probe: HTTPProbe?
    private var idle: IdleEngineEndpoint?

    override func tearDown() async throws {
        await daemon?.stop()
        daemon = nil
        probe?.shutdown()
        probe = nil
        await idle?.stop()
        idle = nil
        try await super.tearDown()
    }

    /// #1 is dispatched by the start-up poll (create-plan); #2 is eligible but has no linked branch
    /// (a dry run skips it); #3 has held a busy label since the scenario began, over its
    /// workflow's timeout: stuck.
    static let issues = [
        Scenario.Issue(number: 1, title: "Plan me", labels: [pickup], createdAt: "2026-11-20T08:00:00Z"),
        Scenario.Issue(number: 2, title: "Implement me", labels: ["status-05:plan-ready"], createdAt: "2026-11-20T08:00:00Z"),
        Scenario.Issue(number: 3, title: "Left busy", labels: [busyLabel], createdAt: "2026-11-20T08:00:00Z"),
    ]

    private func start() async throws -> DaemonHarness {
        let h = try await DaemonHarness.start(issues: Self.issues, operators: Self.operators)
        daemon = h
        try await h.settle()
        try await waitUntil("the survey after the start-up poll", timeout: .seconds(20)) {
            h.daemon.engine.servedRepositories().allSatisfy { $0.busySurvey != nil }
        }
        probe = HTTPProbe()
        return h
    }

    private func get(_ url: String, token: String? = bobToken) async throws -> (status: Int, body: String) {
        try await XCTUnwrap(probe).get(url, bearer: token)
    }

    private func error(_ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> APIErrorDocument {
        do {
            return try JSONDecoder().decode(APIErrorDocument.self, from: Data(body.utf8))
        } catch {
            XCTFail("not an error document: \(body)", file: file, line: line)
            throw error
        }
    }

    // MARK: GET /api/history

    func testHistoryAnswersWhatHistoryJSONPrints() async throws {
        let h = try await start()
        let services = h.base.workspace.repos
        let whole = try await get(h.url + "/api/history")
        XCTAssertEqual(whole.status, 200, whole.body)
        let expected = await RepoService.historyAudit(services).entries
        XCTAssertEqual(whole.body, try JSONText.encode(expected))
        let entries = try JSONText.decoder().decode([HistoryEntry].self, from: Data(whole.body.utf8))
        XCTAssertEqual(entries.map(\.issue), [1])
        XCTAssertEqual(entries.first?.by, "test (serve)")

        let filtered: [(String, HistoryFilter)] = [
            ("?issue=1", HistoryFilter(issue: 1)), ("?issue=2", HistoryFilter(issue: 2)),
            ("?repo=demo&since=2999-01-01", HistoryFilter(since: HistoryEntry.since("2999-01-01"))),
            ("?since=2026-01-01T00:00:00Z&issue=1", HistoryFilter(issue: 1, since: HistoryEntry.since("2026-01-01T00:00:00Z"))),
        ]
        for (query, filter) in filtered {
            let reply = try await get(h.url + "/api/history" + query)
            XCTAssertEqual(reply.status, 200, query)
            let expected = await RepoService.historyAudit(services, filter: filter).entries
            XCTAssertEqual(reply.body, try JSONText.encode(expected), query)
        }
        let none = try await get(h.url + "/api/history?issue=2")
        XCTAssertEqual(none.body, try JSONText.encode([HistoryEntry]()))
    }

    func testHistoryRefusesABadFilterOrAnUnknownRepository() async throws {
        let h = try await start()
        for query in ["issue=abc", "issue=0", "issue=-3", "since=yesterday", "since=", "issue=99999999999999999999"] {
            let reply = try await get(h.url + "/api/history?" + query)
            XCTAssertEqual(reply.status, 400, query)
            XCTAssertEqual(try error(reply.body).error, "bad_request", query)
        }
        let unknown = try await get(h.url + "/api/history?repo=demo&repo=other")
        XCTAssertEqual(unknown.status, 404)
        let document = try error(unknown.body)
        XCTAssertEqual(document.error, "not_found")
        XCTAssertTrue(document.message.contains("'other'") && document.message.contains("configured: demo"), document.message)
    }

    // MARK: GET /api/repos/{name}/busy

    func testBusyAnswersStuckJSONFromTheLastSurvey() async throws {
        let h = try await start()
        let reply = try await get(h.url + "/api/repos/demo/busy")
        XCTAssertEqual(reply.status, 200, reply.body)
        let report = try JSONText.decoder().decode(StuckReport.self, from: Data(reply.body.utf8))
        let served = try XCTUnwrap(h.daemon.engine.servedRepositories().first)
        let survey = try XCTUnwrap(served.busySurvey)
        XCTAssertEqual(report.name, "demo")
        XCTAssertEqual(report.busy, survey.count)
        XCTAssertEqual(report.busy, 2, "#1 after its dispatch, #3")
        XCTAssertEqual(report.stuck.map(\.number), [3])
        XCTAssertEqual(report.stuck.first?.busySinceSource, "events")
        XCTAssertEqual(report.stuck.first?.stuckReason?.contains("over the workflow's"), true, report.stuck.first?.stuckReason ?? "none")
        XCTAssertEqual(report.lastPoll, served.lastPoll.map(Timestamp.format))
        // The same document `stuck --json` prints for that survey, but for the times as of the answer.
        var expected = StuckReport(name: "demo", survey: survey, now: Date(), lastPoll: served.lastPoll)
        for index in expected.stuck.indices { expected.stuck[index].busyForSeconds = report.stuck[index].busyForSeconds }
        XCTAssertEqual(report, expected)
        for key in ["\"busy_label\"", "\"busy_since_source\"", "\"stuck_reason\"", "\"last_poll\""] {
            XCTAssertTrue(reply.body.contains(key), "\(key) in \(reply.body)")
        }
    }

    func testBusyBeforeTheFirstSurveyIs503() async throws {
        let idle = try await IdleEngineEndpoint.start(issues: Self.issues, operators: Self.operators)
        self.idle = idle
        probe = HTTPProbe()
        let reply = try await get(idle.url + "/api/repos/demo/busy")
        XCTAssertEqual(reply.status, 503, reply.body)
        let document = try error(reply.body)
        XCTAssertEqual(document.error, "no_survey")
        XCTAssertEqual(document.message, "serve has not surveyed the busy issues of demo yet; it follows the first poll, which has not ended")
    }

    // MARK: GET /api/repos/{name}/plan

    func testPlanAnswersWhatRunDryRunJSONPrintsAndChangesNothing() async throws {
        let h = try await start()
        let service = try XCTUnwrap(h.base.workspace.repos.first)
        let cacheFile = try XCTUnwrap(service.fileStore).fileURL
        let cacheBefore = try Data(contentsOf: cacheFile)
        let buildsBefore = await h.server.builds().count
        let labelWritesBefore = await h.server.requests().filter { $0.method != "GET" && !$0.path.hasSuffix("/graphql") }.count

        let reply = try await get(h.url + "/api/repos/demo/plan")
        XCTAssertEqual(reply.status, 200, reply.body)
        let local = await CoordinatorRun(services: [service], actor: "local (run)").run(RunOptions(dryRun: true))
        XCTAssertEqual(reply.body, try JSONText.encode(RunReportDocument(local, dryRun: true, mapping: service.rules.mapping)))
        let document = try JSONText.decoder().decode(RunReportDocument.self, from: Data(reply.body.utf8))
        XCTAssertTrue(document.dryRun)
        XCTAssertEqual(document.repos.map(\.name), ["demo"])
        XCTAssertEqual(document.repos.first?.issues.map(\.issue), [2])
        XCTAssertEqual(document.repos.first?.issues.first?.reasonCode, "no_linked_branch")

        let onward = try await get(h.url + "/api/repos/demo/plan?keep_going=true&force_refresh=true")
        XCTAssertEqual(onward.status, 200, onward.body)
        XCTAssertEqual(try JSONText.decoder().decode(RunReportDocument.self, from: Data(onward.body.utf8)).repos.first?.refresh, "full")

        XCTAssertEqual(try Data(contentsOf: cacheFile), cacheBefore, "the plan wrote the cache")
        let buildsAfter = await h.server.builds().count
        XCTAssertEqual(buildsAfter, buildsBefore)
        let labelWritesAfter = await h.server.requests().filter { $0.method != "GET" && !$0.path.hasSuffix("/graphql") }.count
        XCTAssertEqual(labelWritesAfter, labelWritesBefore)

        for query in ["keep_going=yes", "force_refresh=1", "keep_going="] {
            let bad = try await get(h.url + "/api/repos/demo/plan?" + query)
            XCTAssertEqual(bad.status, 400, query)
            XCTAssertEqual(try error(bad.body).error, "bad_request", query)
        }
    }

    // MARK: The gate and the 404

    func testEveryReportNeedsAKnownTokenAndAReadTokenIsEnough() async throws {
        let h = try await start()
        let paths = ["/api/history", "/api/history?issue=1", "/api/repos/demo/busy", "/api/repos/demo/plan"]
        for path in paths {
            for token in [nil, "a-wrong-guess"] {
                let reply = try await get(h.url + path, token: token)
                XCTAssertEqual(reply.status, 401, "\(path) \(token ?? "no token")")
                XCTAssertEqual(try error(reply.body).error, "unauthorized")
            }
            for token in [Self.bobToken, Self.aliceToken] {
                let reply = try await get(h.url + path, token: token)
                XCTAssertEqual(reply.status, 200, "\(path): \(reply.body)")
                XCTAssertFalse(reply.body.contains(token))
            }
        }
    }

    func testAnUnknownRepositoryIs404() async throws {
        let h = try await start()
        for path in ["/api/repos/other/busy", "/api/repos/other/plan", "/api/repos/%00%0a/busy"] {
            let reply = try await get(h.url + path)
            XCTAssertEqual(reply.status, 404, path)
            let document = try error(reply.body)
            XCTAssertEqual(document.error, "not_found", path)
            XCTAssertTrue(document.message.contains("configured: demo"), document.message)
        }
    }

    func testTheClientSays401WithTheVariableToSetAndNeverTheToken() async throws {
        let h = try await start()
        let client = ServerClient(target: ServerTarget(url: h.url, token: Secret("a-wrong-guess-token"), tokenVariable: "OPS_TOKEN"))
        do {
            _ = try await client.get("/api/history", as: [HistoryEntry].self, decoder: JSONText.decoder())
            XCTFail("a wrong token was accepted")
        } catch let error as ServerError {
            XCTAssertEqual(error.status, 401)
            XCTAssertTrue(error.message.contains("set OPS_TOKEN"), error.message)
            XCTAssertFalse(error.message.contains("a-wrong-guess-token"), error.message)
        }
        let reader = ServerClient(target: ServerTarget(url: h.url, token: Secret(Self.bobToken)))
        let report = try await reader.get("/api/repos/demo/busy", as: StuckReport.self, decoder: JSONText.decoder())
        XCTAssertEqual(report.name, "demo")
        await client.shutdown()
        await reader.shutdown()
    }
}

/// `serve`'s HTTP endpoint over an engine that has not run, so no repository has been polled or
/// surveyed yet: what a request meets in the first moments after `serve` starts.
private final class IdleEngineEndpoint: Sendable {
    let harness: ServeHarness
    let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    var url: String { "http://127.0.0.1:\(port)" }

    private init(harness: ServeHarness, port: Int, group: ServiceGroup, running: Task<Void, any Error>) {
        self.harness = harness
        self.port = port
        self.group = group
        self.running = running
    }

    static func start(issues: [Scenario.Issue], operators: [ServeOperator]) async throws -> IdleEngineEndpoint {
        let harness = try await ServeHarness.start(issues: issues, runEngine: false)
        let endpoint = ServiceEndpoint(host: "127.0.0.1", port: 0, webhookSecret: Secret(ServeHarness.webhookSecret), operators: operators)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = endpoint.application(
            sink: FakeWebhookSink(), status: FakeServiceStatus(), repositories: harness.engine, metrics: ServiceMetrics(),
            logger: ServeHarness.quietLogger
        ) { port in
            portSink.yield(port)
            portSink.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [application], logger: ServeHarness.quietLogger))
        let running = Task {
            defer { portSink.finish() }
            try await group.run()
        }
        var bound: Int?
        for await port in ports { bound = port }
        guard let bound else {
            await harness.stop()
            throw DaemonDidNotListen()
        }
        return IdleEngineEndpoint(harness: harness, port: bound, group: group, running: running)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await running.result
        await harness.stop()
    }
}
