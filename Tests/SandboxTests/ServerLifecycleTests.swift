import AsyncHTTPClient
import Foundation
import Sandbox
import XCTest

final class ServerLifecycleTests: XCTestCase {
    func testStartAndStopManyTimesInOneProcess() async throws {
        let scenario = try Scenario.example()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var ports: [Int] = []
        for _ in 0..<5 {
            let server = try await SandboxServer.start(scenario: scenario)
            XCTAssertGreaterThan(server.port, 0)
            XCTAssertEqual(server.baseURL, "http://127.0.0.1:\(server.port)")
            XCTAssertEqual(server.githubAPIURL, server.baseURL)
            XCTAssertEqual(server.jenkinsURL, server.baseURL + "/jenkins")
            var request = HTTPClientRequest(url: server.controlURL + "/builds")
            request.method = .GET
            let response = try await client.execute(request, timeout: .seconds(5))
            XCTAssertEqual(response.status.code, 200)
            _ = try await response.body.collect(upTo: 1 << 20)
            ports.append(server.port)
            await server.stop()
            await server.stop()
        }
        XCTAssertEqual(ports.count, 5)
        try await client.shutdown()
    }

    func testTwoServersHaveIndependentState() async throws {
        let scenario = try Scenario.example()
        let a = try await SandboxServer.start(scenario: scenario)
        let b = try await SandboxServer.start(scenario: scenario)
        XCTAssertNotEqual(a.port, b.port)
        await a.setLabels(owner: "acme", repo: "infra", number: 2, labels: ["wait"])
        let labelsOnB = await b.issue(owner: "acme", repo: "infra", number: 2)?.labels
        XCTAssertEqual(labelsOnB, ["status-02:awaiting-planning"])
        await a.stop()
        await b.stop()
    }

    func testStoppedServerRefusesConnections() async throws {
        let server = try await SandboxServer.start(scenario: try Scenario.example())
        let url = server.controlURL + "/builds"
        await server.stop()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            _ = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(1))
            XCTFail("a stopped server must not answer")
        } catch {
            // Connection refused; the client retries until its deadline, hence the short one.
        }
        try await client.shutdown()
    }

    func testInvalidScenarioAndBusyPortFailToStart() async throws {
        var scenario = try Scenario.example()
        scenario.github.tokens = []
        do {
            _ = try await SandboxServer.start(scenario: scenario)
            XCTFail("an invalid scenario must not start")
        } catch let error as ScenarioError {
            XCTAssertEqual(error.location, "github.tokens")
        }
        let first = try await SandboxServer.start(scenario: try Scenario.example())
        do {
            let second = try await SandboxServer.start(scenario: try Scenario.example(), port: first.port)
            await second.stop()
            XCTFail("a busy port must not start")
        } catch {}
        await first.stop()
    }
}
