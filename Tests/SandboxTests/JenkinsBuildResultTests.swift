import Foundation
import Sandbox
import XCTest

/// How a build ends: the control API (and `setBuildResult`) sets its result and can end it at
/// once; the build JSON then reports it as Jenkins does, and stays reachable after the queue item
/// is forgotten.
final class JenkinsBuildResultTests: SandboxTestCase {
    /// Each phase lasts a minute of the Sandbox's clock, so nothing moves on its own during a test.
    private static let startDelayMs = 60_000
    private static let buildDurationMs = 60_000
    private var buildResult = "SUCCESS"

    override func adjust(_ scenario: inout Scenario) {
        scenario.jenkins.crumb = false
        scenario.jenkins.startDelayMs = Self.startDelayMs
        scenario.jenkins.buildDurationMs = Self.buildDurationMs
        scenario.jenkins.buildResult = buildResult
    }

    private let job = "/job/Coordinator/job/mcp_coder/job/executor"
    private let form = "REPO_URL=https%3A%2F%2Fgithub.com%2Facme%2Fmcp_coder.git&BRANCH_NAME=main&COMMAND=mcp-coder+implement+105&GITHUB_CREDENTIALS_ID=github-pat"

    private var clockOffset: TimeInterval = 0

    private func advanceClock(seconds: TimeInterval) async {
        clockOffset += seconds
        await server.setClockOffset(seconds: clockOffset)
    }

    /// Queues one build (a fresh `N` parameter each time, so none folds into another) and gives its queue id.
    private func queue() async throws -> Int {
        let reply = try await jk("POST", job + "/buildWithParameters", form: form + "&N=\(UUID().uuidString)")
        XCTAssertEqual(reply.status, 201)
        let location = try XCTUnwrap(reply.header("Location"))
        return try XCTUnwrap(Int(location.split(separator: "/").last.map(String.init) ?? ""))
    }

    private func result(_ id: Int, _ json: String) async throws -> Reply {
        try await control("POST", "/jenkins/queue/\(id)/result", json: json)
    }

    func testFinishingARunningBuildEndsItWithTheResultAndItsRealDuration() async throws {
        let id = try await queue()
        await advanceClock(seconds: 61)  // started a second ago (Sandbox time)
        let running = try await jk(job + "/1/api/json")
        XCTAssertEqual(running.object["building"] as? Bool, true)
        XCTAssertTrue(running.object["result"] is NSNull)
        XCTAssertEqual(running.object["duration"] as? Int, 0)

        let reply = try await result(id, #"{"result":"FAILURE","finish":true}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.object["queue_id"] as? Int, id)
        XCTAssertEqual(reply.object["build_number"] as? Int, 1)
        XCTAssertEqual(reply.object["building"] as? Bool, false)
        XCTAssertEqual(reply.object["result"] as? String, "FAILURE")

        let build = try await jk(job + "/1/api/json")
        XCTAssertEqual(build.object["building"] as? Bool, false)
        XCTAssertEqual(build.object["result"] as? String, "FAILURE")
        let duration = try XCTUnwrap(build.object["duration"] as? Int)
        XCTAssertGreaterThanOrEqual(duration, 900, "about the second since it started, not build_duration_ms")
        XCTAssertLessThan(duration, 30_000)
        let timestamp = try XCTUnwrap(build.object["timestamp"] as? Int)
        XCTAssertEqual(Double(timestamp) / 1000, Date().timeIntervalSince1970 + 60, accuracy: 15)
        XCTAssertEqual(build.object["estimatedDuration"] as? Int, Self.buildDurationMs)

        let item = try await jk("/queue/item/\(id)/api/json")
        let executable = try XCTUnwrap(item.object["executable"] as? [String: Any])
        XCTAssertEqual(executable["number"] as? Int, 1)
        XCTAssertEqual(executable["url"] as? String, jenkins + job + "/1/")
        let builds = await server.builds()
        XCTAssertEqual(builds.first?.result, .failure)
        XCTAssertEqual(builds.first?.building, false)
    }

    func testAQueuedItemAskedToFinishStartsAndEndsAtOnce() async throws {
        let id = try await queue()
        let waiting = try await jk("/queue/item/\(id)/api/json")
        XCTAssertEqual(waiting.object["_class"] as? String, "hudson.model.Queue$WaitingItem")

        let reply = try await result(id, #"{"result":"ABORTED","finish":true}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.object["build_number"] as? Int, 1)

        let left = try await jk("/queue/item/\(id)/api/json")
        XCTAssertEqual(left.object["_class"] as? String, "hudson.model.Queue$LeftItem")
        XCTAssertEqual((left.object["executable"] as? [String: Any])?["number"] as? Int, 1)
        let build = try await jk(job + "/1/api/json")
        XCTAssertEqual(build.object["building"] as? Bool, false)
        XCTAssertEqual(build.object["result"] as? String, "ABORTED")
        XCTAssertEqual(build.object["duration"] as? Int, 0)
        let timestamp = try XCTUnwrap(build.object["timestamp"] as? Int)
        XCTAssertEqual(Double(timestamp) / 1000, Date().timeIntervalSince1970, accuracy: 15, "it started now, not after the delay")
        let queueListing = try await jk("/queue/api/json")
        XCTAssertEqual((queueListing.object["items"] as? [Any])?.count, 0)
    }

    func testAResultSetAheadIsWhatTheBuildEndsWithAfterItsDuration() async throws {
        let id = try await queue()
        let reply = try await result(id, #"{"result":"UNSTABLE"}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertTrue(reply.object["build_number"] is NSNull, "still waiting")
        XCTAssertTrue(reply.object["result"] is NSNull)
        XCTAssertEqual(reply.object["building"] as? Bool, false)

        await advanceClock(seconds: 61)
        let running = try await jk(job + "/1/api/json")
        XCTAssertEqual(running.object["building"] as? Bool, true)
        XCTAssertTrue(running.object["result"] is NSNull, "the result shows only at the end")
        await advanceClock(seconds: 61)
        let ended = try await jk(job + "/1/api/json")
        XCTAssertEqual(ended.object["building"] as? Bool, false)
        XCTAssertEqual(ended.object["result"] as? String, "UNSTABLE")
        XCTAssertEqual(ended.object["duration"] as? Int, Self.buildDurationMs)
        let listed = try await control("GET", "/builds")
        XCTAssertEqual(listed.array.first?["result"] as? String, "UNSTABLE")
        XCTAssertEqual(listed.array.first?["building"] as? Bool, false)
    }

    func testAnEndedBuildKeepsItsResult() async throws {
        let id = try await queue()
        let first = try await result(id, #"{"result":"FAILURE","finish":true}"#)
        XCTAssertEqual(first.status, 200)
        let same = try await result(id, #"{"result":"FAILURE","finish":true}"#)
        XCTAssertEqual(same.status, 200, "asking for what already is changes nothing")
        let finishOnly = try await result(id, #"{"finish":true}"#)
        XCTAssertEqual(finishOnly.object["result"] as? String, "FAILURE")
        let other = try await result(id, #"{"result":"SUCCESS"}"#)
        XCTAssertEqual(other.status, 409)
        XCTAssertTrue((other.object["message"] as? String ?? "").contains("already ended with FAILURE"), other.text)
        await advanceClock(seconds: -3600)
        let build = try await jk(job + "/1/api/json")
        XCTAssertEqual(build.object["building"] as? Bool, false, "an ended build stays ended with the clock set back")
        XCTAssertEqual(build.object["result"] as? String, "FAILURE")
    }

    func testFinishWithoutAResultEndsWithTheScenarioDefault() async throws {
        buildResult = "NOT_BUILT"
        await server.stop()
        var scenario = try Scenario.example()
        adjust(&scenario)
        server = try await SandboxServer.start(scenario: scenario)
        let id = try await queue()
        let reply = try await result(id, #"{"finish":true}"#)
        XCTAssertEqual(reply.object["result"] as? String, "NOT_BUILT")
        let natural = try await queue()
        await advanceClock(seconds: 122)
        let build = try await jk(job + "/2/api/json")
        XCTAssertEqual(build.object["queueId"] as? Int, natural)
        XCTAssertEqual(build.object["result"] as? String, "NOT_BUILT", "a build left alone ends with build_result too")
    }

    func testScenarioRejectsAnUnknownBuildResult() throws {
        var scenario = try Scenario.example()
        scenario.jenkins.buildResult = "failure"
        XCTAssertThrowsError(try scenario.validate()) { error in
            let problem = error as? ScenarioError
            XCTAssertEqual(problem?.location, "jenkins.build_result")
            XCTAssertTrue(problem?.problem.contains("SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED") ?? false)
        }
        let decoded = try Scenario.decode(Data(#"{"github":{"tokens":[{"token":"t"}],"repositories":[]},"jenkins":{"users":[],"jobs":[],"build_result":"UNSTABLE"}}"#.utf8))
        XCTAssertEqual(decoded.jenkins.buildResult, "UNSTABLE")
        let defaulted = try Scenario.decode(Data(#"{"github":{"tokens":[{"token":"t"}],"repositories":[]},"jenkins":{"users":[],"jobs":[]}}"#.utf8))
        XCTAssertEqual(defaulted.jenkins.buildResult, "SUCCESS")
    }

    func testUnknownCancelledAndMalformedRequestsAreRefused() async throws {
        let unknown = try await result(99, #"{"result":"FAILURE"}"#)
        XCTAssertEqual(unknown.status, 404)
        let notANumber = try await result(0, #"{"result":"FAILURE"}"#)
        XCTAssertEqual(notANumber.status, 404)
        let word = try await control("POST", "/jenkins/queue/abc/result", json: #"{"finish":true}"#)
        XCTAssertEqual(word.status, 404)

        let id = try await queue()
        for bad in ["", "{}", "[]", #"{"result":"failure"}"#, #"{"result":3}"#, #"{"finish":"yes"}"#,
                    #"{"finish":false}"#, #"{"result":"SUCCESS","when":"now"}"#, "{\"result\":\"\u{0}\"}"] {
            let reply = try await result(id, bad)
            XCTAssertEqual(reply.status, 400, bad)
        }
        let untouched = await server.builds().first
        XCTAssertNil(untouched?.buildNumber, "nothing above started the build")

        _ = try await control("POST", "/jenkins/queue/\(id)/cancel")
        let cancelled = try await result(id, #"{"result":"FAILURE","finish":true}"#)
        XCTAssertEqual(cancelled.status, 409)
        XCTAssertTrue((cancelled.object["message"] as? String ?? "").contains("cancelled"))

        let index = try await control("GET", "/")
        XCTAssertTrue((index.object["endpoints"] as? [String] ?? []).contains { $0.contains("/_sandbox/jenkins/queue/{id}/result") })
    }

    func testABuildStaysReachableAfterItsQueueItemIsForgotten() async throws {
        let id = try await queue()
        try await server.finishBuild(queueID: id, .failure)
        await advanceClock(seconds: 301)  // past the five minutes Jenkins keeps a left item
        let item = try await jk("/queue/item/\(id)/api/json")
        XCTAssertEqual(item.status, 404)
        let build = try await jk(job + "/1/api/json")
        XCTAssertEqual(build.status, 200)
        XCTAssertEqual(build.object["queueId"] as? Int, id)
        XCTAssertEqual(build.object["result"] as? String, "FAILURE")
        let jobJSON = try await jk(job + "/api/json?tree=" + "builds%5Bnumber%2Cresult%5D")
        XCTAssertEqual((jobJSON.object["builds"] as? [[String: Any]])?.first?["result"] as? String, "FAILURE")
    }

    func testBuildJSONHonoursATree() async throws {
        let id = try await queue()
        try await server.finishBuild(queueID: id, .success)
        let reply = try await jk(job + "/1/api/json?tree=number%2Cresult%2Cbuilding%2Cduration")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(Set(reply.object.keys), ["_class", "number", "result", "building", "duration"])
        let bad = try await jk(job + "/1/api/json?tree=result%5B")
        XCTAssertEqual(bad.status, 400)
    }

    func testPermalinksAndTheJobColourFollowResults() async throws {
        let fresh = try await jk(job + "/api/json")
        XCTAssertEqual(fresh.object["color"] as? String, "notbuilt")
        XCTAssertTrue(fresh.object["lastBuild"] is NSNull)

        try await server.finishBuild(queueID: try await queue(), .success)
        try await server.finishBuild(queueID: try await queue(), .failure)
        let third = try await queue()
        await advanceClock(seconds: 61)  // #3 is running

        let reply = try await jk(job + "/api/json")
        XCTAssertEqual(reply.object["color"] as? String, "red_anime")
        func number(_ key: String) -> Int? { (reply.object[key] as? [String: Any])?["number"] as? Int }
        XCTAssertEqual(number("lastBuild"), 3)
        XCTAssertEqual(number("lastCompletedBuild"), 2)
        XCTAssertEqual(number("lastFailedBuild"), 2)
        XCTAssertEqual(number("lastSuccessfulBuild"), 1)
        XCTAssertEqual(number("lastStableBuild"), 1)
        XCTAssertEqual(number("lastUnsuccessfulBuild"), 2)
        XCTAssertTrue(reply.object["lastUnstableBuild"] is NSNull)
        let failed = try await jk(job + "/lastFailedBuild/api/json")
        XCTAssertEqual(failed.object["number"] as? Int, 2)
        let unstable = try await jk(job + "/lastUnstableBuild/api/json")
        XCTAssertEqual(unstable.status, 404)
        let nonsense = try await jk(job + "/firstBuild/api/json")
        XCTAssertEqual(nonsense.status, 404)

        try await server.finishBuild(queueID: third, .unstable)
        let after = try await jk(job + "/api/json")
        XCTAssertEqual(after.object["color"] as? String, "yellow")
    }

    func testTheSwiftAPIThrowsWhatTheControlAPIAnswers() async throws {
        do {
            try await server.finishBuild(queueID: 5, .failure)
            XCTFail("an unknown queue item cannot end")
        } catch let error as SandboxBuildControlError {
            XCTAssertEqual(error, .unknownQueueItem(5))
        }
        let id = try await queue()
        let ended = try await server.finishBuild(queueID: id, .aborted)
        XCTAssertEqual(ended.result, .aborted)
        XCTAssertEqual(ended.building, false)
        XCTAssertEqual(ended.buildNumber, 1)
        do {
            try await server.setBuildResult(queueID: id, .success)
            XCTFail("an ended build keeps its result")
        } catch let error as SandboxBuildControlError {
            XCTAssertEqual(error, .alreadyEnded(queueID: id, result: .aborted))
        }
    }
}
