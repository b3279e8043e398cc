import AsyncHTTPClient
import Coordinator
@testable import CoordinatorService
import Foundation
import NIOCore
import Sandbox
import XCTest

/// The operator API's write side over real HTTP: the operate role's dispatch, unstick and sync
/// through `serve`'s lanes, each in the history as the operator's; a read token refused; a
/// retried `Idempotency-Key` answering the first request's answer with one build.
final class OperatorWritesTests: XCTestCase {
    static let aliceToken = "alice-operate-token-for-writes"
    static let bobToken = "bob-read-token-for-writes"
    static let operators = [
        ServeOperator(name: "alice", role: .operate, tokenDigest: TokenDigest(of: aliceToken)),
        ServeOperator(name: "bob", role: .read, tokenDigest: TokenDigest(of: bobToken)),
    ]
    private var daemon: DaemonHarness?
    private var http: HTTPClient?

    override func setUp() async throws {
        try await super.setUp()
        http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    override func tearDown() async throws {
        await daemon?.stop()
        daemon = nil
        try await http?.shutdown()
        http = nil
        try await super.tearDown()
    }

    /// A daemon whose webhooks are refused (the Sandbox signs with another secret), so an issue
    /// relabelled on GitHub waits for an operator instead of being dispatched by `serve` itself.
    private func start() async throws -> DaemonHarness {
        let issues = (1...3).map { Scenario.Issue(number: $0, title: "Issue \($0)", labels: ["bug"], createdAt: "2026-11-20T08:00:00Z") }
        let h = try await DaemonHarness.start(issues: issues, hookSecret: "not-the-daemons-secret", operators: Self.operators)
        daemon = h
        for number in 1...3 {
            _ = await h.server.setLabels(owner: "acme", repo: "demo", number: number, labels: ["status-02:awaiting-planning"])
        }
        return h
    }

    private func post(
        _ path: String, token: String?, body: String? = nil, key: String? = nil
    ) async throws -> Answer {
        try await Self.post(try XCTUnwrap(http), try XCTUnwrap(daemon).url + path, token: token, body: body, key: key)
    }

    struct Answer: @unchecked Sendable {
        var status: Int
        var json: [String: Any]
        var headers: [String: String]
    }

    private static func post(
        _ http: HTTPClient, _ url: String, token: String?, body: String? = nil, key: String? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), json: json, headers: headers)
    }

    func testAReadTokenOrNoTokenActsOnNothing() async throws {
        let h = try await start()
        for path in ["/api/repos/demo/issues/1/dispatch", "/api/repos/demo/issues/1/unstick", "/api/repos/demo/sync"] {
            let read = try await post(path, token: Self.bobToken, body: #"{"to":"pickup"}"#)
            XCTAssertEqual(read.status, 403, path)
            XCTAssertEqual(read.json["error"] as? String, "forbidden")
            let none = try await post(path, token: nil, body: #"{"to":"pickup"}"#)
            XCTAssertEqual(none.status, 401, path)
        }
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, 0)
    }

    func testADispatchThroughTheAPIIsTheOperatorsAndARetriedKeyStartsOneBuild() async throws {
        let h = try await start()
        // Two requests with one key at once, then the same key again later.
        let (client, url) = (try XCTUnwrap(http), h.url + "/api/repos/demo/issues/1/dispatch")
        async let first = Self.post(client, url, token: Self.aliceToken, key: "retry-me-1")
        async let second = Self.post(client, url, token: Self.aliceToken, key: "retry-me-1")
        let answers = try await [first, second]
        let third = try await post("/api/repos/demo/issues/1/dispatch", token: Self.aliceToken, key: "retry-me-1")
        for answer in answers + [third] {
            XCTAssertEqual(answer.status, 200, "\(answer.json)")
            XCTAssertEqual(answer.json["outcome"] as? String, "dispatched")
            XCTAssertEqual(answer.json["labels"] as? [String], ["status-03:planning"])
            XCTAssertEqual(answer.json["by"] as? String, "alice (api)")
        }
        XCTAssertEqual(answers.filter { $0.headers["idempotent-replayed"] == "true" }.count, 1, "one of the two acted")
        XCTAssertEqual(third.headers["idempotent-replayed"], "true")
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, 1, "one build for three requests")
        let history = h.base.workspace.repos[0].history.current()
        XCTAssertEqual(history.last(issue: 1)?.by, "alice (api)")

        // The same key for another request is refused; without a key the issue is no longer eligible.
        let reused = try await post("/api/repos/demo/issues/2/dispatch", token: Self.aliceToken, key: "retry-me-1")
        XCTAssertEqual(reused.status, 422)
        XCTAssertEqual(reused.json["error"] as? String, "idempotency_key_reused")
        let again = try await post("/api/repos/demo/issues/1/dispatch", token: Self.aliceToken)
        XCTAssertEqual(again.status, 409, "\(again.json)")
        XCTAssertEqual(again.json["outcome"] as? String, "skipped")
        let stillOne = await h.base.builds()
        XCTAssertEqual(stillOne.count, 1)
    }

    func testUnstickSyncRefreshAndTheirErrors() async throws {
        let h = try await start()
        let dispatched = try await post("/api/repos/demo/issues/2/dispatch", token: Self.aliceToken)
        XCTAssertEqual(dispatched.status, 200, "\(dispatched.json)")
        let bad = try await post("/api/repos/demo/issues/2/unstick", token: Self.aliceToken, body: #"{"to":"sideways"}"#)
        XCTAssertEqual(bad.status, 400)
        let unstuck = try await post("/api/repos/demo/issues/2/unstick", token: Self.aliceToken, body: #"{"to":"pickup"}"#)
        XCTAssertEqual(unstuck.status, 200, "\(unstuck.json)")
        XCTAssertEqual(unstuck.json["removed"] as? String, "status-03:planning")
        XCTAssertEqual(unstuck.json["added"] as? String, "status-02:awaiting-planning")
        let labels = await h.base.labels(2)
        XCTAssertEqual(labels, ["status-02:awaiting-planning"])
        let history = h.base.workspace.repos[0].history.current()
        XCTAssertEqual(history.last(issue: 2)?.isReset, true)
        XCTAssertEqual(history.last(issue: 2)?.by, "alice (api)")
        let notBusy = try await post("/api/repos/demo/issues/3/unstick", token: Self.aliceToken, body: #"{"to":"pickup"}"#)
        XCTAssertEqual(notBusy.status, 409, "\(notBusy.json)")
        XCTAssertEqual(notBusy.json["error"] as? String, "not_unstuck")

        let synced = try await post("/api/repos/demo/sync", token: Self.aliceToken)
        XCTAssertEqual(synced.status, 200, "\(synced.json)")
        XCTAssertEqual(synced.json["open_issues"] as? Int, 3)
        let refreshed = try await post("/api/repos/demo/refresh", token: Self.bobToken)
        XCTAssertEqual(refreshed.status, 200, "a live read is a read")
        let rows = refreshed.json["issues"] as? [[String: Any]] ?? []
        XCTAssertEqual(rows.count, 3)
        let unknown = try await post("/api/repos/nope/issues/1/dispatch", token: Self.aliceToken)
        XCTAssertEqual(unknown.status, 404)
        let badKey = try await post("/api/repos/demo/sync", token: Self.aliceToken, key: String(repeating: "k", count: 300))
        XCTAssertEqual(badKey.status, 400)
    }
}
