import Foundation
import Sandbox
import XCTest

/// Numbers from a client or a scenario file that used to stop the Sandbox with a Swift trap.
final class HostileRequestTests: SandboxTestCase {
    func testPageNumberNearIntMaxIsAnEmptyPage() async throws {
        for page in ["9223372036854775807", "92233720368547758", "4611686018427387904"] {
            let reply = try await gh("/repos/acme/mcp_coder/issues?state=all&per_page=100&page=\(page)")
            XCTAssertEqual(reply.status, 200, "page=\(page)")
            XCTAssertEqual(reply.array.count, 0, "page=\(page)")
        }
        let stillServing = try await gh("/repos/acme/mcp_coder/issues?state=all")
        XCTAssertEqual(stillServing.status, 200)
    }

    func testFaultHeadersThatAreNoHTTPFieldsDoNotStopTheServer() async throws {
        await server.injectFault(.status(
            200, method: "GET", path: "/repos/acme/mcp_coder/issues", count: 1,
            headers: ["Link": "<x>\r\nX-Injected: 1", "bad name": "v", "": "empty", "X-Ok": "\u{0}nul"], body: "[]"))
        let reply = try await gh("/repos/acme/mcp_coder/issues")
        XCTAssertEqual(reply.status, 200)
        XCTAssertNil(reply.header("X-Injected"), "a value cannot start a header of its own")
        XCTAssertNil(reply.header("bad name"))
        let after = try await gh("/repos/acme/mcp_coder/issues")
        XCTAssertEqual(after.status, 200)
    }

    func testSinceWithManyFractionDigitsIsParsed() async throws {
        let digits = String(repeating: "9", count: 40)
        let reply = try await gh("/repos/acme/mcp_coder/issues?state=all&since=2000-01-01T00:00:00.\(digits)Z")
        XCTAssertEqual(reply.status, 200)
        XCTAssertFalse(reply.array.isEmpty, "every example issue is updated after 2000")
        let bad = try await gh("/repos/acme/mcp_coder/issues?since=2000-01-01T00:00:00.9x9Z")
        XCTAssertEqual(bad.status, 422)
    }
}

final class HostileScenarioTests: XCTestCase {
    private let minimal = #"{"github":{"tokens":[{"token":"t"}],"repositories":[{"owner":"o","name":"r","issues":[ISSUES]}]},"jenkins":{JENKINS"users":[{"username":"u","api_token":"k"}],"jobs":[{"path":"A/B"JOB}]}}"#

    private func scenario(issues: String = "", jenkins: String = "", job: String = "") -> Data {
        Data(minimal
            .replacingOccurrences(of: "ISSUES", with: issues)
            .replacingOccurrences(of: "JENKINS", with: jenkins)
            .replacingOccurrences(of: "JOB", with: job).utf8)
    }

    private func error(_ data: Data) -> ScenarioError? {
        do {
            _ = try Scenario.decode(data, file: "s.json")
            return nil
        } catch {
            return error as? ScenarioError
        }
    }

    func testIssueNumberBeyondThirtyTwoBitsIsRejected() {
        for number in ["9223372036854775807", "2147483648", "0", "-1"] {
            let problem = error(scenario(issues: #"{"number":NUMBER,"title":"x","created_at":"2026-11-24T10:00:00Z"}"#
                .replacingOccurrences(of: "NUMBER", with: number)))
            XCTAssertEqual(problem?.location, "github.repositories[0].issues[0].number", number)
            XCTAssertEqual(problem?.problem, "must be from 1 to 2147483647", number)
        }
        XCTAssertNil(error(scenario(issues: #"{"number":2147483647,"title":"x","created_at":"2026-11-24T10:00:00Z"}"#)))
    }

    func testNextBuildNumberBeyondThirtyTwoBitsIsRejected() {
        let problem = error(scenario(job: #","next_build_number":9223372036854775807"#))
        XCTAssertEqual(problem?.location, "jenkins.jobs[0].next_build_number")
        XCTAssertEqual(problem?.problem, "must be from 1 to 2147483647")
    }

    func testDurationsBeyondAYearAreRejected() {
        for key in ["start_delay_ms", "build_duration_ms", "queue_retention_ms"] {
            for value in ["9223372036854775807", "31536000001", "-1"] {
                let problem = error(scenario(jenkins: "\"\(key)\":\(value),"))
                XCTAssertEqual(problem?.location, "jenkins.\(key)", "\(key) = \(value)")
                XCTAssertEqual(problem?.problem, "must be from 0 to 31536000000 (one year)", "\(key) = \(value)")
            }
            XCTAssertNil(error(scenario(jenkins: "\"\(key)\":31536000000,")), key)
        }
    }

    func testServerRefusesAScenarioBuiltInCodeWithAnEndlessDelay() async throws {
        var scenario = try Scenario.example()
        scenario.jenkins.startDelayMs = .max
        do {
            let server = try await SandboxServer.start(scenario: scenario)
            await server.stop()
            XCTFail("a start delay of Int.max milliseconds must be refused")
        } catch let error as ScenarioError {
            XCTAssertEqual(error.location, "jenkins.start_delay_ms")
        }
    }

    func testTimestampWithManyFractionDigitsLoads() throws {
        let stamp = "2026-11-24T10:00:00." + String(repeating: "5", count: 30) + "Z"
        XCTAssertNil(error(scenario(issues: #"{"number":1,"title":"x","created_at":"STAMP"}"#.replacingOccurrences(of: "STAMP", with: stamp))))
    }
}

/// The longest delays and largest numbers a scenario may hold still render as Jenkins JSON.
final class HostileScenarioServerTests: SandboxTestCase {
    override func adjust(_ scenario: inout Scenario) {
        scenario.jenkins.crumb = false
        scenario.jenkins.startDelayMs = 31_536_000_000
        scenario.jenkins.buildDurationMs = 31_536_000_000
        scenario.jenkins.queueRetentionMs = 31_536_000_000
        scenario.jenkins.jobs = scenario.jenkins.jobs.map { .init(path: $0.path, nextBuildNumber: 2_147_483_647) }
    }

    private let job = "/job/Coordinator/job/mcp_coder/job/executor"

    func testAQueueItemStartingInAYearRendersItsTimestamp() async throws {
        let started = try await jk("POST", job + "/buildWithParameters", form: "BRANCH_NAME=main&COMMAND=x")
        XCTAssertEqual(started.status, 201)
        let item = try await jk("/queue/item/1/api/json")
        XCTAssertEqual(item.status, 200)
        let timestamp = try XCTUnwrap(item.object["timestamp"] as? Int)
        XCTAssertGreaterThan(timestamp, Int(Date().timeIntervalSince1970 * 1000) + 364 * 86_400_000)
    }
}
