import Coordinator
@testable import CoordinatorService
import Foundation
import Logging
import Sandbox
import XCTest

/// The operator API's read side over real HTTP on 127.0.0.1: the bearer token gate (`401`), a
/// read token on every read endpoint, the documents from a daemon over the Sandbox, and the
/// `404` / `400` answers.
final class OperatorAPITests: XCTestCase {
    static let aliceToken = "alice-operate-token-for-tests"
    static let bobToken = "bob-read-token-for-tests"
    static let operators = [
        ServeOperator(name: "alice", role: .operate, tokenDigest: TokenDigest(of: aliceToken)),
        ServeOperator(name: "bob", role: .read, tokenDigest: TokenDigest(of: bobToken)),
    ]

    private var live: LiveServiceEndpoint?
    private var daemon: DaemonHarness?
    /// Made by `startDaemon` (an `HTTPClient` must be shut down, and XCTest makes an instance per test).
    private var probe: HTTPProbe?

    override func tearDown() async throws {
        try await live?.stop()
        live = nil
        await daemon?.stop()
        daemon = nil
        probe?.shutdown()
        probe = nil
        try await super.tearDown()
    }

    private func startEndpoint(logger: Logger? = nil) async throws -> LiveServiceEndpoint {
        let endpoint = try await LiveServiceEndpoint.start(logger: logger) { $0.operators = Self.operators }
        live = endpoint
        return endpoint
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            XCTFail("not a \(type): \(error)\n\(text)", file: file, line: line)
            throw error
        }
    }

    // MARK: The gate

    func testWithoutOrWithAWrongTokenEveryEndpointIs401() async throws {
        let live = try await startEndpoint()
        let attempts: [[(String, String)]] = [
            [], [("Authorization", "Bearer wrong-token")], [("Authorization", "Bearer \(Self.bobToken)x")],
            [("Authorization", "Basic \(Self.bobToken)")], [("Authorization", "Bearer ")],
        ]
        for path in ["/api/status", "/api/repos", "/api/repos/demo/issues", "/api/repos/demo/issues/1"] {
            for headers in attempts {
                let reply = try await live.send("GET", path, headers: headers)
                XCTAssertEqual(reply.status, 401, "\(path) \(headers)")
                XCTAssertEqual(reply.header("WWW-Authenticate"), "Bearer")
                XCTAssertEqual(reply.header("Content-Type"), "application/json")
                XCTAssertEqual(try decode(APIErrorDocument.self, reply.text).error, "unauthorized")
                XCTAssertFalse(reply.text.contains(Self.bobToken), reply.text)
            }
        }
    }

    func testAReadTokenReadsEveryReadEndpoint() async throws {
        let live = try await startEndpoint()
        for token in [Self.bobToken, Self.aliceToken] {
            let repos = try await live.send("GET", "/api/repos", headers: [("Authorization", "Bearer \(token)")])
            XCTAssertEqual(repos.status, 200, repos.text)
            XCTAssertEqual(try decode(RepoListDocument.self, repos.text), RepoListDocument(repos: []))
            let status = try await live.send("GET", "/api/status", headers: [("Authorization", "Bearer \(token)")])
            XCTAssertEqual(status.status, 200, status.text)
        }
    }

    func testTheSingleAPITokenStillWorksBesideTheOperators() async throws {
        let configured = ServiceEndpoint(host: "127.0.0.1", port: 0, webhookSecret: Secret("s"), apiToken: Secret("t"), operators: Self.operators)
        XCTAssertEqual(configured.operators.map(\.name), ["alice", "bob", "api"])
        XCTAssertEqual(configured.operators.last?.role, .operate)
        let endpoint = try await LiveServiceEndpoint.start(apiToken: "old-api-token") { $0.operators += Self.operators }
        live = endpoint
        for token in ["old-api-token", Self.bobToken] {
            let reply = try await endpoint.send("GET", "/api/repos", headers: [("Authorization", "Bearer \(token)")])
            XCTAssertEqual(reply.status, 200, token)
        }
    }

    func testAnUnknownRepositoryIs404() async throws {
        let live = try await startEndpoint()
        for path in ["/api/repos/nope/issues", "/api/repos/nope/issues?view=busy", "/api/repos/nope/issues/1", "/api/repos/%00%0a/issues"] {
            let reply = try await live.send("GET", path, headers: [("Authorization", "Bearer \(Self.bobToken)")])
            XCTAssertEqual(reply.status, 404, path)
            let error = try decode(APIErrorDocument.self, reply.text)
            XCTAssertEqual(error.error, "not_found", path)
        }
    }

    func testAnIssueNumberThatIsNotOneIs400() async throws {
        let live = try await startEndpoint()
        for number in ["abc", "-1", "0", "1.5", "99999999999999999999999999", "%31%00"] {
            let reply = try await live.send("GET", "/api/repos/nope/issues/\(number)", headers: [("Authorization", "Bearer \(Self.bobToken)")])
            XCTAssertEqual(reply.status, 400, number)
            XCTAssertEqual(try decode(APIErrorDocument.self, reply.text).error, "bad_request", number)
        }
    }

    func testNoTokenIsEverLoggedButTheOperatorsNameIs() async throws {
        let logs = CapturedLogs()
        var logger = Logger(label: "operator-api-logging-test") { _ in CapturingLogHandler(logs: logs) }
        logger.logLevel = .trace
        let live = try await startEndpoint(logger: logger)
        for token in [Self.bobToken, "a-wrong-guess-token", Self.aliceToken] {
            _ = try await live.send("GET", "/api/repos", headers: [("Authorization", "Bearer \(token)")])
        }
        try await live.stop()
        self.live = nil
        let lines = logs.lines
        XCTAssertTrue(lines.contains { $0.contains("operator=bob") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.contains("operator=alice") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.contains("refused") }, lines.joined(separator: "\n"))
        for line in lines {
            for secret in [Self.bobToken, Self.aliceToken, "a-wrong-guess-token"] {
                XCTAssertFalse(line.contains(secret), line)
            }
        }
    }

    // MARK: The documents, from a daemon over the Sandbox

    /// #1 is dispatched by the start-up poll (create-plan), #2 stays eligible (implement needs a
    /// linked branch it does not have), #3 has no pickup label, #4 holds pickup and busy at once.
    private func startDaemon() async throws -> DaemonHarness {
        let h = try await DaemonHarness.start(
            issues: [
                Scenario.Issue(number: 1, title: "Plan me", labels: ["status-02:awaiting-planning"], createdAt: "2026-11-20T08:00:00Z"),
                Scenario.Issue(number: 2, title: "Implement me", labels: ["status-05:plan-ready"], createdAt: "2026-11-20T08:00:00Z"),
                Scenario.Issue(number: 3, title: "Plain", labels: ["bug"], createdAt: "2026-11-20T08:00:00Z"),
                Scenario.Issue(
                    number: 4, title: "Half moved", labels: ["status-02:awaiting-planning", "status-03:planning"],
                    createdAt: "2026-11-20T08:00:00Z"),
            ],
            operators: Self.operators)
        daemon = h
        // The start-up dispatch's label moves come back as deliveries: let them be handled, so
        // the figures hold still.
        try await h.settle()
        probe = HTTPProbe()
        return h
    }

    private func get(_ h: DaemonHarness, _ path: String, token: String = bobToken) async throws -> (status: Int, body: String) {
        try await XCTUnwrap(probe).get(h.url + path, bearer: token)
    }

    func testReposListsEachRepositoryWithItsFigures() async throws {
        let h = try await startDaemon()
        let reply = try await get(h, "/api/repos")
        XCTAssertEqual(reply.status, 200, reply.body)
        let list = try decode(RepoListDocument.self, reply.body)
        let repo = try XCTUnwrap(list.repos.first)
        XCTAssertEqual(list.repos.count, 1)
        XCTAssertEqual(repo.name, "demo")
        XCTAssertEqual(repo.fullName, "acme/demo")
        XCTAssertEqual(repo.openIssues, 4)
        XCTAssertEqual(repo.eligible, 1, "#2")
        XCTAssertEqual(repo.busy, 2, "#1 after its dispatch, #4")
        XCTAssertEqual(repo.conflicts, 1, "#4")
        XCTAssertEqual(repo.unfinishedDispatches, 0)
        XCTAssertEqual(repo.queuedEvents, 0)
        XCTAssertNotNil(repo.lastPoll.flatMap(Timestamp.parse))
        XCTAssertNotNil(repo.lastChecked.flatMap(Timestamp.parse))
        XCTAssertNil(repo.lastError)
    }

    func testIssuesAreListedPerViewWithEligibilityAndLastDispatch() async throws {
        let h = try await startDaemon()
        let all = try decode(IssueListDocument.self, try await get(h, "/api/repos/demo/issues?view=all").body)
        XCTAssertEqual(all.view, .all)
        XCTAssertEqual(all.issues.map(\.number), [1, 2, 3, 4])
        let byNumber = Dictionary(uniqueKeysWithValues: all.issues.map { ($0.number, $0) })

        let one = try XCTUnwrap(byNumber[1])
        XCTAssertEqual(one.title, "Plan me")
        XCTAssertFalse(one.eligible)
        XCTAssertEqual(one.eligibility, "not eligible: a bot is busy ('status-03:planning')")
        XCTAssertEqual(one.busyLabel, "status-03:planning")
        XCTAssertEqual(one.workflow, "create-plan")
        let dispatch = try XCTUnwrap(one.lastDispatch)
        XCTAssertEqual(dispatch.by, "test (serve)")
        XCTAssertEqual(dispatch.kind, "dispatch")
        XCTAssertEqual(dispatch.move, "status-02:awaiting-planning → status-03:planning")
        XCTAssertEqual(dispatch.ended, "done")
        XCTAssertNotNil(dispatch.queueID)

        let two = try XCTUnwrap(byNumber[2])
        XCTAssertTrue(two.eligible)
        XCTAssertEqual(two.eligibility, "eligible")
        XCTAssertEqual(two.workflow, "implement")
        XCTAssertNil(two.busyLabel)
        XCTAssertNil(two.lastDispatch)
        XCTAssertEqual(byNumber[3]?.eligibility, "not eligible: no pickup label")
        XCTAssertEqual(byNumber[3]?.labels, ["bug"])
        XCTAssertEqual(byNumber[4]?.eligibility.hasPrefix("conflict: "), true)

        let eligible = try decode(IssueListDocument.self, try await get(h, "/api/repos/demo/issues?view=eligible").body)
        XCTAssertEqual(eligible.issues.map(\.number), [2])
        let busy = try decode(IssueListDocument.self, try await get(h, "/api/repos/demo/issues?view=busy").body)
        XCTAssertEqual(busy.issues.map(\.number), [1, 4])
        let unspecified = try decode(IssueListDocument.self, try await get(h, "/api/repos/demo/issues").body)
        XCTAssertEqual(unspecified, all, "the default view is all")
    }

    func testABadViewIs400() async throws {
        let h = try await startDaemon()
        for view in ["stale", "", "ALL", "eligible,busy"] {
            let reply = try await get(h, "/api/repos/demo/issues?view=\(view)")
            XCTAssertEqual(reply.status, 400, view)
            let error = try decode(APIErrorDocument.self, reply.body)
            XCTAssertEqual(error.error, "bad_request")
            XCTAssertTrue(error.message.contains("eligible, busy, all"), error.message)
        }
    }

    func testAnIssueComesWithItsHistoryTrail() async throws {
        let h = try await startDaemon()
        let reply = try await get(h, "/api/repos/demo/issues/1")
        XCTAssertEqual(reply.status, 200, reply.body)
        let detail = try decode(IssueDetailDocument.self, reply.body)
        XCTAssertEqual(detail.repo, "demo")
        XCTAssertEqual(detail.issue.number, 1)
        XCTAssertEqual(detail.history.count, 1)
        XCTAssertEqual(detail.history.first, detail.issue.lastDispatch)
        XCTAssertEqual(detail.history.first?.workflow, "create-plan")
        // "done", and "; build #1 ended: success" once the survey after the poll saw the build end.
        XCTAssertEqual(detail.history.first?.state.hasPrefix("done"), true, detail.history.first?.state ?? "none")
        XCTAssertEqual(detail.history.first?.ended, "done")

        let quiet = try decode(IssueDetailDocument.self, try await get(h, "/api/repos/demo/issues/3").body)
        XCTAssertEqual(quiet.history, [])
    }

    func testAnUnknownIssueOrRepositoryIs404() async throws {
        let h = try await startDaemon()
        for path in ["/api/repos/demo/issues/99", "/api/repos/other/issues", "/api/repos/other/issues/1"] {
            let reply = try await get(h, path)
            XCTAssertEqual(reply.status, 404, path)
            XCTAssertEqual(try decode(APIErrorDocument.self, reply.body).error, "not_found", path)
        }
        let unknown = try decode(APIErrorDocument.self, try await get(h, "/api/repos/other/issues").body)
        XCTAssertTrue(unknown.message.contains("configured: demo"), unknown.message)
    }

    func testTheDocumentsAreSnakeCaseJSON() async throws {
        let h = try await startDaemon()
        let repos = try await get(h, "/api/repos").body
        for key in ["\"full_name\"", "\"open_issues\"", "\"unfinished_dispatches\"", "\"last_poll\""] {
            XCTAssertTrue(repos.contains(key), "\(key) in \(repos)")
        }
        let issue = try await get(h, "/api/repos/demo/issues/1").body
        for key in ["\"busy_label\"", "\"last_dispatch\"", "\"dispatch_id\"", "\"started_at\"", "\"queue_id\""] {
            XCTAssertTrue(issue.contains(key), "\(key) in \(issue)")
        }
    }
}

