import Foundation
import Sandbox
import TestSupport
import XCTest

/// GitHub's webhook sender: what a receiver gets for each issue change, signed, in order, once.
final class WebhookDeliveryTests: WebhookTestCase {
    func testLabelAddedThroughTheAPIDeliversASignedLabeledEvent() async throws {
        try await addLabel("bug", to: 105)
        let first = try await received(1).first
        let delivery = try XCTUnwrap(first)

        XCTAssertEqual(delivery.path, "/hook")
        XCTAssertEqual(delivery.headers["x-github-event"], "issues")
        XCTAssertEqual(delivery.headers["x-github-hook-id"], String(hook.id))
        XCTAssertEqual(delivery.headers["content-type"], "application/json")
        XCTAssertEqual(delivery.headers["x-github-hook-installation-target-type"], "repository")
        XCTAssertTrue(delivery.headers["user-agent"]?.hasPrefix("GitHub-Hookshot/") ?? false, "\(delivery.headers)")
        let id = try XCTUnwrap(delivery.headers["x-github-delivery"])
        XCTAssertNotNil(UUID(uuidString: id), id)
        XCTAssertEqual(delivery.headers["x-hub-signature-256"], Self.signature(delivery.body))
        XCTAssertNotEqual(delivery.headers["x-hub-signature-256"], Self.signature(delivery.body, secret: "wrong"))
        XCTAssertTrue(delivery.headers["x-hub-signature"]?.hasPrefix("sha1=") ?? false)

        XCTAssertEqual(delivery.action, "labeled")
        XCTAssertEqual(delivery.label, "bug")
        XCTAssertEqual(delivery.issue["number"] as? Int, 105)
        XCTAssertEqual(delivery.issueLabels, ["status-05:plan-ready", "bug"])
        let repository = delivery.json["repository"] as? [String: Any] ?? [:]
        XCTAssertEqual(repository["full_name"] as? String, "acme/mcp_coder")
        XCTAssertEqual(repository["name"] as? String, "mcp_coder")
        XCTAssertNotNil(repository["id"] as? Int)
        XCTAssertEqual((repository["owner"] as? [String: Any])?["login"] as? String, "acme")
        XCTAssertEqual(delivery.headers["x-github-hook-installation-target-id"], (repository["id"] as? Int).map(String.init))
        // The token that made the change is the sender.
        XCTAssertEqual((delivery.json["sender"] as? [String: Any])?["login"] as? String, "mcp-coder-bot")
    }

    func testAFormHookSendsThePayloadFieldSignedAsSent() async throws {
        // GitHub's web form sets hooks up as application/x-www-form-urlencoded by default.
        XCTAssertTrue(server.removeWebhook(id: hook.id))
        let form = try server.addWebhook(url: receiver.url, secret: Self.secret, contentType: .form)
        XCTAssertEqual(server.webhooks().map(\.contentType), [.form])
        _ = await server.createIssue(owner: "acme", repo: "infra", title: "C++ & a=b 100%", labels: [], user: "alice")
        let first = try await received(1).first
        let delivery = try XCTUnwrap(first)

        XCTAssertEqual(delivery.headers["x-github-hook-id"], String(form.id))
        XCTAssertEqual(delivery.headers["content-type"], "application/x-www-form-urlencoded")
        XCTAssertEqual(delivery.headers["x-hub-signature-256"], Self.signature(delivery.body), "over the form body as sent")
        let text = String(decoding: delivery.body, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("payload="), text)
        XCTAssertFalse(text.dropFirst("payload=".count).contains { "+&= {}\"".contains($0) }, "every reserved byte is escaped: \(text)")
        let json = try XCTUnwrap(text.dropFirst("payload=".count).removingPercentEncoding)
        let payload = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(payload["action"] as? String, "opened")
        XCTAssertEqual((payload["issue"] as? [String: Any])?["title"] as? String, "C++ & a=b 100%")
    }

    func testPayloadIssueIsWhatTheRESTAPIAnswersAfterTheChange() async throws {
        try await addLabel("bug", to: 105)
        let first = try await received(1).first
        let delivery = try XCTUnwrap(first)
        let rest = try await gh("/repos/acme/mcp_coder/issues/105")
        XCTAssertEqual(delivery.issue as NSDictionary, rest.object as NSDictionary)
        XCTAssertNotNil(delivery.issue["updated_at"] as? String)
    }

    func testEveryKindOfIssueChangeHasItsAction() async throws {
        await server.setLabels(owner: "acme", repo: "mcp_coder", number: 105, labels: ["status-06:implementing"])
        await server.close(owner: "acme", repo: "mcp_coder", number: 105)
        await server.reopen(owner: "acme", repo: "mcp_coder", number: 105)
        await server.editIssue(owner: "acme", repo: "mcp_coder", number: 105, title: "Support Windows and macOS executors")
        let created = await server.createIssue(owner: "acme", repo: "infra", title: "New", labels: ["status-02:awaiting-planning"], user: "alice")
        let all = try await received(7)

        XCTAssertEqual(all.map(\.action), ["unlabeled", "labeled", "closed", "reopened", "edited", "opened", "labeled"])
        XCTAssertEqual(all[0].label, "status-05:plan-ready")
        XCTAssertEqual(all[0].issueLabels, ["status-06:implementing"], "each delivery carries the issue after the change")
        XCTAssertEqual(all[1].label, "status-06:implementing")
        XCTAssertEqual(all[2].issue["state"] as? String, "closed")
        XCTAssertNotNil(all[2].issue["closed_at"] as? String)
        XCTAssertEqual(all[3].issue["state"] as? String, "open")
        let changes = all[4].json["changes"] as? [String: Any]
        XCTAssertEqual((changes?["title"] as? [String: Any])?["from"] as? String, "Support Windows executors")
        XCTAssertNil(changes?["body"], "the body did not change")
        XCTAssertEqual(all[4].issue["title"] as? String, "Support Windows and macOS executors")
        XCTAssertEqual(all[5].issue["number"] as? Int, created?.number)
        XCTAssertEqual((all[5].json["repository"] as? [String: Any])?["full_name"] as? String, "acme/infra")
        XCTAssertEqual((all[5].json["sender"] as? [String: Any])?["login"] as? String, "alice", "the author opened it")
        XCTAssertEqual(all[6].label, "status-02:awaiting-planning")
        XCTAssertEqual((all[0].json["sender"] as? [String: Any])?["login"] as? String, "octocat", "a human edit")
        XCTAssertNil(all[2].json["label"], "only labeled/unlabeled carry a label")
        for delivery in all {
            XCTAssertEqual(delivery.headers["x-hub-signature-256"], Self.signature(delivery.body))
        }
    }

    func testLabelRemovalsAndReplacementsThroughTheAPI() async throws {
        let removed = try await gh("DELETE", "/repos/acme/mcp_coder/issues/105/labels/status-05%3Aplan-ready")
        XCTAssertEqual(removed.status, 200)
        let replaced = try await gh("PUT", "/repos/acme/mcp_coder/issues/105/labels", json: #"["a","b"]"#)
        XCTAssertEqual(replaced.status, 200)
        let cleared = try await gh("DELETE", "/repos/acme/mcp_coder/issues/105/labels")
        XCTAssertEqual(cleared.status, 204)
        let all = try await received(5)
        XCTAssertEqual(all.map(\.action), ["unlabeled", "labeled", "labeled", "unlabeled", "unlabeled"])
        XCTAssertEqual(all.map(\.label), ["status-05:plan-ready", "a", "b", "a", "b"])
    }

    func testAChangeThatAltersNothingSendsNothing() async throws {
        await server.setLabels(owner: "acme", repo: "mcp_coder", number: 105, labels: ["status-05:plan-ready"])
        await server.setLinkedBranches(owner: "acme", repo: "mcp_coder", number: 105, branches: ["105-x"])
        try await addLabel("bug", to: 105)
        let all = try await received(1)
        await settle()
        XCTAssertEqual(all.map(\.label), ["bug"])
        XCTAssertEqual(server.webhookDeliveries().count, 1)
    }

    func testAPullRequestSendsNoIssuesEvent() async throws {
        // mcp_coder #120 is a pull request: GitHub would send a `pull_request` event instead.
        await server.setLabels(owner: "acme", repo: "mcp_coder", number: 120, labels: ["bug"])
        try await addLabel("bug", to: 105)
        let all = try await received(1)
        await settle()
        XCTAssertEqual(all.map { $0.issue["number"] as? Int }, [105])
    }

    func testDeliveriesArriveInTheOrderOfTheChanges() async throws {
        for step in 0..<40 {
            await server.setLabels(owner: "acme", repo: "mcp_coder", number: 105, labels: ["step-\(step)"])
        }
        let all = try await received(80)
        let labeled = all.filter { $0.action == "labeled" }.map(\.label)
        XCTAssertEqual(labeled, (0..<40).map { "step-\($0)" })
        XCTAssertEqual(all.compactMap { $0.headers["x-github-delivery"] }, server.webhookDeliveries().map(\.id))
    }

    func testTheChangeDoesNotWaitForTheDelivery() async throws {
        receiver.respond(status: 202, after: .milliseconds(800))
        try await addLabel("bug", to: 105)
        XCTAssertEqual(server.webhookDeliveries().map(\.outcome), [.pending], "the API answered before the receiver did")
        await settle()
        XCTAssertEqual(server.webhookDeliveries().map(\.outcome), [.answered(status: 202)])
    }

    func testAFailedDeliveryIsNotRetried() async throws {
        receiver.respond(status: 500)
        try await addLabel("bug", to: 105)
        _ = try await received(1)
        receiver.respond(status: 202)
        try await addLabel("later", to: 105)
        let all = try await received(2)
        await settle()
        // Per hook, deliveries go out in order: had the first been retried, a copy would sit before the second.
        XCTAssertEqual(all.map(\.label), ["bug", "later"])
        XCTAssertEqual(server.webhookDeliveries().map(\.outcome), [.answered(status: 500), .answered(status: 202)])
    }

    func testAReceiverThatIsDownIsRecordedAsAnError() async throws {
        await receiver.stop()
        try await addLabel("bug", to: 105)
        try await addLabel("again", to: 105)
        await settle()
        let records = server.webhookDeliveries()
        XCTAssertEqual(records.count, 2, "each change tried once, the second despite the first failing")
        for record in records {
            guard case .failed(let message) = record.outcome else { return XCTFail("expected an error, got \(record.outcome)") }
            XCTAssertFalse(message.isEmpty)
            XCTAssertNotNil(record.durationMs)
        }
    }

    func testASlowReceiverTimesOut() async throws {
        let impatient = try server.addWebhook(url: receiver.url, secret: nil, timeoutMs: 200)
        XCTAssertTrue(server.removeWebhook(id: hook.id))
        receiver.respond(status: 202, after: .seconds(3))
        try await addLabel("bug", to: 105)
        await settle()
        let record = try XCTUnwrap(server.webhookDeliveries().first)
        XCTAssertEqual(record.hookID, impatient.id)
        XCTAssertEqual(record.outcome, .failed("timed out: no answer within 200 ms"))
        XCTAssertLessThan(record.durationMs ?? .max, 2_000)
    }

    func testStoppingTheSandboxAbandonsADeliveryInFlight() async throws {
        receiver.respond(status: 202, after: .seconds(8))
        try await addLabel("bug", to: 105)
        try await addLabel("queued behind it", to: 105)
        _ = try await received(1)
        let started = ContinuousClock.now
        await server.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(4), "stop waited for the receiver")
        XCTAssertEqual(receiver.deliveries.count, 1)
    }

    func testAHookWithoutASecretSendsNoSignature() async throws {
        XCTAssertTrue(server.removeWebhook(id: hook.id))
        let unsigned = try server.addWebhook(url: receiver.url, secret: nil)
        XCTAssertFalse(unsigned.signed)
        try await addLabel("bug", to: 105)
        let first = try await received(1).first
        let delivery = try XCTUnwrap(first)
        XCTAssertNil(delivery.headers["x-hub-signature-256"])
        XCTAssertNil(delivery.headers["x-hub-signature"])
    }

    func testEachHookGetsItsOwnDelivery() async throws {
        let second = try server.addWebhook(url: receiver.url, secret: "another secret")
        try await addLabel("bug", to: 105)
        let all = try await received(2)
        XCTAssertEqual(Set(all.compactMap { $0.headers["x-github-hook-id"] }), [String(hook.id), String(second.id)])
        XCTAssertEqual(Set(all.compactMap { $0.headers["x-github-delivery"] }).count, 2)
        for delivery in all {
            let secret = delivery.headers["x-github-hook-id"] == String(hook.id) ? Self.secret : "another secret"
            XCTAssertEqual(delivery.headers["x-hub-signature-256"], Self.signature(delivery.body, secret: secret))
        }
    }

    func testARemovedHookGetsNothingMore() async throws {
        XCTAssertTrue(server.removeWebhook(id: hook.id))
        XCTAssertFalse(server.removeWebhook(id: hook.id))
        try await addLabel("bug", to: 105)
        await settle()
        XCTAssertTrue(server.webhookDeliveries().isEmpty)
        XCTAssertTrue(receiver.deliveries.isEmpty)
        XCTAssertTrue(server.webhooks().isEmpty)
    }

    func testABurstIsDeliveredCompletelyAndInOrder() async throws {
        for step in 0..<500 {
            await server.setLabels(owner: "acme", repo: "mcp_coder", number: 105, labels: ["burst-\(step)"])
        }
        await settle()
        let all = receiver.deliveries
        XCTAssertEqual(all.count, 1_000)
        XCTAssertEqual(all.filter { $0.action == "labeled" }.map(\.label), (0..<500).map { "burst-\($0)" })
        XCTAssertTrue(server.webhookDeliveries().allSatisfy { $0.outcome == .answered(status: 202) })
    }

    func testTheRecordKeepsTheLatestFiveThousand() async throws {
        server.injectWebhookFault(.drop(share: 1))
        for step in 0..<3_001 {
            await server.setLabels(owner: "acme", repo: "mcp_coder", number: 105, labels: ["n-\(step)"])
        }
        let records = server.webhookDeliveries()
        XCTAssertEqual(records.count, 5_000)
        XCTAssertEqual(records.last?.label, "n-3000")
        XCTAssertEqual(records.last?.action, "labeled")
        XCTAssertTrue(receiver.deliveries.isEmpty)
    }

    func testDeliveriesAreListedOverTheControlAPI() async throws {
        receiver.respond(status: 204)
        try await addLabel("bug", to: 105)
        await settle()
        let reply = try await control("GET", "/webhooks/deliveries")
        XCTAssertEqual(reply.status, 200)
        let record = try XCTUnwrap(reply.array.first)
        XCTAssertEqual(record["hook_id"] as? Int, hook.id)
        XCTAssertEqual(record["event"] as? String, "issues")
        XCTAssertEqual(record["action"] as? String, "labeled")
        XCTAssertEqual(record["label"] as? String, "bug")
        XCTAssertEqual(record["repo"] as? String, "acme/mcp_coder")
        XCTAssertEqual(record["issue"] as? Int, 105)
        XCTAssertEqual(record["status"] as? String, "answered")
        XCTAssertEqual(record["http_status"] as? Int, 204)
        XCTAssertTrue(record["error"] is NSNull)
        XCTAssertEqual(record["id"] as? String, receiver.deliveries.first?.headers["x-github-delivery"])
        XCTAssertNotNil(record["time"] as? String)
        XCTAssertNotNil(record["duration_ms"] as? Int)
        XCTAssertEqual(record["delay_ms"] as? Int, 0)
    }

    func testSettleOverTheControlAPI() async throws {
        receiver.respond(status: 202, after: .milliseconds(300))
        try await addLabel("bug", to: 105)
        let impatient = try await control("POST", "/webhooks/settle", json: #"{"timeout_ms":0}"#)
        XCTAssertEqual(impatient.status, 504, impatient.text)
        XCTAssertEqual(impatient.object["pending"] as? Int, 1)
        let settled = try await control("POST", "/webhooks/settle", json: #"{"timeout_ms":10000}"#)
        XCTAssertEqual(settled.status, 200, settled.text)
        XCTAssertEqual(receiver.deliveries.count, 1)
        let bad = try await control("POST", "/webhooks/settle", json: #"{"timeout_ms":-1}"#)
        XCTAssertEqual(bad.status, 400)
    }
}
