import Foundation
import Sandbox
import XCTest

final class GitHubAuthAndRateLimitTests: SandboxTestCase {
    private var quota = 5000

    override func adjust(_ scenario: inout Scenario) {
        scenario.github.tokens[0].hourlyQuota = quota
        scenario.github.tokens.append(.init(token: "ghp_other", login: "other", hourlyQuota: 10))
    }

    private func restart(quota: Int) async throws {
        await server.stop()
        self.quota = quota
        var scenario = try Scenario.example()
        adjust(&scenario)
        server = try await SandboxServer.start(scenario: scenario)
    }

    func testMissingTokenIs401BadCredentials() async throws {
        let reply = try await gh("/repos/acme/mcp_coder", token: nil)
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.object["message"] as? String, "Bad credentials")
        XCTAssertNotNil(reply.object["documentation_url"] as? String)
    }

    func testWrongTokenIs401() async throws {
        let reply = try await gh("/repos/acme/mcp_coder", token: "ghp_wrong")
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.object["message"] as? String, "Bad credentials")
        let graphql = try await gh("POST", "/graphql", json: #"{"query":"{ viewer { login } }"}"#, token: "ghp_wrong")
        XCTAssertEqual(graphql.status, 401)
    }

    func testTokenSchemeIsAcceptedToo() async throws {
        let reply = try await send("GET", github + "/repos/acme/mcp_coder", headers: ["Authorization": "token \(Self.token)"])
        XCTAssertEqual(reply.status, 200)
    }

    func testRateLimitHeadersOnEveryAuthenticatedResponse() async throws {
        let first = try await gh("/repos/acme/mcp_coder")
        XCTAssertEqual(first.header("x-ratelimit-limit"), "5000")
        XCTAssertEqual(first.header("x-ratelimit-remaining"), "4999")
        XCTAssertEqual(first.header("x-ratelimit-used"), "1")
        XCTAssertEqual(first.header("x-ratelimit-resource"), "core")
        let reset = try XCTUnwrap(Double(first.header("x-ratelimit-reset") ?? ""))
        XCTAssertEqual(reset, Date().addingTimeInterval(3600).timeIntervalSince1970, accuracy: 5)
        let notFound = try await gh("/repos/acme/mcp_coder/issues/9999")
        XCTAssertEqual(notFound.header("x-ratelimit-remaining"), "4998", "errors count too")
        let other = try await gh("/repos/acme/mcp_coder", token: "ghp_other")
        XCTAssertEqual(other.header("x-ratelimit-remaining"), "9", "quotas are per token")
    }

    func testETagRevalidationAnswers304WithoutSpendingQuota() async throws {
        let first = try await gh("/repos/acme/mcp_coder/issues?per_page=100")
        let tag = try XCTUnwrap(first.header("ETag"))
        XCTAssertTrue(tag.hasPrefix("W/\"") || tag.hasPrefix("\""), tag)
        XCTAssertEqual(first.header("x-ratelimit-remaining"), "4999")
        for _ in 0..<3 {
            let again = try await gh("/repos/acme/mcp_coder/issues?per_page=100", headers: ["If-None-Match": tag])
            XCTAssertEqual(again.status, 304)
            XCTAssertTrue(again.body.isEmpty)
            XCTAssertEqual(again.header("ETag"), tag)
            XCTAssertEqual(again.header("x-ratelimit-remaining"), "4999", "304 is free")
        }
        _ = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"["bug"]"#)
        let changed = try await gh("/repos/acme/mcp_coder/issues?per_page=100", headers: ["If-None-Match": tag])
        XCTAssertEqual(changed.status, 200, "a change makes the old tag stale")
        XCTAssertNotEqual(changed.header("ETag"), tag)
    }

    func testETagOnSingleIssueAndRepository() async throws {
        for path in ["/repos/acme/infra", "/repos/acme/infra/issues/4"] {
            let reply = try await gh(path)
            let tag = try XCTUnwrap(reply.header("ETag"), path)
            let conditional = try await gh(path, headers: ["If-None-Match": tag])
            XCTAssertEqual(conditional.status, 304, path)
        }
    }

    func testExhaustedQuotaAnswers403UntilReset() async throws {
        try await restart(quota: 3)
        for expected in ["2", "1", "0"] {
            let reply = try await gh("/repos/acme/mcp_coder")
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.header("x-ratelimit-remaining"), expected)
        }
        let limited = try await gh("/repos/acme/mcp_coder")
        XCTAssertEqual(limited.status, 403)
        XCTAssertEqual(limited.header("x-ratelimit-remaining"), "0")
        XCTAssertEqual(limited.header("x-ratelimit-used"), "3")
        XCTAssertNotNil(limited.header("x-ratelimit-reset"))
        XCTAssertTrue((limited.object["message"] as? String)?.hasPrefix("API rate limit exceeded for ") ?? false, limited.text)
        let write = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"["bug"]"#)
        XCTAssertEqual(write.status, 403, "writes are limited too")
        let labels = await server.issue(owner: "acme", repo: "mcp_coder", number: 101)?.labels
        XCTAssertFalse(labels?.contains("bug") ?? true)
        let rateLimit = try await gh("/rate_limit")
        XCTAssertEqual(rateLimit.status, 200, "GET /rate_limit stays free")
        XCTAssertEqual((rateLimit.object["rate"] as? [String: Any])?["remaining"] as? Int, 0)
    }

    func testConditionalRequestsStillWorkAfterTheQuotaIsAlmostSpent() async throws {
        try await restart(quota: 2)
        let first = try await gh("/repos/acme/web.site/issues")
        let tag = try XCTUnwrap(first.header("ETag"))
        for _ in 0..<5 {
            let revalidated = try await gh("/repos/acme/web.site/issues", headers: ["If-None-Match": tag])
            XCTAssertEqual(revalidated.status, 304)
        }
        let last = try await gh("/repos/acme/web.site/issues/1")
        XCTAssertEqual(last.status, 200)
        XCTAssertEqual(last.header("x-ratelimit-remaining"), "0")
    }
}
