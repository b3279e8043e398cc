import Coordinator
import CoordinatorService
import Foundation
import Sandbox
import XCTest

/// The whole daemon against the Sandbox's webhook sender, over real HTTP on 127.0.0.1: a label
/// change in the Sandbox becomes a signed delivery, a dispatch, a label move and a cache update.
final class ServeWebhookTests: XCTestCase {
    private var harness: DaemonHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    private static func unlabelled(_ count: Int) -> [Scenario.Issue] {
        (1...count).map { Scenario.Issue(number: $0, title: "Issue \($0)", createdAt: "2026-11-20T08:00:00Z") }
    }

    func testARelabelBecomesExactlyOneBuildWithoutAnyPoll() async throws {
        let h = try await DaemonHarness.start(issues: Self.unlabelled(3))
        harness = h
        let listingsAtStart = await h.server.requests().filter { $0.path.hasSuffix("/issues") }.count

        _ = await h.server.setLabels(owner: "acme", repo: "demo", number: 3, labels: ["status-02:awaiting-planning", "bug"])

        try await waitUntil("#3 dispatched", timeout: .seconds(10)) {
            await h.base.labels(3) == ["bug", "status-03:planning"]
        }
        try await h.settle()
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, 1)
        let cached = try await h.base.cachedLabels(3)
        XCTAssertEqual(cached.map(Set.init), ["bug", "status-03:planning"])
        let listings = await h.server.requests().filter { $0.path.hasSuffix("/issues") }.count
        XCTAssertEqual(listings, listingsAtStart, "no listing: the delivery alone led to the dispatch")
        XCTAssertEqual(h.metric("coordinator_dispatches_total", "repo=\"demo\",outcome=\"dispatched\""), 1)
        XCTAssertGreaterThanOrEqual(h.metric("coordinator_webhook_deliveries_total", "result=\"accepted\"") ?? 0, 1)
        XCTAssertEqual(h.metric("coordinator_webhook_to_jenkins_seconds_count"), 1, h.daemon.metrics.render())
    }

    func testForgedMissingAndWrongSecretSignaturesAreRefusedAndCounted() async throws {
        for (name, secret) in [("wrong secret", "not-the-secret"), ("unsigned", nil)] {
            let h = try await DaemonHarness.start(issues: Self.unlabelled(2), hookSecret: secret)
            harness = h
            _ = await h.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-02:awaiting-planning"])
            let settled = await h.server.waitForWebhookDeliveries(timeout: .seconds(10))
            XCTAssertTrue(settled, name)
            let answered = h.server.webhookDeliveries().map(\.outcome)
            XCTAssertEqual(answered, [.answered(status: 401)], name)
            XCTAssertEqual(h.metric("coordinator_webhook_deliveries_total", "result=\"bad_signature\""), 1, name)
            let builds = await h.server.builds()
            XCTAssertTrue(builds.isEmpty, name)
            await h.stop()
            harness = nil
        }
    }

    // MARK: Deliveries as GitHub sends them

    func testAFormEncodedRelabelBecomesExactlyOneBuild() async throws {
        // GitHub's web form sets a hook up as application/x-www-form-urlencoded unless told otherwise.
        let h = try await DaemonHarness.start(issues: Self.unlabelled(2), hookContentType: .form)
        harness = h
        XCTAssertEqual(h.hook.contentType, .form)

        _ = await h.server.setLabels(owner: "acme", repo: "demo", number: 2, labels: ["status-02:awaiting-planning"])

        try await waitUntil("#2 dispatched", timeout: .seconds(10)) {
            await h.base.labels(2) == ["status-03:planning"]
        }
        try await h.settle()
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, 1)
        let answered = h.server.webhookDeliveries().map(\.outcome)
        XCTAssertFalse(answered.isEmpty)
        XCTAssertTrue(answered.allSatisfy { $0 == .answered(status: 202) }, "\(answered)")
        XCTAssertEqual(h.metric("coordinator_webhook_deliveries_total", "result=\"malformed\""), 0)
        XCTAssertEqual(h.metric("coordinator_dispatches_total", "repo=\"demo\",outcome=\"dispatched\""), 1)
    }

    func testAFormEncodedDeliveryWithAWrongSignatureIsRefused() async throws {
        let h = try await DaemonHarness.start(issues: Self.unlabelled(1), hookSecret: "not-the-secret", hookContentType: .form)
        harness = h
        _ = await h.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-02:awaiting-planning"])
        let settled = await h.server.waitForWebhookDeliveries(timeout: .seconds(10))
        XCTAssertTrue(settled)
        XCTAssertEqual(h.server.webhookDeliveries().map(\.outcome), [.answered(status: 401)])
        XCTAssertEqual(h.metric("coordinator_webhook_deliveries_total", "result=\"bad_signature\""), 1)
        let builds = await h.server.builds()
        XCTAssertTrue(builds.isEmpty)
    }

    func testAnOrganisationHookDeliveryForASecondRepositoryIsOneBuildThere() async throws {
        // One URL for every repository of an organisation (or a GitHub App's installation): the
        // repository comes from the payload, which also carries `installation` and `organization`.
        let h = try await DaemonHarness.start(repos: [
            Scenario.Repository(owner: "acme", name: "demo", issues: Self.unlabelled(1)),
            Scenario.Repository(owner: "acme", name: "tools", issues: Self.unlabelled(2)),
        ])
        harness = h
        // The delivery is made by hand, so the Sandbox's own hook must not send one too.
        XCTAssertTrue(h.server.removeWebhook(id: h.hook.id))
        _ = await h.server.setLabels(owner: "acme", repo: "tools", number: 2, labels: ["status-02:awaiting-planning"])
        let body = try await h.base.payload("labeled", issue: 2, repo: "tools", extra: [
            "installation": #"{"id": 49131245, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDkxMzEyNDU="}"#,
            "organization": #"{"login": "acme", "id": 9919, "url": "https://api.github.com/orgs/acme"}"#,
            "label": #"{"name": "status-02:awaiting-planning"}"#,
        ])
        let signature = try XCTUnwrap(WebhookSignature(secret: Secret(ServeHarness.webhookSecret)).header(for: body))
        let client = HTTPProbe()
        defer { client.shutdown() }
        let reply = try await client.post(h.url + "/webhooks/github", headers: [
            ("Content-Type", "application/json"), ("X-GitHub-Event", "issues"), ("X-GitHub-Delivery", UUID().uuidString),
            ("X-GitHub-Hook-Installation-Target-Type", "integration"), ("X-Hub-Signature-256", signature),
        ], body: body)
        XCTAssertEqual(reply.status, 202, reply.body)
        XCTAssertTrue(reply.body.contains("acme/tools#2"), reply.body)

        try await waitUntil("tools#2 dispatched", timeout: .seconds(10)) {
            await h.base.labels(2, repo: "tools") == ["status-03:planning"]
        }
        try await h.settle()
        let tools = await h.base.builds(of: "tools")
        let demo = await h.base.builds(of: "demo")
        XCTAssertEqual(tools.count, 1)
        XCTAssertEqual(demo.count, 0)
        XCTAssertEqual(h.metric("coordinator_dispatches_total", "repo=\"tools\",outcome=\"dispatched\""), 1)
    }

    func testAFourthOfTheDeliveriesLostAndEveryIssueIsStillDispatchedOnceByThePoll() async throws {
        // 30 % of 200 relabels never arrive; the safety-net poll finds them.
        let count = 200
        let h = try await DaemonHarness.start(issues: Self.unlabelled(count), pollInterval: .seconds(2))
        harness = h
        h.server.injectWebhookFault(.drop(share: 0.3, seed: 42))
        for number in 1...count {
            _ = await h.server.setLabels(owner: "acme", repo: "demo", number: number, labels: ["status-02:awaiting-planning"])
        }
        try await waitUntil("every issue dispatched", timeout: .seconds(60)) {
            await h.server.builds().count >= count
        }
        let settled = await h.server.waitForWebhookDeliveries(timeout: .seconds(10))
        XCTAssertTrue(settled)
        let dropped = h.server.webhookDeliveries().filter { if case .dropped = $0.outcome { true } else { false } }.count
        XCTAssertGreaterThan(dropped, count / 5, "the fault dropped about 30 %")
        // One more poll interval: nothing is dispatched twice.
        let polled = h.daemon.engine.pollState().first?.lastPoll
        try await waitUntil("another poll", timeout: .seconds(10)) { h.daemon.engine.pollState().first?.lastPoll != polled }
        let builds = await h.base.builds()
        XCTAssertEqual(builds.count, count)
        XCTAssertEqual(Set(builds.compactMap { $0.parameters["COMMAND"] }).count, count, "one build per issue")
        for number in 1...count {
            let labels = await h.base.labels(number)
            XCTAssertEqual(labels, ["status-03:planning"], "#\(number)")
        }
    }

    func testEachPollCountsTheStuckIssuesForTheMetric() async throws {
        // #1 has been implementing since it was created (GitHub's label events), far past 120
        // minutes; #2 was labelled busy a moment ago; #3 is not busy.
        let recent = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        let h = try await DaemonHarness.start(issues: [
            Scenario.Issue(number: 1, title: "Stuck", labels: ["status-06:implementing"], createdAt: "2026-11-20T08:00:00Z"),
            Scenario.Issue(number: 2, title: "Busy", labels: ["status-03:planning"], createdAt: recent),
            Scenario.Issue(number: 3, title: "Idle", labels: ["status-04:plan-review"], createdAt: "2026-11-20T08:00:00Z"),
        ])
        harness = h
        try await waitUntil("the stuck-issues gauge", timeout: .seconds(20)) {
            h.metric("coordinator_stuck_issues", "repo=\"demo\"") != nil
        }
        XCTAssertEqual(h.metric("coordinator_stuck_issues", "repo=\"demo\""), 1, h.daemon.metrics.render())
        let requests = await h.server.requests()
        XCTAssertEqual(requests.filter { $0.path.hasSuffix("/events") }.map(\.path), [], "no issue's REST events")
        XCTAssertEqual(requests.filter { $0.path.hasSuffix("/graphql") }.count, 1, "both busy issues in one lookup, once")

        // /api/status carries the same survey.
        let statusData = await h.daemon.engine.statusJSON()
        let status = try XCTUnwrap(JSONSerialization.jsonObject(with: statusData) as? [[String: Any]])
        let busy = try XCTUnwrap(status.first?["busy"] as? [[String: Any]])
        XCTAssertEqual(busy.compactMap { $0["number"] as? Int }, [1, 2])
        XCTAssertEqual(busy.compactMap { $0["stuck"] as? Bool }, [true, false])
        XCTAssertEqual(busy.first?["busy_since_source"] as? String, "events")
    }

    func testHealthMetricsAndStatusOverHTTP() async throws {
        let h = try await DaemonHarness.start(issues: Self.unlabelled(1), apiToken: "api-token-for-test")
        harness = h
        let client = HTTPProbe()
        defer { client.shutdown() }
        let health = try await client.get(h.url + "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.body.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
        let metrics = try await client.get(h.url + "/metrics")
        XCTAssertTrue(metrics.body.contains("coordinator_last_poll_age_seconds{repo=\"demo\"}"), metrics.body)
        let refused = try await client.get(h.url + "/api/status")
        XCTAssertEqual(refused.status, 401)
        let status = try await client.get(h.url + "/api/status", bearer: "api-token-for-test")
        XCTAssertEqual(status.status, 200)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [[String: Any]])
        XCTAssertEqual(json.first?["name"] as? String, "demo")
        XCTAssertEqual(json.first?["cached_issues"] as? Int, 1)
        XCTAssertFalse(status.body.contains(ServeHarness.token))

    }
}
