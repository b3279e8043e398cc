import Foundation
import Sandbox
import XCTest

final class GitHubLabelTests: SandboxTestCase {
    func testAddLabelsWithObjectBodyReturnsFullLabelList() async throws {
        let reply = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"{"labels":["status-03:planning"]}"#)
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(labelNames(reply), ["status-02:awaiting-planning", "enhancement", "status-03:planning"])
        let added = try XCTUnwrap(reply.array.last)
        XCTAssertEqual(added["color"] as? String, "a7f3d0")
        XCTAssertNotNil(added["id"] as? Int)
        XCTAssertEqual(added["description"] as? String, "The bot is planning")
    }

    func testAddLabelsWithBareArrayBody() async throws {
        let reply = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"["bug","enhancement"]"#)
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(labelNames(reply), ["status-02:awaiting-planning", "enhancement", "bug"], "no duplicates")
    }

    func testAddUnknownLabelCreatesItInGrey() async throws {
        let reply = try await gh("POST", "/repos/acme/infra/issues/2/labels", json: #"{"labels":["needs-triage"]}"#)
        XCTAssertEqual(reply.array.last?["name"] as? String, "needs-triage")
        XCTAssertEqual(reply.array.last?["color"] as? String, "ededed")
    }

    func testMalformedLabelBodies() async throws {
        let notJSON = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: "labels=x")
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertEqual(notJSON.object["message"] as? String, "Problems parsing JSON")
        let wrongShape = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"{"label":"x"}"#)
        XCTAssertEqual(wrongShape.status, 422)
        let issue = await server.issue(owner: "acme", repo: "mcp_coder", number: 101)
        XCTAssertEqual(issue?.labels, ["status-02:awaiting-planning", "enhancement"], "nothing changed")
    }

    func testPutReplacesAllLabels() async throws {
        let reply = try await gh("PUT", "/repos/acme/mcp_coder/issues/101/labels", json: #"{"labels":["status-05:plan-ready"]}"#)
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(labelNames(reply), ["status-05:plan-ready"])
        let issue = try await gh("/repos/acme/mcp_coder/issues/101")
        XCTAssertEqual((issue.object["labels"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["status-05:plan-ready"])
    }

    func testDeletePercentEncodedLabelReturnsRemainingLabels() async throws {
        let reply = try await gh("DELETE", "/repos/acme/mcp_coder/issues/113/labels/status-02%3Aawaiting-planning")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(labelNames(reply), ["status-03:planning"])
        let again = try await gh("DELETE", "/repos/acme/mcp_coder/issues/113/labels/status-02%3Aawaiting-planning")
        XCTAssertEqual(again.status, 404)
        XCTAssertEqual(again.object["message"] as? String, "Label does not exist")
    }

    func testDeleteEmojiLabel() async throws {
        let encoded = "%F0%9F%9A%80%20launch"
        let reply = try await gh("DELETE", "/repos/acme/web.site/issues/2/labels/\(encoded)")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(labelNames(reply), ["status-02:awaiting-planning"])
    }

    func testLabelOnMissingIssueIs404() async throws {
        let reply = try await gh("POST", "/repos/acme/mcp_coder/issues/4242/labels", json: #"["bug"]"#)
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.object["message"] as? String, "Not Found")
    }

    func testEveryLabelChangeBumpsUpdatedAt() async throws {
        let before = try await gh("/repos/acme/mcp_coder/issues/102")
        XCTAssertEqual(before.object["updated_at"] as? String, "2026-11-24T08:10:00Z")
        let start = Date()
        _ = try await gh("POST", "/repos/acme/mcp_coder/issues/102/labels", json: #"["status-03:planning"]"#)
        let afterAdd = try await gh("/repos/acme/mcp_coder/issues/102")
        let addStamp = try XCTUnwrap(afterAdd.object["updated_at"] as? String)
        XCTAssertGreaterThan(addStamp, "2026-11-24T08:10:00Z")
        XCTAssertTrue(addStamp.hasSuffix("Z") && addStamp.count == 20, "whole seconds: \(addStamp)")
        let stamped = try XCTUnwrap(ISO8601DateFormatter().date(from: addStamp))
        XCTAssertLessThanOrEqual(abs(stamped.timeIntervalSince(start)), 2, "edits use the real clock")

        _ = try await gh("DELETE", "/repos/acme/mcp_coder/issues/102/labels/status-02:awaiting-planning")
        let afterRemove = try await gh("/repos/acme/mcp_coder/issues/102")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(afterRemove.object["updated_at"] as? String), addStamp)

        let since = try await gh("/repos/acme/mcp_coder/issues?state=all&since=\(addStamp)")
        XCTAssertEqual(since.array.compactMap { $0["number"] as? Int }, [102], "the edited issue shows up in an incremental read")
    }
}
