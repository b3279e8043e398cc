import Foundation
import Sandbox
import TestSupport
import XCTest

/// Registering hooks (scenario, Swift, control API), and the human moves that make deliveries:
/// a title edit and the demo's relabel.
final class WebhookControlTests: WebhookTestCase {
    func testHooksAreAddedListedAndRemovedOverTheControlAPI() async throws {
        let added = try await control(
            "POST", "/webhooks", json: #"{"url":"\#(receiver.url)","secret":"hunter2","events":["issues"],"timeout_ms":5000}"#)
        XCTAssertEqual(added.status, 201, added.text)
        XCTAssertFalse(added.text.contains("hunter2"), "the secret is never echoed")
        let id = try XCTUnwrap(added.object["id"] as? Int)
        XCTAssertEqual(added.object["signed"] as? Bool, true)
        XCTAssertEqual(added.object["timeout_ms"] as? Int, 5000)

        let listed = try await control("GET", "/webhooks")
        XCTAssertEqual(listed.array.compactMap { $0["id"] as? Int }, [hook.id, id])
        XCTAssertFalse(listed.text.contains("hunter2"))
        XCTAssertFalse(listed.text.contains(Self.secret))

        try await expectStatus(204, "DELETE", "/webhooks/\(id)")
        try await expectStatus(404, "DELETE", "/webhooks/\(id)")
        XCTAssertEqual(server.webhooks().map(\.id), [hook.id])
    }

    func testAnUnusableHookIsRefusedWithTheReason() async throws {
        for (body, message) in [
            (#"{"url":"ftp://x","secret":"s3cr3t"}"#, "is not an http:// or https:// URL"),
            (#"{"url":"http://127.0.0.1:1/h","secret":"s3cr3t","events":["push"]}"#, "unknown event \"push\""),
            (#"{"url":"http://127.0.0.1:1/h","secret":"s3cr3t","events":[]}"#, "at least one event"),
            (#"{"url":"http://127.0.0.1:1/h","secret":"s3cr3t","timeout_ms":0}"#, "timeout_ms"),
            (#"{"secret":"s3cr3t"}"#, "missing required key \"url\""),
            ("{", "body must be JSON"),
        ] {
            let reply = try await control("POST", "/webhooks", json: body)
            XCTAssertEqual(reply.status, 400, body)
            let text = reply.object["message"] as? String ?? ""
            XCTAssertTrue(text.contains(message), "\(body): \(text)")
            XCTAssertFalse(text.contains("s3cr3t"), "a secret never reaches an error: \(text)")
        }
        XCTAssertThrowsError(try server.addWebhook(url: "not a url", secret: "s3cr3t")) { error in
            XCTAssertEqual((error as? SandboxWebhookError)?.field, "url")
            XCTAssertFalse("\(error)".contains("s3cr3t"))
        }
    }

    func testAHumanTitleEditIsAnEditedDelivery() async throws {
        let reply = try await control("PATCH", "/repos/acme/mcp_coder/issues/105", json: #"{"title":"Windows, finally"}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.object["title"] as? String, "Windows, finally")
        let first = try await received(1).first
        let delivery = try XCTUnwrap(first)
        XCTAssertEqual(delivery.action, "edited")
        XCTAssertEqual(delivery.issue["title"] as? String, "Windows, finally")
        XCTAssertEqual(((delivery.json["changes"] as? [String: Any])?["title"] as? [String: Any])?["from"] as? String, "Support Windows executors")
        try await expectStatus(400, "PATCH", "/repos/acme/mcp_coder/issues/105", json: #"{"title":""}"#)
        try await expectStatus(400, "PATCH", "/repos/acme/mcp_coder/issues/105", json: #"{}"#)
    }

    func testRelabelMovesADrawnIssueToAPickupLabel() async throws {
        let reply = try await control("POST", "/relabel", json: #"{"repo":"acme/mcp_coder","seed":1}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        let number = try XCTUnwrap(reply.object["number"] as? Int)
        let from = reply.object["from"] as? [String] ?? []
        XCTAssertTrue(Set(from).isDisjoint(with: SandboxRelabel.avoid), "drawn from issues nobody may take yet: \(from)")
        XCTAssertEqual((reply.object["to"] as? [String])?.filter { $0.hasPrefix("status-") }, ["status-02:awaiting-planning"])
        let issue = await server.issue(owner: "acme", repo: "mcp_coder", number: number)
        XCTAssertEqual(issue?.labels.contains("status-02:awaiting-planning"), true)
        XCTAssertEqual(issue?.state, "open")
        XCTAssertEqual(issue?.isPullRequest, false)

        await settle()
        let all = receiver.deliveries
        XCTAssertTrue(all.contains { $0.action == "labeled" && $0.label == "status-02:awaiting-planning" && $0.issue["number"] as? Int == number })

        // The same seed on the same data draws the same issue.
        await server.reset()
        let again = try await control("POST", "/relabel", json: #"{"repo":"acme/mcp_coder","seed":1}"#)
        XCTAssertEqual(again.object["number"] as? Int, number)
    }

    func testRelabelMovesAGivenIssue() async throws {
        let moved = await server.relabelAsHuman(.init(repository: "acme/mcp_coder", number: 105, label: "status-08:ready-pr"))
        XCTAssertEqual(try moved.get().from, ["status-05:plan-ready"])
        XCTAssertEqual(try moved.get().to, ["status-08:ready-pr"])
        let all = try await received(2)
        XCTAssertEqual(all.map(\.action), ["unlabeled", "labeled"])

        try await expectStatus(404, "POST", "/relabel", json: #"{"repo":"acme/nope"}"#)
        try await expectStatus(404, "POST", "/relabel", json: #"{"repo":"acme/mcp_coder","number":9999}"#)
        try await expectStatus(400, "POST", "/relabel", json: #"{"number":105}"#)
        try await expectStatus(400, "POST", "/relabel", json: #"{"seed":-1}"#)
    }

    func testRelabelSaysSoWhenNothingIsLeftToMove() async throws {
        for issue in await server.issues(owner: "acme", repo: "infra") ?? [] {
            await server.setLabels(owner: "acme", repo: "infra", number: issue.number, labels: ["status-03:planning"])
        }
        let reply = try await control("POST", "/relabel", json: #"{"repo":"acme/infra"}"#)
        XCTAssertEqual(reply.status, 404)
        XCTAssertTrue((reply.object["message"] as? String ?? "").contains("no open issue in acme/infra"), reply.text)
    }
}

/// Hooks from the scenario file: validated with the place of the mistake, and delivering from
/// the first change on.
final class WebhookScenarioTests: SandboxTestCase {
    private var receiver: WebhookReceiver!

    override func setUp() async throws {
        receiver = WebhookReceiver()
        try await receiver.start()
        try await super.setUp()
    }

    override func adjust(_ scenario: inout Scenario) {
        scenario.github.webhooks = [Scenario.Webhook(url: receiver.url, secret: "from the scenario")]
    }

    override func tearDown() async throws {
        await server?.stop()
        await receiver?.stop()
        try await super.tearDown()
    }

    func testAScenarioHookReceivesDeliveries() async throws {
        XCTAssertEqual(server.webhooks().map(\.fromScenario), [true])
        await server.close(owner: "acme", repo: "infra", number: 3)
        try await waitUntil("the scenario's hook got the close") { receiver.deliveries.count == 1 }
        let delivery = receiver.deliveries[0]
        XCTAssertEqual(delivery.action, "closed")
        XCTAssertEqual(delivery.headers["x-hub-signature-256"], WebhookTestCase.signature(delivery.body, secret: "from the scenario"))
    }

    func testScenarioHooksAreValidated() throws {
        func problem(_ hook: String) -> String {
            let json = #"{"github":{"tokens":[{"token":"t"}],"repositories":[],"webhooks":[\#(hook)]},"jenkins":{"users":[],"jobs":[]}}"#
            do {
                _ = try Scenario.decode(Data(json.utf8))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(problem(#"{"url":"http://127.0.0.1:9/h","secret":"s"}"#), "accepted")
        XCTAssertEqual(
            problem(#"{"url":"localhost:9","secret":"s3cr3t"}"#),
            #"scenario (in memory) at github.webhooks[0].url: "localhost:9" is not an http:// or https:// URL with a host"#)
        XCTAssertEqual(
            problem(#"{"url":"http://h/","events":["issues","push"]}"#),
            #"scenario (in memory) at github.webhooks[0].events: unknown event "push"; the Sandbox sends only "issues" (or give "*")"#)
        XCTAssertEqual(
            problem(#"{"url":"http://h/","timeout_ms":600001}"#),
            "scenario (in memory) at github.webhooks[0].timeout_ms: must be from 1 to 600000 (ten minutes); GitHub waits 10000")
        XCTAssertEqual(problem(#"{"secret":"s"}"#), #"scenario (in memory) at github.webhooks[0]: missing required key "url""#)
        XCTAssertFalse(problem(#"{"url":"nope","secret":"s3cr3t"}"#).contains("s3cr3t"))
        XCTAssertFalse("\(Scenario.Webhook(url: "http://h/", secret: "s3cr3t"))".contains("s3cr3t"))
    }
}
