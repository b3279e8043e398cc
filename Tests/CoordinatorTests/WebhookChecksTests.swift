@testable import Coordinator
import Foundation
import XCTest

/// How `doctor` judges GitHub's last deliveries to the webhook.
final class WebhookChecksTests: XCTestCase {
    private let target = WebhookTarget(url: "https://coordinator.example.com/webhooks/github")

    private func hook(
        id: Int = 7, url: String? = nil, active: Bool = true, events: [String] = ["issues"], contentType: String = "json",
        insecureSSL: String = "0", hasSecret: Bool = true, updatedAt: Date? = Date(timeIntervalSince1970: 1_000)
    ) -> GitHubHook {
        GitHubHook(
            id: id, active: active, events: events, url: url ?? target.url, contentType: contentType, insecureSSL: insecureSSL,
            hasSecret: hasSecret, updatedAt: updatedAt)
    }

    private func delivery(_ status: Int, at seconds: TimeInterval) -> GitHubHookDelivery {
        GitHubHookDelivery(
            id: Int(seconds), deliveredAt: Date(timeIntervalSince1970: seconds), statusCode: status,
            status: status == 200 ? "OK" : "Invalid HTTP Response: \(status)", event: "issues", action: "labeled")
    }

    func testEachHookProblemIsACheckOfItsOwn() {
        let checks = WebhookChecks.judge(
            [hook(active: false, events: ["push"], contentType: "form")], repo: "demo", repository: "acme/demo", target: target)
        XCTAssertEqual(checks.map(\.id), ["github.webhook", "github.webhook_events", "github.webhook_content_type", "github.webhook_active"])
        XCTAssertEqual(checks.map(\.status), [.ok, .failed, .warning, .failed])
        XCTAssertTrue(checks.allSatisfy { $0.status == .ok || $0.fix?.hasPrefix("run coordinator hooks sync --repo demo") == true }, "\(checks)")

        let unknownType = WebhookChecks.judge([hook(contentType: "xml")], repo: "demo", repository: "acme/demo", target: target)
        XCTAssertEqual(unknownType.map(\.status), [.ok, .ok, .failed, .ok])
        XCTAssertEqual(WebhookChecks.judge([hook()], repo: "demo", repository: "acme/demo", target: target).map(\.status), [.ok, .ok, .ok, .ok])
    }

    func testDeliveriesNewestFailingFailOlderFailuresWarn() {
        let failing = WebhookChecks.judgeDeliveries([delivery(502, at: 30), delivery(200, at: 20)], repo: "demo", hookID: 7)
        XCTAssertEqual(failing.status, .failed)
        XCTAssertEqual(failing.found, "the last 2 deliveries to hook 7: 1 OK, 1 failed (502 at 1970-01-01T00:00:30Z)")
        XCTAssertEqual(failing.fix, "the reverse proxy got no answer from serve: check that serve runs and listens where the proxy sends (see `listen`)")

        let recovered = WebhookChecks.judgeDeliveries([delivery(200, at: 30), delivery(401, at: 20)], repo: "demo", hookID: 7)
        XCTAssertEqual(recovered.status, .warning)
        XCTAssertTrue(recovered.found.hasSuffix("1 failed (401 at 1970-01-01T00:00:20Z); the newest succeeded"), recovered.found)
        XCTAssertTrue(recovered.fix?.contains("webhook's secret differs from [serve] webhook_secret") == true)

        XCTAssertEqual(WebhookChecks.judgeDeliveries([delivery(200, at: 1)], repo: "demo", hookID: 7).status, .ok)
        XCTAssertEqual(WebhookChecks.judgeDeliveries([], repo: "demo", hookID: 7).found, "GitHub has made no delivery to hook 7 yet")
    }
}
