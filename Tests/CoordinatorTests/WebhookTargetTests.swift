@testable import Coordinator
import Foundation
import XCTest

/// Which hook is the coordinator's, and what `[serve] public_url` may be.
final class WebhookTargetTests: XCTestCase {
    private let target = WebhookTarget(url: "https://coordinator.example.com/webhooks/github")

    private func hook(
        id: Int = 7, url: String? = nil, active: Bool = true, events: [String] = ["issues"], contentType: String = "json",
        insecureSSL: String = "0", hasSecret: Bool = true, updatedAt: Date? = Date(timeIntervalSince1970: 1_000)
    ) -> GitHubHook {
        GitHubHook(
            id: id, active: active, events: events, url: url ?? target.url, contentType: contentType, insecureSSL: insecureSSL,
            hasSecret: hasSecret, updatedAt: updatedAt)
    }

    func testOursIsTheExactURLNeverAnotherHostsHookOnTheSamePath() {
        let other = hook(id: 3, url: "https://old.example.com/webhooks/github")
        let ci = hook(id: 4, url: "https://ci.example.com/github-webhook/")
        XCTAssertEqual(target.match([other, ci]), .elsewhere([other]))
        XCTAssertEqual(target.match([ci]), .missing)
        XCTAssertEqual(target.match([other, hook(id: 9), hook(id: 8)]), .ours(hook(id: 8)))
    }

    func testPublicURLMustBeAnAbsoluteHTTPBase() {
        XCTAssertNil(WebhookTarget.problem(publicURL: "https://coordinator.example.com"))
        XCTAssertNil(WebhookTarget.problem(publicURL: "http://10.0.0.5:8750/coordinator/"))
        for bad in ["coordinator.example.com", "ftp://example.com", "https://", "/webhooks", "https://x.example.com/webhooks/github",
                    "https://x.example.com/?a=1", "https://user:pw@x.example.com"] {
            XCTAssertNotNil(WebhookTarget.problem(publicURL: bad), bad)
        }
    }

    func testPublicURLIsReadAndCheckedFromServe() throws {
        let base = """
            [github]
            token = "t"
            [jenkins]
            server_url = "https://jenkins.example.com"
            username = "u"
            api_token = "j"
            [coordinator.repos.demo]
            repo_url = "https://github.com/acme/demo.git"
            executor_job_path = "A/B"
            github_credentials_id = "c"

            """
        let none = try ConfigLoader.parse(base, path: "/c.toml")
        XCTAssertFalse(none.serve.isConfigured)
        XCTAssertNil(none.serve.webhookURL)

        let set = try ConfigLoader.parse(base + "[serve]\npublic_url = \"https://coordinator.example.com/\"\n", path: "/c.toml")
        XCTAssertTrue(set.serve.isConfigured)
        XCTAssertEqual(set.serve.webhookURL, "https://coordinator.example.com/webhooks/github")

        XCTAssertThrowsError(try ConfigLoader.parse(base + "[serve]\npublic_url = \"coordinator.example.com\"\n", path: "/c.toml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("public_url"), text)
            XCTAssertTrue(text.contains("[serve]") || text.contains("serve"), text)
        }
    }
}
