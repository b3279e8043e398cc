import Foundation
import Sandbox
import XCTest

/// `/repos/{owner}/{repo}/hooks…` in GitHub's shapes: the hooks listed and edited are the ones the
/// Sandbox delivers to, and the deliveries listed are the ones it made.
final class GitHubHooksTests: WebhookTestCase {
    private let hooks = "/repos/acme/mcp_coder/hooks"

    private func createHook(url: String, secret: String? = "s3cret-hook-value", events: String = #"["issues"]"#, contentType: String = "json") async throws -> [String: Any] {
        let secretField = secret.map { #", "secret": "\#($0)""# } ?? ""
        let reply = try await gh("POST", hooks, json: #"""
            {"name": "web", "active": true, "events": \#(events),
             "config": {"url": "\#(url)", "content_type": "\#(contentType)", "insecure_ssl": "0"\#(secretField)}}
            """#)
        XCTAssertEqual(reply.status, 201, reply.text)
        return reply.object
    }

    func testAnOrganisationHookIsNotListedUnderARepository() async throws {
        let reply = try await gh(hooks)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.array.count, 0, "the scenario-wide hook of the setup is not a repository hook: \(reply.text)")
    }

    func testACreatedHookIsListedInGitHubsShapeWithItsSecretMasked() async throws {
        let created = try await createHook(url: receiver.url)
        let id = try XCTUnwrap(created["id"] as? Int)
        XCTAssertEqual(created["name"] as? String, "web")
        XCTAssertEqual(created["type"] as? String, "Repository")
        XCTAssertEqual(created["active"] as? Bool, true)
        XCTAssertEqual(created["events"] as? [String], ["issues"])
        let config = try XCTUnwrap(created["config"] as? [String: Any])
        XCTAssertEqual(config["url"] as? String, receiver.url)
        XCTAssertEqual(config["content_type"] as? String, "json")
        XCTAssertEqual(config["insecure_ssl"] as? String, "0")
        XCTAssertEqual(config["secret"] as? String, "********")

        let list = try await gh(hooks)
        XCTAssertEqual(list.array.compactMap { $0["id"] as? Int }, [id])
        XCTAssertFalse(list.text.contains("s3cret-hook-value"), list.text)
        let one = try await gh("\(hooks)/\(id)")
        XCTAssertEqual(one.status, 200)
        XCTAssertEqual((one.object["config"] as? [String: Any])?["url"] as? String, receiver.url)
        XCTAssertEqual(server.webhooks().first { $0.id == id }?.repository, "acme/mcp_coder")

        let again = try await gh("POST", hooks, json: #"{"config": {"url": "\#(receiver.url)"}, "events": ["issues"]}"#)
        XCTAssertEqual(again.status, 422, "a second hook with the same URL: \(again.text)")
        XCTAssertTrue(again.text.contains("Hook already exists on this repository"), again.text)
    }

    func testAnEditChangesWhereAndHowTheNextDeliveryGoes() async throws {
        // The setup's scenario-wide hook goes first, so only the repository hook is counted.
        _ = server.removeWebhook(id: hook.id)
        let created = try await createHook(url: "http://127.0.0.1:9/nowhere", contentType: "form")
        let id = try XCTUnwrap(created["id"] as? Int)
        let patched = try await gh("PATCH", "\(hooks)/\(id)", json: #"""
            {"active": true, "add_events": ["issues"],
             "config": {"url": "\#(receiver.url)", "content_type": "json", "secret": "\#(Self.secret)", "insecure_ssl": "0"}}
            """#)
        XCTAssertEqual(patched.status, 200, patched.text)
        XCTAssertEqual((patched.object["config"] as? [String: Any])?["content_type"] as? String, "json")

        try await addLabel("bug", to: 105)
        let deliveries = try await received(1)
        XCTAssertEqual(deliveries.first?.headers["content-type"], "application/json")
        XCTAssertEqual(deliveries.first?.headers["x-hub-signature-256"], Self.signature(deliveries[0].body))
    }

    func testAnInactiveHookOrOneWithoutIssuesIsSentNothing() async throws {
        _ = server.removeWebhook(id: hook.id)
        let inactive = try await createHook(url: receiver.url)
        let id = try XCTUnwrap(inactive["id"] as? Int)
        let off = try await gh("PATCH", "\(hooks)/\(id)", json: #"{"active": false}"#)
        XCTAssertEqual(off.status, 200, off.text)
        XCTAssertEqual((off.object["config"] as? [String: Any])?["secret"] as? String, "********", "an edit without config keeps it")
        _ = try await createHook(url: receiver.url + "/push", events: #"["push"]"#)
        try await addLabel("bug", to: 105)
        await settle()
        XCTAssertEqual(receiver.deliveries.count, 0)
        XCTAssertEqual(server.webhookDeliveries().count, 0)
    }

    func testDeliveriesAreListedNewestFirstWithTheReceiversStatus() async throws {
        _ = server.removeWebhook(id: hook.id)
        let created = try await createHook(url: receiver.url)
        let id = try XCTUnwrap(created["id"] as? Int)
        receiver.respond(status: 502)
        try await addLabel("bug", to: 105)
        _ = try await received(1)
        await settle()
        receiver.respond(status: 202)
        try await addLabel("enhancement", to: 105)
        _ = try await received(2)
        await settle()

        let reply = try await gh("\(hooks)/\(id)/deliveries?per_page=10")
        XCTAssertEqual(reply.status, 200, reply.text)
        let list = reply.array
        XCTAssertEqual(list.compactMap { $0["status_code"] as? Int }, [202, 502])
        XCTAssertEqual(list.compactMap { $0["status"] as? String }, ["OK", "Invalid HTTP Response: 502"])
        XCTAssertEqual(list.compactMap { $0["event"] as? String }, ["issues", "issues"])
        XCTAssertEqual(list.compactMap { $0["action"] as? String }, ["labeled", "labeled"])
        XCTAssertEqual(list.first?["redelivery"] as? Bool, false)
        XCTAssertNotNil(list.first?["guid"] as? String)
        XCTAssertNotNil(list.first?["delivered_at"] as? String)
        let ids = list.compactMap { $0["id"] as? Int }
        XCTAssertEqual(ids.count, 2)
        XCTAssertGreaterThan(ids[0], ids[1])

        let one = try await gh("\(hooks)/\(id)/deliveries?per_page=1")
        XCTAssertEqual(one.array.compactMap { $0["status_code"] as? Int }, [202])
        let last = try await gh("\(hooks)/\(id)")
        XCTAssertEqual((last.object["last_response"] as? [String: Any])?["code"] as? Int, 202)
    }

    func testADeletedHookIsGoneAndATokenWithoutHookScopesSeesNothing() async throws {
        let created = try await createHook(url: receiver.url)
        let id = try XCTUnwrap(created["id"] as? Int)
        let deleted = try await gh("DELETE", "\(hooks)/\(id)")
        XCTAssertEqual(deleted.status, 204)
        let gone = try await gh("\(hooks)/\(id)")
        XCTAssertEqual(gone.status, 404)
        XCTAssertTrue(server.webhooks().allSatisfy { $0.id != id })
        let unknown = try await gh("\(hooks)/999")
        XCTAssertEqual(unknown.status, 404)
    }

    func testMalformedHooksAreRefusedAsGitHubDoes() async throws {
        let noURL = try await gh("POST", hooks, json: #"{"config": {"content_type": "json"}}"#)
        XCTAssertEqual(noURL.status, 422, noURL.text)
        let badType = try await gh("POST", hooks, json: #"{"config": {"url": "https://example.com/x", "content_type": "xml"}}"#)
        XCTAssertEqual(badType.status, 422, badType.text)
        let notJSON = try await gh("POST", hooks, json: "{")
        XCTAssertEqual(notJSON.status, 400, notJSON.text)
    }
}

/// The hooks endpoints need the hook scopes of a classic token, as on GitHub.
final class GitHubHookScopeTests: SandboxTestCase {
    static let narrowToken = "ghp_sandbox_issues_only"

    override func adjust(_ scenario: inout Scenario) {
        scenario.github.tokens.append(.init(token: Self.narrowToken, login: "narrow", scopes: ["public_repo"]))
        scenario.github.tokens.append(.init(token: "ghp_sandbox_hook_reader", login: "reader", scopes: ["read:repo_hook"]))
    }

    func testATokenWithoutHookScopesGets404AndAReaderCannotWrite() async throws {
        let hidden = try await gh("/repos/acme/mcp_coder/hooks", token: Self.narrowToken)
        XCTAssertEqual(hidden.status, 404, hidden.text)
        let read = try await gh("/repos/acme/mcp_coder/hooks", token: "ghp_sandbox_hook_reader")
        XCTAssertEqual(read.status, 200, read.text)
        let write = try await gh(
            "POST", "/repos/acme/mcp_coder/hooks", json: #"{"config": {"url": "https://example.com/webhooks/github"}}"#,
            token: "ghp_sandbox_hook_reader")
        XCTAssertEqual(write.status, 404, write.text)
    }
}
