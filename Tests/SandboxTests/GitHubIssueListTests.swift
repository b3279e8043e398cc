import Foundation
import Sandbox
import XCTest

final class GitHubIssueListTests: SandboxTestCase {
    private func numbers(_ reply: Reply) -> [Int] { reply.array.compactMap { $0["number"] as? Int } }

    private func links(_ reply: Reply) -> [String: String] {
        guard let header = reply.header("Link") else { return [:] }
        var result: [String: String] = [:]
        for part in header.components(separatedBy: ", ") {
            let pieces = part.components(separatedBy: "; ")
            guard pieces.count == 2 else { continue }
            let url = pieces[0].trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
            let rel = pieces[1].replacingOccurrences(of: "rel=", with: "").replacingOccurrences(of: "\"", with: "")
            result[rel] = url
        }
        return result
    }

    func testPaginationWalkFollowsAbsoluteLinkURLs() async throws {
        var url: String? = github + "/repos/acme/mcp_coder/issues?state=open&per_page=3"
        var seen: [Int] = []
        var pages = 0
        while let next = url {
            let reply = try await send("GET", next, headers: ["Authorization": "Bearer \(Self.token)"])
            XCTAssertEqual(reply.status, 200)
            XCTAssertLessThanOrEqual(reply.array.count, 3)
            seen += numbers(reply)
            pages += 1
            let rels = links(reply)
            if let n = rels["next"] {
                XCTAssertTrue(n.hasPrefix(server.baseURL + "/repos/acme/mcp_coder/issues?"), n)
                XCTAssertTrue(n.contains("state=open") && n.contains("per_page=3"), "other parameters kept: \(n)")
                XCTAssertTrue(rels["last"]?.contains("page=7") ?? false)
            }
            if pages > 1 {
                XCTAssertNotNil(rels["prev"])
                XCTAssertNotNil(rels["first"])
            }
            url = rels["next"]
            XCTAssertLessThan(pages, 20, "pagination must end")
        }
        let open = await server.issues(owner: "acme", repo: "mcp_coder")!.filter { $0.state == "open" }.map(\.number)
        XCTAssertEqual(pages, 7)
        XCTAssertEqual(seen.count, open.count, "no item twice, none skipped")
        XCTAssertEqual(Set(seen), Set(open))
    }

    func testDefaultsAreOpenCreatedDescendingThirtyPerPage() async throws {
        let reply = try await gh("/repos/acme/mcp_coder/issues")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.array.count, 20, "20 open items fit on one page of 30")
        XCTAssertNil(reply.header("Link"), "a single page has no Link header")
        XCTAssertFalse(numbers(reply).contains(117), "closed issue not listed by default")
        let created = reply.array.compactMap { $0["created_at"] as? String }
        XCTAssertEqual(created, created.sorted(by: >))
    }

    func testPerPageIsCappedAtOneHundred() async throws {
        let reply = try await gh("/repos/acme/mcp_coder/issues?state=all&per_page=500")
        XCTAssertEqual(reply.array.count, 21)
        let small = try await gh("/repos/acme/mcp_coder/issues?state=all&per_page=100&page=2")
        XCTAssertEqual(small.array.count, 0)
    }

    func testStateFilters() async throws {
        let closed = try await gh("/repos/acme/mcp_coder/issues?state=closed")
        XCTAssertEqual(numbers(closed), [117])
        XCTAssertEqual(closed.array.first?["closed_at"] as? String, "2026-11-23T17:00:00Z")
        let all = try await gh("/repos/acme/mcp_coder/issues?state=all")
        XCTAssertEqual(all.array.count, 21)
        let bad = try await gh("/repos/acme/mcp_coder/issues?state=opened")
        XCTAssertEqual(bad.status, 422)
    }

    func testSinceReturnsOnlyIssuesUpdatedAtOrAfterIt() async throws {
        let reply = try await gh("/repos/acme/mcp_coder/issues?state=all&since=2026-11-24T09:30:00Z&sort=updated&direction=asc")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(numbers(reply), [114, 115, 116, 118, 120, 121], "09:30:00 itself is included")
        let fractional = try await gh("/repos/acme/mcp_coder/issues?state=all&since=2026-11-24T09:30:00.000Z")
        XCTAssertEqual(Set(numbers(fractional)), [114, 115, 116, 118, 120, 121])
        let encoded = try await gh("/repos/acme/mcp_coder/issues?state=all&since=2026-11-24T09%3A50%3A00Z")
        XCTAssertEqual(Set(numbers(encoded)), [120, 121])
    }

    func testSinceThatIsNotStrictUTCIsRejectedWith422() async throws {
        for bad in ["2026-11-24%2009:30:00", "2026-11-24T09:30:00%2B01:00", "2026-11-24T09:30:00", "yesterday", "2026-13-01T00:00:00Z"] {
            let reply = try await gh("/repos/acme/mcp_coder/issues?since=\(bad)")
            XCTAssertEqual(reply.status, 422, bad)
            XCTAssertEqual(reply.object["message"] as? String, "Validation Failed", bad)
            let errors = reply.object["errors"] as? [[String: Any]]
            XCTAssertEqual(errors?.first?["field"] as? String, "since")
        }
    }

    func testSortAndDirection() async throws {
        let reply = try await gh("/repos/acme/web.site/issues?sort=updated&direction=asc")
        let updated = reply.array.compactMap { $0["updated_at"] as? String }
        XCTAssertEqual(updated, updated.sorted())
        XCTAssertEqual(numbers(reply).first, 1)
        let bad = try await gh("/repos/acme/web.site/issues?sort=popularity")
        XCTAssertEqual(bad.status, 422)
    }

    func testPullRequestsAreMixedInWithAPullRequestObject() async throws {
        let reply = try await gh("/repos/acme/web.site/issues?per_page=100")
        let pr = try XCTUnwrap(reply.array.first { $0["number"] as? Int == 12 })
        let pull = try XCTUnwrap(pr["pull_request"] as? [String: Any])
        XCTAssertEqual(pull["html_url"] as? String, "https://github.com/acme/web.site/pull/12")
        XCTAssertEqual(pull["url"] as? String, github + "/repos/acme/web.site/pulls/12")
        let issue = try XCTUnwrap(reply.array.first { $0["number"] as? Int == 3 })
        XCTAssertNil(issue["pull_request"], "plain issues carry no pull_request key")
    }

    func testItemsCarryGitHubFields() async throws {
        let reply = try await gh("/repos/acme/web.site/issues?per_page=100")
        let item = try XCTUnwrap(reply.array.first { $0["number"] as? Int == 2 })
        XCTAssertEqual(item["title"] as? String, "Landing page hero 🚀 refresh")
        XCTAssertEqual(item["state"] as? String, "open")
        XCTAssertEqual(item["html_url"] as? String, "https://github.com/acme/web.site/issues/2")
        XCTAssertEqual(item["url"] as? String, github + "/repos/acme/web.site/issues/2")
        XCTAssertEqual(item["repository_url"] as? String, github + "/repos/acme/web.site")
        XCTAssertEqual((item["user"] as? [String: Any])?["login"] as? String, "frank")
        XCTAssertEqual(item["locked"] as? Bool, false)
        XCTAssertNotNil(item["id"] as? Int)
        XCTAssertEqual(item["created_at"] as? String, "2026-11-18T09:00:00Z")
        XCTAssertEqual(item["updated_at"] as? String, "2026-11-24T07:05:00Z")
        XCTAssertTrue(item["closed_at"] is NSNull)
        XCTAssertNotNil(item["body"] as? String)
        XCTAssertEqual((item["assignees"] as? [Any])?.count, 0)
        let labels = try XCTUnwrap(item["labels"] as? [[String: Any]])
        XCTAssertEqual(labels.map { $0["name"] as? String }, ["status-02:awaiting-planning", "🚀 launch"])
        XCTAssertEqual(labels.first?["color"] as? String, "6ee7b7")
        XCTAssertNotNil(labels.first?["id"] as? Int)
        XCTAssertNotNil(labels.first?["description"] as? String)
    }

    func testLabelsFilter() async throws {
        let reply = try await gh("/repos/acme/mcp_coder/issues?labels=status-08:ready-pr")
        XCTAssertEqual(Set(numbers(reply)), [109, 110, 121])
    }

    func testUnknownRepositoryIs404() async throws {
        let reply = try await gh("/repos/acme/nope/issues")
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.object["message"] as? String, "Not Found")
    }
}
