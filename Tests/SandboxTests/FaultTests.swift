import Foundation
import Sandbox
import XCTest

final class FaultTests: SandboxTestCase {
    func testStatusFaultAnswersTheNextNMatchingRequests() async throws {
        await server.injectFault(.status(503, method: "GET", path: "/repos/acme/mcp_coder/issues", count: 2))
        let other = try await gh("/repos/acme/web.site/issues")
        XCTAssertEqual(other.status, 200, "other paths are unaffected")
        let write = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"["bug"]"#)
        XCTAssertEqual(write.status, 200, "other methods are unaffected")
        let first = try await gh("/repos/acme/mcp_coder/issues?state=open")
        let second = try await gh("/repos/acme/mcp_coder/issues?state=all")
        let third = try await gh("/repos/acme/mcp_coder/issues")
        XCTAssertEqual([first.status, second.status, third.status], [503, 503, 200])
        XCTAssertNotNil(first.object["message"])
        let log = await server.requests().map(\.status)
        XCTAssertEqual(log, [200, 200, 503, 503, 200])
    }

    func testSecondaryRateLimitFaultAnswers429WithRetryAfter() async throws {
        await server.injectFault(.secondaryRateLimit(retryAfter: 7, method: "POST", path: "/labels"))
        let reply = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"["bug"]"#)
        XCTAssertEqual(reply.status, 429)
        XCTAssertEqual(reply.header("retry-after"), "7")
        XCTAssertTrue((reply.object["message"] as? String)?.contains("secondary rate limit") ?? false)
        let labels = await server.issue(owner: "acme", repo: "mcp_coder", number: 101)?.labels
        XCTAssertEqual(labels, ["status-02:awaiting-planning", "enhancement"], "a faulted request has no effect")
        let retry = try await gh("POST", "/repos/acme/mcp_coder/issues/101/labels", json: #"["bug"]"#)
        XCTAssertEqual(retry.status, 200)
    }

    func testDelayFaultAnswersNormallyButLate() async throws {
        await server.injectFault(.delay(milliseconds: 600, path: "/repos/acme/infra"))
        let start = Date()
        let reply = try await gh("/repos/acme/infra")
        XCTAssertEqual(reply.status, 200)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.6)
        let quick = Date()
        _ = try await gh("/repos/acme/infra")
        XCTAssertLessThan(Date().timeIntervalSince(quick), 0.5, "count defaults to one")
    }

    func testDropFaultClosesTheConnectionWithoutAnAnswer() async throws {
        await server.injectFault(.drop(path: "/jenkins/job/*/buildWithParameters"))
        do {
            let reply = try await jk("POST", "/job/Coordinator/job/mcp_coder/job/executor/buildWithParameters", form: "A=1")
            XCTFail("expected the connection to drop, got \(reply.status)")
        } catch {
            // The client sees a transport error, as with a crashed proxy.
        }
        let noBuilds = await server.builds().isEmpty
        XCTAssertTrue(noBuilds)
        let loggedStatus = await server.requests().last?.status
        XCTAssertEqual(loggedStatus, 0)
        let next = try await jk("POST", "/job/Coordinator/job/mcp_coder/job/executor/buildWithParameters", form: "A=1")
        XCTAssertEqual(next.status, 201)
    }

    func testEndlessPagesFaultNamesANextPageAfterEveryPage() async throws {
        let armed = try await control("POST", "/faults", json: #"{"method":"GET","path":"/repos/acme/mcp_coder/issues","count":3,"endless_pages":true}"#)
        XCTAssertEqual(armed.status, 201)
        let first = try await gh("/repos/acme/mcp_coder/issues?state=open&per_page=100")
        XCTAssertEqual(first.status, 200)
        XCTAssertFalse(first.array.isEmpty, "the first page is the real one")
        XCTAssertEqual(first.header("link"), "<\(github)/repos/acme/mcp_coder/issues?state=open&per_page=100&page=2>; rel=\"next\"")
        // Far past the real end: a valid, empty page that still names the next one.
        let far = try await gh("/repos/acme/mcp_coder/issues?state=open&per_page=100&page=41")
        XCTAssertEqual(far.status, 200)
        XCTAssertTrue(far.array.isEmpty)
        XCTAssertEqual(far.header("link"), "<\(github)/repos/acme/mcp_coder/issues?state=open&per_page=100&page=42>; rel=\"next\"")
        let last = try await gh("/repos/acme/mcp_coder/issues?state=open&per_page=100&page=9223372036854775807")
        XCTAssertEqual(last.header("link")?.contains("page=9223372036854775807>"), true, "no overflow at the largest page")
        let spent = try await gh("/repos/acme/mcp_coder/issues?state=open&per_page=100&page=2")
        XCTAssertEqual(spent.header("link")?.contains("rel=\"next\""), false, "after count pages the listing ends as it really does")
        let remaining = try await control("GET", "/faults").array.count
        XCTAssertEqual(remaining, 0)
    }

    func testGlobMatchesAcrossSegmentsAndEncodedNames() async throws {
        await server.injectFault(.status(500, method: "DELETE", path: "/repos/*/issues/*/labels/status-0?%3A*"))
        let get = try await gh("/repos/acme/mcp_coder/issues/113/labels")
        XCTAssertEqual(get.status, 200)
        let delete = try await gh("DELETE", "/repos/acme/mcp_coder/issues/113/labels/status-02%3Aawaiting-planning")
        XCTAssertEqual(delete.status, 500)
    }

    func testFaultsThroughTheControlAPI() async throws {
        let armed = try await control("POST", "/faults", json: #"{"method":"GET","path":"/queue/item/","count":1,"status":502,"headers":{"x-test":"yes"}}"#)
        XCTAssertEqual(armed.status, 201)
        let listed = try await control("GET", "/faults")
        XCTAssertEqual(listed.array.count, 1)
        let reply = try await jk("/queue/item/1/api/json")
        XCTAssertEqual(reply.status, 502)
        XCTAssertEqual(reply.header("x-test"), "yes")

        let delay = try await control("POST", "/faults", json: #"{"path":"/repos/","delay_ms":10,"count":3}"#)
        XCTAssertEqual(delay.status, 201)
        let drop = try await control("POST", "/faults", json: #"{"path":"/graphql","drop":true}"#)
        XCTAssertEqual(drop.status, 201)
        let armedCount = try await control("GET", "/faults").array.count
        XCTAssertEqual(armedCount, 2)
        let disarmStatus = try await control("DELETE", "/faults").status
        XCTAssertEqual(disarmStatus, 204)
        let remainingCount = try await control("GET", "/faults").array.count
        XCTAssertEqual(remainingCount, 0)

        for bad in [#"{"path":"/x"}"#, #"{"path":"/x","status":500,"drop":true}"#, #"{"path":"/x","lose_answer":true,"endless_pages":true}"#, #"{"path":"/x","status":42}"#, "nope"] {
            let rejected = try await control("POST", "/faults", json: bad)
            XCTAssertEqual(rejected.status, 400, bad)
            XCTAssertNotNil(rejected.object["message"], bad)
        }
    }
}
