import Foundation
import Sandbox
import XCTest

final class GitHubIssueTests: SandboxTestCase {
    func testGetRepository() async throws {
        let reply = try await gh("/repos/acme/web.site")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.object["name"] as? String, "web.site")
        XCTAssertEqual(reply.object["full_name"] as? String, "acme/web.site")
        XCTAssertEqual(reply.object["default_branch"] as? String, "main")
        XCTAssertEqual(reply.object["html_url"] as? String, "https://github.com/acme/web.site")
        XCTAssertNotNil(reply.object["id"] as? Int)
        let infra = try await gh("/repos/ACME/Infra")
        XCTAssertEqual(infra.object["default_branch"] as? String, "master", "names resolve case-insensitively")
    }

    func testGetOneIssue() async throws {
        let reply = try await gh("/repos/acme/mcp_coder/issues/110")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.object["number"] as? Int, 110)
        XCTAssertEqual(reply.object["title"] as? String, "Open PR for cache fsync")
        XCTAssertTrue(reply.header("Content-Type")?.hasPrefix("application/json") ?? false)
    }

    func testMissingIssueIs404NotFound() async throws {
        let reply = try await gh("/repos/acme/mcp_coder/issues/9999")
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.object["message"] as? String, "Not Found")
        XCTAssertNotNil(reply.object["documentation_url"])
    }

    func testEnterpriseAPIPrefixServesTheSameData() async throws {
        let base = server.githubEnterpriseAPIURL
        XCTAssertEqual(base, server.baseURL + "/api/v3")
        let repo = try await gh("/repos/acme/web.site", base: base)
        XCTAssertEqual(repo.object["full_name"] as? String, "acme/web.site")
        XCTAssertEqual(repo.object["url"] as? String, base + "/repos/acme/web.site")
        let issue = try await gh("/repos/acme/web.site/issues/3", base: base)
        XCTAssertEqual(issue.object["url"] as? String, base + "/repos/acme/web.site/issues/3")
        let list = try await gh("/repos/acme/mcp_coder/issues?per_page=5", base: base)
        XCTAssertEqual(list.array.count, 5)
        XCTAssertTrue(list.header("Link")?.contains("<\(base)/repos/acme/mcp_coder/issues?per_page=5&page=2>; rel=\"next\"") ?? false,
                      list.header("Link") ?? "no Link")
        let labels = try await gh("POST", "/repos/acme/web.site/issues/3/labels", json: #"{"labels":["wait"]}"#, base: base)
        XCTAssertEqual(labels.status, 200)
        XCTAssertTrue(labelNames(labels).contains("wait"))
    }

    func testUnknownRouteIs404() async throws {
        let reply = try await gh("/repos/acme/mcp_coder/milestones")
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.object["message"] as? String, "Not Found")
    }

    func testEveryResponseCarriesADateHeader() async throws {
        let replies = [
            try await gh("/repos/acme/mcp_coder"),
            try await gh("/repos/acme/mcp_coder", token: nil),
            try await jk("/api/json"),
            try await control("GET", "/requests"),
        ]
        for reply in replies {
            let date = try XCTUnwrap(reply.header("Date"), "status \(reply.status)")
            XCTAssertTrue(date.hasSuffix("GMT"), date)
        }
    }
}
