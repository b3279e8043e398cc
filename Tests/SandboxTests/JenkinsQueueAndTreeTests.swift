import Foundation
import Sandbox
import XCTest

/// The queue listing, `tree=` filtering, the lost-answer fault and the clock offset: what a client
/// needs to find out whether a build request whose answer was lost queued a job.
final class JenkinsQueueAndTreeTests: SandboxTestCase {
    override func adjust(_ scenario: inout Scenario) {
        scenario.jenkins.crumb = false
        scenario.jenkins.startDelayMs = 60_000
        scenario.jenkins.buildDurationMs = 60_000
    }

    private let job = "/job/Coordinator/job/mcp_coder/job/executor"
    private let form = "REPO_URL=https%3A%2F%2Fgithub.com%2Facme%2Fmcp_coder.git&BRANCH_NAME=main&COMMAND=mcp-coder+create-plan+101&GITHUB_CREDENTIALS_ID=github-pat"
    private let queueTree = "items[id,inQueueSince,task[url],actions[parameters[name,value]]]"
    private let buildsTree = "builds[number,url,timestamp,queueId,actions[parameters[name,value]]]{0,50}"

    private func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    private func parameters(_ object: [String: Any]) -> [String: String] {
        var map: [String: String] = [:]
        for action in object["actions"] as? [[String: Any]] ?? [] {
            for parameter in action["parameters"] as? [[String: Any]] ?? [] {
                if let name = parameter["name"] as? String, let value = parameter["value"] as? String { map[name] = value }
            }
        }
        return map
    }

    func testQueueListsWaitingItemsWithTheirParameters() async throws {
        let empty = try await jk("/queue/api/json")
        XCTAssertEqual(empty.status, 200)
        XCTAssertEqual(empty.object["_class"] as? String, "hudson.model.Queue")
        XCTAssertEqual((empty.object["items"] as? [Any])?.count, 0)

        let before = Date()
        _ = try await jk("POST", job + "/buildWithParameters", form: form)
        let reply = try await jk("/queue/api/json")
        let items = try XCTUnwrap(reply.object["items"] as? [[String: Any]])
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items[0]["id"] as? Int, 1)
        XCTAssertEqual(items[0]["_class"] as? String, "hudson.model.Queue$WaitingItem")
        XCTAssertEqual((items[0]["task"] as? [String: Any])?["url"] as? String, jenkins + job + "/")
        XCTAssertEqual(parameters(items[0])["COMMAND"], "mcp-coder create-plan 101")
        let since = try XCTUnwrap(items[0]["inQueueSince"] as? Int)
        XCTAssertGreaterThanOrEqual(Double(since) / 1000, before.timeIntervalSince1970.rounded(.down) - 1)
    }

    func testTreeKeepsOnlyWhatItNames() async throws {
        _ = try await jk("POST", job + "/buildWithParameters", form: form)
        let reply = try await jk("/queue/api/json?tree=" + encoded(queueTree))
        XCTAssertEqual(reply.status, 200)
        let items = try XCTUnwrap(reply.object["items"] as? [[String: Any]])
        XCTAssertEqual(Set(items[0].keys), ["_class", "id", "inQueueSince", "task", "actions"])
        XCTAssertEqual(Set((items[0]["task"] as? [String: Any] ?? [:]).keys), ["_class", "url"])
        XCTAssertEqual(parameters(items[0])["BRANCH_NAME"], "main")
        XCTAssertNil(reply.object["discoverableItems"])
    }

    func testJobBuildsWithATreeCarryTheirParametersAndTime() async throws {
        let started = try await jk("POST", job + "/buildWithParameters", form: form)
        XCTAssertEqual(started.status, 201)
        // A job's builds are references (depth 0) without a tree.
        await server.setClockOffset(seconds: 61)
        let plain = try await jk(job + "/api/json")
        let ref = try XCTUnwrap((plain.object["builds"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(ref.keys), ["_class", "number", "url"])

        let reply = try await jk(job + "/api/json?tree=" + encoded(buildsTree))
        XCTAssertEqual(Set(reply.object.keys), ["_class", "builds"])
        let build = try XCTUnwrap((reply.object["builds"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(build.keys), ["_class", "number", "url", "timestamp", "queueId", "actions"])
        XCTAssertEqual(build["queueId"] as? Int, 1)
        XCTAssertEqual(parameters(build)["REPO_URL"], "https://github.com/acme/mcp_coder.git")
    }

    func testTreeRangesAndMalformedTrees() async throws {
        for _ in 0..<3 {
            _ = try await jk("POST", job + "/buildWithParameters", form: form + "&N=\(UUID().uuidString)")
        }
        await server.setClockOffset(seconds: 61)
        let two = try await jk(job + "/api/json?tree=" + encoded("builds[number]{1,3}"))
        XCTAssertEqual((two.object["builds"] as? [[String: Any]])?.compactMap { $0["number"] as? Int }, [2, 1])
        let one = try await jk(job + "/api/json?tree=" + encoded("builds[number]{0}"))
        XCTAssertEqual((one.object["builds"] as? [[String: Any]])?.compactMap { $0["number"] as? Int }, [3])
        for bad in ["builds[number", "builds[]", "builds{x}", ",", "builds[number]{1,2,3}"] {
            let reply = try await jk(job + "/api/json?tree=" + encoded(bad))
            XCTAssertEqual(reply.status, 400, bad)
        }
    }

    func testLoseAnswerFaultQueuesTheBuildButAnswersNothing() async throws {
        await server.injectFault(.loseAnswer(method: "POST", path: "buildWithParameters"))
        do {
            let reply = try await jk("POST", job + "/buildWithParameters", form: form)
            XCTFail("expected the connection to close without an answer, got \(reply.status)")
        } catch {}
        let builds = await server.builds()
        XCTAssertEqual(builds.count, 1, "Jenkins handled the request")
        let log = await server.requests()
        XCTAssertEqual(log.last?.status, 201, "the log keeps the status Jenkins would have answered")
    }

    func testLoseAnswerFaultThroughTheControlAPI() async throws {
        let armed = try await control("POST", "/faults", json: #"{"path":"/jenkins/job/*/buildWithParameters","lose_answer":true}"#)
        XCTAssertEqual(armed.status, 201)
        XCTAssertEqual(armed.object["lose_answer"] as? Bool, true)
        let both = try await control("POST", "/faults", json: #"{"path":"/x","lose_answer":true,"drop":true}"#)
        XCTAssertEqual(both.status, 400)
    }

    func testAHeldThenDroppedRequestIsNeverHandled() async throws {
        await server.injectFault(.drop(method: "POST", path: "buildWithParameters", afterMilliseconds: 300))
        let clock = ContinuousClock()
        let sent = clock.now
        do {
            let reply = try await jk("POST", job + "/buildWithParameters", form: form)
            XCTFail("expected the connection to close without an answer, got \(reply.status)")
        } catch {}
        XCTAssertGreaterThanOrEqual(clock.now - sent, .milliseconds(300))
        let builds = await server.builds()
        XCTAssertEqual(builds.count, 0)
        let armed = try await control("POST", "/faults", json: #"{"path":"/x","drop":true,"delay_ms":100}"#)
        XCTAssertEqual(armed.status, 201)
        XCTAssertEqual(armed.object["delay_ms"] as? Int, 100)
    }

    func testClockOffsetDatesWhatHappensWhileItHolds() async throws {
        let set = try await control("PUT", "/clock", json: #"{"offset_seconds":-3600}"#)
        XCTAssertEqual(set.status, 200)
        _ = try await jk("POST", job + "/buildWithParameters", form: form)
        _ = try await control("PUT", "/clock", json: #"{"offset_seconds":0}"#)
        // Queued an hour ago with a one-minute start delay: it left the queue long since.
        let queue = try await jk("/queue/api/json")
        XCTAssertEqual((queue.object["items"] as? [Any])?.count, 0)
        let reply = try await jk(job + "/api/json?tree=" + encoded("builds[number,timestamp]"))
        let build = try XCTUnwrap((reply.object["builds"] as? [[String: Any]])?.first)
        let began = Double(try XCTUnwrap(build["timestamp"] as? Int)) / 1000
        XCTAssertEqual(began, Date().timeIntervalSince1970 - 3600 + 60, accuracy: 30)
        let bad = try await control("PUT", "/clock", json: #"{"offset_seconds":"soon"}"#)
        XCTAssertEqual(bad.status, 400)
        let read = try await control("GET", "/clock")
        XCTAssertEqual(read.object["offset_seconds"] as? Double, 0)
    }
}
