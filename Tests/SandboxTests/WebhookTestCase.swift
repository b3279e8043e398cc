import Crypto
import Foundation
import Sandbox
import TestSupport
import XCTest

/// A Sandbox plus a webhook receiver on its own ephemeral port, registered as a hook after the
/// Sandbox started (the order a test of `coordinator serve` has too).
class WebhookTestCase: SandboxTestCase {
    static let secret = "It's a Secret to Everybody"

    var receiver: WebhookReceiver!
    var hook: SandboxWebhook!

    override func setUp() async throws {
        try await super.setUp()
        receiver = WebhookReceiver()
        try await receiver.start()
        hook = try server.addWebhook(url: receiver.url, secret: Self.secret)
    }

    override func tearDown() async throws {
        await server?.stop()
        await receiver?.stop()
        receiver = nil
        hook = nil
        try await super.tearDown()
    }

    /// Waits until every queued delivery went out; fails the test if that takes too long.
    func settle(file: StaticString = #filePath, line: UInt = #line) async {
        let settled = await server.waitForWebhookDeliveries(timeout: .seconds(20))
        XCTAssertTrue(settled, "webhook deliveries did not settle", file: file, line: line)
    }

    /// Waits until the receiver holds `count` deliveries.
    func received(_ count: Int, file: StaticString = #filePath, line: UInt = #line) async throws -> [WebhookReceiver.Delivery] {
        try await waitUntil("the receiver has \(count) deliveries", file: file, line: line,
                            detail: "it has \(receiver.deliveries.count)") { receiver.deliveries.count >= count }
        return receiver.deliveries
    }

    /// The signature header GitHub would send, recomputed here with swift-crypto.
    static func signature(_ body: Data, secret: String = WebhookTestCase.secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Sends a control request and checks only its status.
    func expectStatus(
        _ status: Int, _ method: String, _ path: String, json: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let reply = try await control(method, path, json: json)
        XCTAssertEqual(reply.status, status, "\(method) \(path): \(reply.text)", file: file, line: line)
    }

    func addLabel(_ label: String, to number: Int, repo: String = "acme/mcp_coder") async throws {
        let reply = try await gh("POST", "/repos/\(repo)/issues/\(number)/labels", json: #"{"labels":["\#(label)"]}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
    }
}
