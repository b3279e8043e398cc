import Foundation
import Sandbox
import XCTest

final class ControlAPITests: SandboxTestCase {
    func testHumanLabelEditBumpsUpdatedAtAndIsVisibleOnGitHub() async throws {
        let reply = try await control("PUT", "/repos/acme/mcp_coder/issues/104/labels", json: #"{"labels":["status-05:plan-ready"]}"#)
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.object["labels"] as? [String], ["status-05:plan-ready"])
        XCTAssertGreaterThan(reply.object["updated_at"] as? String ?? "", "2026-11-24T08:30:00Z")
        let issue = try await gh("/repos/acme/mcp_coder/issues/104")
        XCTAssertEqual((issue.object["labels"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["status-05:plan-ready"])
        XCTAssertEqual(issue.object["updated_at"] as? String, reply.object["updated_at"] as? String)
        let bare = try await control("PUT", "/repos/acme/mcp_coder/issues/104/labels", json: #"["wait"]"#)
        XCTAssertEqual(bare.object["labels"] as? [String], ["wait"])
    }

    func testCloseAndReopen() async throws {
        let closed = try await control("POST", "/repos/acme/web.site/issues/3/close")
        XCTAssertEqual(closed.object["state"] as? String, "closed")
        XCTAssertNotNil(closed.object["closed_at"] as? String)
        let open = try await gh("/repos/acme/web.site/issues?per_page=100")
        XCTAssertFalse(open.array.contains { $0["number"] as? Int == 3 })
        let reopened = try await control("POST", "/repos/acme/web.site/issues/3/reopen")
        XCTAssertEqual(reopened.object["state"] as? String, "open")
        XCTAssertTrue(reopened.object["closed_at"] is NSNull)
        XCTAssertGreaterThanOrEqual(reopened.object["updated_at"] as? String ?? "", closed.object["updated_at"] as? String ?? "~")
    }

    func testCreateIssue() async throws {
        let reply = try await control(
            "POST", "/repos/acme/mcp_coder/issues",
            json: #"{"title":"New from a human","labels":["status-02:awaiting-planning"],"linked_branches":["122-new"],"user":"zoe"}"#
        )
        XCTAssertEqual(reply.status, 201)
        XCTAssertEqual(reply.object["number"] as? Int, 122)
        let issue = try await gh("/repos/acme/mcp_coder/issues/122")
        XCTAssertEqual(issue.object["title"] as? String, "New from a human")
        XCTAssertEqual((issue.object["user"] as? [String: Any])?["login"] as? String, "zoe")
        XCTAssertEqual(issue.object["created_at"] as? String, issue.object["updated_at"] as? String)
        let missingTitle = try await control("POST", "/repos/acme/mcp_coder/issues", json: "{}")
        XCTAssertEqual(missingTitle.status, 400)
    }

    func testLinkedBranchesEdit() async throws {
        let reply = try await control("PUT", "/repos/acme/mcp_coder/issues/101/linked_branches", json: #"["101-dry-run"]"#)
        XCTAssertEqual(reply.object["linked_branches"] as? [String], ["101-dry-run"])
        let linkedBranches = await server.issue(owner: "acme", repo: "mcp_coder", number: 101)?.linkedBranches
        XCTAssertEqual(linkedBranches, ["101-dry-run"])
    }

    func testUnknownIssueRepositoryAndEndpointAre404() async throws {
        let missingIssueStatus = try await control("POST", "/repos/acme/mcp_coder/issues/999/close").status
        XCTAssertEqual(missingIssueStatus, 404)
        let missingRepoStatus = try await control("GET", "/repos/acme/nope/issues").status
        XCTAssertEqual(missingRepoStatus, 404)
        let unknownEndpointStatus = try await control("GET", "/nothing").status
        XCTAssertEqual(unknownEndpointStatus, 404)
        let index = try await control("GET", "/")
        XCTAssertFalse((index.object["endpoints"] as? [String] ?? []).isEmpty)
    }

    func testRequestLogRecordsMethodPathQueryStatusAndTime() async throws {
        let start = Date().addingTimeInterval(-1)
        _ = try await gh("/repos/acme/mcp_coder/issues?state=all&per_page=2")
        _ = try await gh("DELETE", "/repos/acme/mcp_coder/issues/101/labels/status-02%3Aawaiting-planning")
        _ = try await jk("POST", "/job/Coordinator/job/mcp_coder/job/executor/buildWithParameters", form: "A=1")
        _ = try await control("GET", "/builds")
        let log = await server.requests()
        XCTAssertEqual(log.map(\.method), ["GET", "DELETE", "POST"], "control requests are not logged")
        XCTAssertEqual(log[0].path, "/repos/acme/mcp_coder/issues")
        XCTAssertEqual(log[0].query, "state=all&per_page=2")
        XCTAssertEqual(log[1].path, "/repos/acme/mcp_coder/issues/101/labels/status-02%3Aawaiting-planning")
        XCTAssertEqual(log.map(\.status), [200, 200, 201])
        XCTAssertTrue(log.allSatisfy { $0.time >= start && $0.time <= Date() })
        let viaHTTP = try await control("GET", "/requests")
        XCTAssertEqual(viaHTTP.array.compactMap { $0["status"] as? Int }, [200, 200, 201])
        XCTAssertEqual(viaHTTP.array.first?["query"] as? String, "state=all&per_page=2")
    }

    func testBuildsListOverHTTP() async throws {
        _ = try await jk("POST", "/job/Coordinator/job/web.site/job/executor/buildWithParameters", form: "BRANCH_NAME=main")
        let builds = try await control("GET", "/builds")
        XCTAssertEqual(builds.array.count, 1)
        XCTAssertEqual(builds.array[0]["job_path"] as? String, "Coordinator/web.site/executor")
        XCTAssertEqual(builds.array[0]["parameters"] as? [String: String], ["BRANCH_NAME": "main"])
        XCTAssertEqual(builds.array[0]["queue_id"] as? Int, 1)
    }

    func testInProcessEditsKeepUpdatedAtMonotonic() async throws {
        let a = await server.setLabels(owner: "acme", repo: "infra", number: 2, labels: ["status-03:planning"])
        let b = await server.close(owner: "acme", repo: "infra", number: 2)
        let c = await server.reopen(owner: "acme", repo: "infra", number: 2)
        let d = await server.setLabels(owner: "acme", repo: "infra", number: 3, labels: ["wait"])
        let stamps = [a, b, c, d].compactMap { $0?.updatedAt }
        XCTAssertEqual(stamps.count, 4)
        XCTAssertEqual(stamps, stamps.sorted(), "later edits never compare earlier")
        XCTAssertTrue(stamps.allSatisfy { $0.timeIntervalSince1970 == $0.timeIntervalSince1970.rounded(.down) }, "whole seconds")
        let created = await server.createIssue(owner: "acme", repo: "infra", title: "From a test", labels: ["status-02:awaiting-planning"])
        XCTAssertEqual(created?.number, 10)
        XCTAssertGreaterThanOrEqual(created?.updatedAt ?? .distantPast, stamps.last!)
        let unchanged = await server.setLabels(owner: "acme", repo: "infra", number: 3, labels: ["wait"])
        XCTAssertEqual(unchanged?.updatedAt, d?.updatedAt, "a no-op edit changes nothing")
        let missing = await server.setLabels(owner: "acme", repo: "infra", number: 99, labels: [])
        XCTAssertNil(missing)
    }

    func testResetRestoresTheScenario() async throws {
        _ = try await gh("PUT", "/repos/acme/mcp_coder/issues/101/labels", json: #"["wait"]"#)
        _ = try await jk("POST", "/job/Coordinator/job/mcp_coder/job/executor/buildWithParameters", form: "A=1")
        await server.createIssue(owner: "acme", repo: "mcp_coder", title: "Temporary")
        await server.injectFault(.status(500, path: "/repos/"))
        let reset = try await control("POST", "/reset")
        XCTAssertEqual(reset.status, 204)
        let labelsAfterReset = await server.issue(owner: "acme", repo: "mcp_coder", number: 101)?.labels
        XCTAssertEqual(labelsAfterReset, ["status-02:awaiting-planning", "enhancement"])
        let createdAfterReset = await server.issue(owner: "acme", repo: "mcp_coder", number: 122)
        XCTAssertNil(createdAfterReset)
        let noBuilds = await server.builds().isEmpty
        XCTAssertTrue(noBuilds)
        let noRequests = await server.requests().isEmpty
        XCTAssertTrue(noRequests)
        let reply = try await gh("/repos/acme/mcp_coder/issues/101")
        XCTAssertEqual(reply.status, 200, "faults are cleared")
        XCTAssertEqual(reply.header("x-ratelimit-remaining"), "4999", "quota is restored")
        XCTAssertEqual(reply.object["updated_at"] as? String, "2026-11-24T08:05:00Z")
        _ = try await jk("POST", "/job/Coordinator/job/mcp_coder/job/executor/buildWithParameters", form: "A=1")
        let firstQueueID = await server.builds().first?.queueID
        XCTAssertEqual(firstQueueID, 1, "queue ids start over")
        await server.reset()
        let noBuildsAfterSecondReset = await server.builds().isEmpty
        XCTAssertTrue(noBuildsAfterSecondReset)
    }
}
