@testable import Coordinator
import Foundation
import XCTest

/// What `hooks sync` decides from a repository's hooks, without a server: what differs, and
/// when the secret is sent again.
final class HookSyncPlanTests: XCTestCase {
    private let target = WebhookTarget(url: "https://coordinator.example.com/webhooks/github")
    private var sync: HookSync { HookSync(target: target, secret: Secret("whsec-unit-1")) }

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

    func testWithoutOurHookTheSyncCreatesOne() {
        let other = hook(id: 3, url: "https://old.example.com/webhooks/github")
        XCTAssertEqual(sync.plan([other], refusedSince: nil), .create)
        XCTAssertEqual(sync.plan([], refusedSince: nil), .create)
    }

    func testARightHookIsLeftAloneAndEachDifferenceIsNamed() {
        XCTAssertEqual(sync.plan([hook()], refusedSince: nil), .unchanged(hookID: 7))
        XCTAssertEqual(sync.plan([hook(events: ["*"])], refusedSince: nil), .unchanged(hookID: 7))
        XCTAssertEqual(
            sync.plan([hook(active: false, events: [], contentType: "form", insecureSSL: "1", hasSecret: false)], refusedSince: nil),
            .update(hookID: 7, differences: [
                "inactive → active", "events + issues (it had: none)", "content type form → json",
                "certificate verification turned on (insecure_ssl 1 → 0)", "secret set (it had none)",
            ]))
    }

    func testTheSecretIsSentAgainOnlyAfterARefusalSinceTheHookLastChanged() {
        let refused = delivery(401, at: 2_000)
        guard case let .update(_, differences) = sync.plan([hook()], refusedSince: refused) else {
            return XCTFail("a 401 after the last change must resend the secret")
        }
        XCTAssertEqual(differences.count, 1)
        XCTAssertTrue(differences[0].hasPrefix("secret set again (GitHub's last delivery at 1970-01-01T00:33:20Z was refused 401"), differences[0])
        XCTAssertTrue(HookSync.isAfter(refused.deliveredAt, Date(timeIntervalSince1970: 1_000)))
        XCTAssertFalse(HookSync.isAfter(refused.deliveredAt, Date(timeIntervalSince1970: 2_000)), "the same second says nothing")
        XCTAssertFalse(HookSync.isAfter(nil, Date(timeIntervalSince1970: 1_000)))
    }
}
