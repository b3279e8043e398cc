import Foundation
import Sandbox
import TestSupport
import XCTest

/// Webhook faults: deliveries dropped (recorded, never sent) or held back, for the next N or for a
/// seeded share.
final class WebhookFaultTests: WebhookTestCase {
    private func toggle(_ times: Int) async {
        for step in 0..<times {
            await server.setLabels(owner: "acme", repo: "mcp_coder", number: 105, labels: ["t-\(step)"])
        }
    }

    func testTheNextTwoDeliveriesAreDropped() async throws {
        server.injectWebhookFault(.drop(next: 2))
        await toggle(2)
        await settle()
        let records = server.webhookDeliveries()
        XCTAssertEqual(records.map(\.outcome), [.dropped("drop fault"), .dropped("drop fault"), .answered(status: 202), .answered(status: 202)])
        XCTAssertEqual(receiver.deliveries.compactMap { $0.headers["x-github-delivery"] }, records.suffix(2).map(\.id))
        XCTAssertEqual(records.prefix(2).map(\.durationMs), [nil, nil], "never sent")
    }

    func testASeededShareDropsTheSameDeliveriesEveryRun() async throws {
        func droppedLabels() async -> [String?] {
            await server.reset()
            server.injectWebhookFault(.drop(share: 0.3, seed: 7))
            await toggle(50)
            await settle()
            return server.webhookDeliveries().filter { if case .dropped = $0.outcome { true } else { false } }.map(\.label)
        }
        let first = await droppedLabels()
        let second = await droppedLabels()
        XCTAssertEqual(first, second)
        XCTAssertTrue((15...45).contains(first.count), "about 30 of 100 dropped, got \(first.count)")
        XCTAssertEqual(receiver.deliveries.count, 2 * (100 - first.count), "a dropped delivery is never sent")
    }

    func testADelayedDeliveryHoldsBackTheHooksLaterOnes() async throws {
        server.injectWebhookFault(.delay(milliseconds: 400))
        let started = ContinuousClock.now
        await toggle(1)
        let all = try await received(2)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(400))
        XCTAssertEqual(all.map(\.action), ["unlabeled", "labeled"], "order kept")
        await settle()
        XCTAssertEqual(server.webhookDeliveries().map(\.delayMs), [400, 0])
    }

    func testAFaultForOneHookLeavesTheOthersAlone() async throws {
        let other = try server.addWebhook(url: receiver.url, secret: nil)
        server.injectWebhookFault(.drop(next: 5, hookID: hook.id))
        try await addLabel("bug", to: 105)
        await settle()
        XCTAssertEqual(receiver.deliveries.map { $0.headers["x-github-hook-id"] }, [String(other.id)])
    }

    func testFaultsOverTheControlAPI() async throws {
        let armed = try await control("POST", "/webhooks/faults", json: #"{"drop":true,"share":1,"seed":3}"#)
        XCTAssertEqual(armed.status, 201, armed.text)
        let listed = try await control("GET", "/webhooks/faults")
        XCTAssertEqual(listed.array.first?["share"] as? Double, 1)
        try await addLabel("bug", to: 105)
        await settle()
        XCTAssertEqual(server.webhookDeliveries().map(\.outcome), [.dropped("drop fault")])
        let cleared = try await control("DELETE", "/webhooks/faults")
        XCTAssertEqual(cleared.status, 204)
        try await addLabel("feature", to: 105)
        _ = try await received(1)

        for (body, message) in [
            (#"{"drop":true,"delay_ms":5}"#, "exactly one of"),
            (#"{"drop":true,"count":2,"share":0.5}"#, "not both"),
            (#"{"drop":true,"share":1.5}"#, "share must be from 0 to 1"),
            (#"{"delay_ms":-1}"#, "delay_ms must be from 0"),
            (#"{"drop":true,"count":0}"#, "count must be positive"),
            ("not json", "not valid JSON"),
        ] {
            let reply = try await control("POST", "/webhooks/faults", json: body)
            XCTAssertEqual(reply.status, 400, body)
            XCTAssertTrue((reply.object["message"] as? String ?? "").contains(message), "\(body): \(reply.text)")
        }
    }

    func testResetForgetsDeliveriesAndFaultsButKeepsHooks() async throws {
        server.injectWebhookFault(.drop(share: 1))
        try await addLabel("bug", to: 105)
        await server.reset()
        XCTAssertTrue(server.webhookDeliveries().isEmpty)
        XCTAssertEqual(server.webhooks().map(\.id), [hook.id])
        try await addLabel("bug", to: 105)
        _ = try await received(1)
    }
}
