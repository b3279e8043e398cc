import AsyncHTTPClient
import Coordinator
@testable import CoordinatorService
import Foundation
import NIOCore
import XCTest

/// Health, metrics, the status API and unknown paths, over real HTTP on 127.0.0.1 with the
/// endpoint running inside a `ServiceGroup`.
final class ServiceEndpointTests: XCTestCase {
    var live: LiveServiceEndpoint!

    override func tearDown() async throws {
        try await live?.stop()
        live = nil
        try await super.tearDown()
    }

    func start(apiToken: String? = nil) async throws {
        live = try await LiveServiceEndpoint.start(apiToken: apiToken)
    }

    // MARK: /healthz

    func testHealthzIs200OkWhileHealthy() async throws {
        try await start()
        let reply = try await live.send("GET", "/healthz")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.text, "ok\n")
    }

    func testHealthzIs503WithTheReasonWhenALoopIsDown() async throws {
        try await start()
        live.status.set(problem: "the poll loop of acme/widgets stopped: GitHub answered 401")
        let reply = try await live.send("GET", "/healthz")
        XCTAssertEqual(reply.status, 503)
        XCTAssertEqual(reply.text, "the poll loop of acme/widgets stopped: GitHub answered 401\n")
        live.status.set(problem: nil)
        let healthy = try await live.send("GET", "/healthz")
        XCTAssertEqual(healthy.status, 200)
    }

    // MARK: /metrics

    func testMetricsArePrometheusTextWithEveryName() async throws {
        try await start()
        live.metrics.dispatched(repo: "acme/widgets", outcome: .skipped(issue: 1, reason: .noLinkedBranch))
        live.metrics.githubRequest(status: 200)
        live.metrics.githubRateLimit(remaining: 4_999)
        live.metrics.polled(repo: "acme/widgets")
        live.metrics.webhookToJenkins(.milliseconds(12))
        live.metrics.stuckIssues(repo: "acme/widgets", count: 0)
        let reply = try await live.send("GET", "/metrics")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4"), true, reply.header("Content-Type") ?? "none")
        for name in ServiceMetricsTests.allNames {
            XCTAssertTrue(reply.text.contains("# TYPE \(name) "), "\(name) missing from:\n\(reply.text)")
        }
    }

    func testMetricsCountTheWebhookDeliveriesTheEndpointSaw() async throws {
        try await start()
        _ = try await live.send("POST", "/webhooks/github", headers: [("X-GitHub-Event", "issues")], body: .bytes(ByteBuffer(string: "{}")))
        let reply = try await live.send("GET", "/metrics")
        XCTAssertEqual(prometheusSample(reply.text, "coordinator_webhook_deliveries_total", #"result="bad_signature""#), 1)
    }

    // MARK: /api/status

    static let token = "api-token-for-tests"

    func testStatusWithTheRightTokenIsTheStatusDocument() async throws {
        try await start(apiToken: Self.token)
        let reply = try await live.send("GET", "/api/status", headers: [("Authorization", "Bearer \(Self.token)")])
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.header("Content-Type"), "application/json")
        XCTAssertEqual(reply.text, #"{"repos":[]}"#)
    }

    func testTheBearerSchemeIsCaseInsensitive() async throws {
        try await start(apiToken: Self.token)
        let reply = try await live.send("GET", "/api/status", headers: [("Authorization", "bearer \(Self.token)")])
        XCTAssertEqual(reply.status, 200)
    }

    func testStatusWithAMissingOrWrongTokenIs401() async throws {
        try await start(apiToken: Self.token)
        let attempts: [[(String, String)]] = [
            [],
            [("Authorization", "Bearer wrong-token")],
            [("Authorization", "Bearer \(Self.token)x")],
            [("Authorization", "Bearer \(Self.token.dropLast())")],
            [("Authorization", "Bearer ")],
            [("Authorization", Self.token)],
            [("Authorization", "Basic \(Self.token)")],
            [("Authorization", "Bearer  \(Self.token)")],
        ]
        for headers in attempts {
            let reply = try await live.send("GET", "/api/status", headers: headers)
            XCTAssertEqual(reply.status, 401, "\(headers): \(reply.text)")
            XCTAssertEqual(reply.header("WWW-Authenticate"), "Bearer")
            XCTAssertFalse(reply.text.contains(Self.token), reply.text)
            XCTAssertFalse(reply.text.contains("repos"), reply.text)
        }
    }

    func testWithoutAnAPITokenTheStatusRouteDoesNotExist() async throws {
        try await start(apiToken: nil)
        let reply = try await live.send("GET", "/api/status", headers: [("Authorization", "Bearer anything")])
        XCTAssertEqual(reply.status, 404)
    }

    func testAnEmptyAPITokenCountsAsNone() async throws {
        try await start(apiToken: "")
        let reply = try await live.send("GET", "/api/status", headers: [("Authorization", "Bearer ")])
        XCTAssertEqual(reply.status, 404)
    }

    // MARK: Anything else

    func testUnknownPathsAndMethodsAre404() async throws {
        try await start(apiToken: Self.token)
        let requests = [
            ("GET", "/"), ("GET", "/webhooks"), ("POST", "/healthz"), ("GET", "/api/other"), ("DELETE", "/metrics"),
            ("GET", "/metrics/extra"),
        ]
        for (method, path) in requests {
            let reply = try await live.send(method, path, headers: [("Authorization", "Bearer \(Self.token)")])
            XCTAssertEqual(reply.status, 404, "\(method) \(path)")
        }
    }

    // MARK: Lifecycle

    func testTheEndpointStopsWithItsServiceGroupAndFreesThePort() async throws {
        try await start()
        let port = live.port
        XCTAssertNotEqual(port, 0, "the bound port is reported, not the requested 0")
        try await live.stop()
        live = nil
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .milliseconds(500))))
        do {
            _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
            XCTFail("the endpoint still answers after its service group stopped")
        } catch {
            // Connection refused: nothing listens any more.
        }
        try await client.shutdown()
    }
}
