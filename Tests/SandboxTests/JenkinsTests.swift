import Foundation
import Sandbox
import XCTest

final class JenkinsTests: SandboxTestCase {
    private var crumb = true

    /// Each phase lasts a minute of the Sandbox's clock: none passes on its own during a test, and
    /// a test moves the clock past one instead of waiting for it.
    private static let startDelayMs = 60_000
    private static let buildDurationMs = 60_000

    override func adjust(_ scenario: inout Scenario) {
        scenario.jenkins.crumb = crumb
        scenario.jenkins.startDelayMs = Self.startDelayMs
        scenario.jenkins.buildDurationMs = Self.buildDurationMs
        scenario.jenkins.queueRetentionMs = retention
    }

    private var retention = 300_000

    /// How far the running Sandbox's clock is ahead of the real one; a new server starts at 0.
    private var clockOffsetMs = 0

    /// Moves the Sandbox's clock `milliseconds` further, plus a second to spare.
    private func advanceClock(pastMilliseconds milliseconds: Int) async {
        clockOffsetMs += milliseconds + 1000
        await server.setClockOffset(seconds: TimeInterval(clockOffsetMs) / 1000)
    }

    /// Past the start delay: every waiting queue item has started.
    private func passTheStartDelay() async {
        await advanceClock(pastMilliseconds: Self.startDelayMs)
    }

    private func restart(crumb: Bool) async throws {
        await server.stop()
        self.crumb = crumb
        var scenario = try Scenario.example()
        adjust(&scenario)
        server = try await SandboxServer.start(scenario: scenario)
        clockOffsetMs = 0
    }

    private let job = "/job/Coordinator/job/mcp_coder/job/executor"
    private let form = "REPO_URL=https%3A%2F%2Fgithub.com%2Facme%2Fmcp_coder.git&BRANCH_NAME=main&COMMAND=mcp-coder+create-plan+101&GITHUB_CREDENTIALS_ID=github-pat"

    func testBuildWithParametersAnswers201WithQueueLocation() async throws {
        let reply = try await jk("POST", job + "/buildWithParameters", form: form)
        XCTAssertEqual(reply.status, 201)
        XCTAssertEqual(reply.header("Location"), jenkins + "/queue/item/1/")
        let builds = await server.builds()
        XCTAssertEqual(builds.count, 1)
        XCTAssertEqual(builds[0].jobPath, "Coordinator/mcp_coder/executor")
        XCTAssertEqual(builds[0].queueID, 1)
        XCTAssertEqual(builds[0].parameters, [
            "REPO_URL": "https://github.com/acme/mcp_coder.git", "BRANCH_NAME": "main",
            "COMMAND": "mcp-coder create-plan 101", "GITHUB_CREDENTIALS_ID": "github-pat",
        ])
        XCTAssertNil(builds[0].buildNumber)
    }

    func testIdenticalRequestWhileQueuedIs303ToTheSameItem() async throws {
        let first = try await jk("POST", job + "/buildWithParameters", form: form)
        let second = try await jk("POST", job + "/buildWithParameters", form: form)
        XCTAssertEqual(second.status, 303)
        XCTAssertEqual(second.header("Location"), first.header("Location"))
        let different = try await jk("POST", job + "/buildWithParameters", form: form + "&EXTRA=1")
        XCTAssertEqual(different.status, 201)
        XCTAssertEqual(different.header("Location"), jenkins + "/queue/item/2/")
        let builds = await server.builds()
        XCTAssertEqual(builds.map(\.queueID), [1, 2])
        await passTheStartDelay()
        let afterStart = try await jk("POST", job + "/buildWithParameters", form: form)
        XCTAssertEqual(afterStart.status, 201, "once the first item left the queue, a new one is made")
    }

    func testParametersInTheQueryStringAndEncodedJobSegments() async throws {
        let reply = try await jk("POST", "/job/Coordinator/job/web%2Esite/job/executor/buildWithParameters?BRANCH_NAME=6-blog-engine&COMMAND=a%20b")
        XCTAssertEqual(reply.status, 201)
        let builds = await server.builds()
        let build = try XCTUnwrap(builds.first)
        XCTAssertEqual(build.jobPath, "Coordinator/web.site/executor")
        XCTAssertEqual(build.parameters, ["BRANCH_NAME": "6-blog-engine", "COMMAND": "a b"])
    }

    func testUnknownJobIs404() async throws {
        let reply = try await jk("POST", "/job/Coordinator/job/nope/job/executor/buildWithParameters", form: form)
        XCTAssertEqual(reply.status, 404)
        let noBuilds = await server.builds().isEmpty
        XCTAssertTrue(noBuilds)
    }

    func testQueueItemTurnsIntoABuildAfterTheStartDelay() async throws {
        let started = try await jk("POST", "/job/Coordinator/job/infra/job/executor/buildWithParameters", form: "BRANCH_NAME=master")
        let location = try XCTUnwrap(started.header("Location"))
        let waiting = try await send("GET", location + "api/json", headers: ["Authorization": Self.jenkinsAuth])
        XCTAssertEqual(waiting.status, 200)
        XCTAssertEqual(waiting.object["_class"] as? String, "hudson.model.Queue$WaitingItem")
        XCTAssertEqual(waiting.object["id"] as? Int, 1)
        XCTAssertEqual(waiting.object["why"] as? String, "Waiting for next available executor")
        XCTAssertEqual(waiting.object["cancelled"] as? Bool, false)
        XCTAssertNil(waiting.object["executable"])

        await passTheStartDelay()
        let left = try await jk("/queue/item/1/api/json")
        XCTAssertEqual(left.object["_class"] as? String, "hudson.model.Queue$LeftItem")
        let executable = try XCTUnwrap(left.object["executable"] as? [String: Any])
        XCTAssertEqual(executable["number"] as? Int, 42, "the scenario sets next_build_number")
        XCTAssertEqual(executable["url"] as? String, jenkins + "/job/Coordinator/job/infra/job/executor/42/")
        let buildNumber = await server.builds().first?.buildNumber
        XCTAssertEqual(buildNumber, 42)

        let build = try await jk("/job/Coordinator/job/infra/job/executor/42/api/json")
        XCTAssertEqual(build.status, 200)
        XCTAssertEqual(build.object["number"] as? Int, 42)
        XCTAssertEqual(build.object["building"] as? Bool, true)
        XCTAssertTrue(build.object["result"] is NSNull)
        await advanceClock(pastMilliseconds: Self.buildDurationMs)
        let finished = try await jk("/job/Coordinator/job/infra/job/executor/42/api/json")
        XCTAssertEqual(finished.object["building"] as? Bool, false)
        XCTAssertEqual(finished.object["result"] as? String, "SUCCESS")
        let missing = try await jk("/job/Coordinator/job/infra/job/executor/43/api/json")
        XCTAssertEqual(missing.status, 404)
    }

    func testLeftQueueItemsAreForgottenAfterTheRetention() async throws {
        retention = 120_000
        try await restart(crumb: crumb)
        _ = try await jk("POST", job + "/buildWithParameters", form: form)
        await passTheStartDelay()
        let left = try await jk("/queue/item/1/api/json")
        XCTAssertEqual(left.status, 200, "just started, still remembered")
        await advanceClock(pastMilliseconds: retention)
        let forgotten = try await jk("/queue/item/1/api/json")
        XCTAssertEqual(forgotten.status, 404)
        let observedBuilds = await server.builds()
        XCTAssertEqual(observedBuilds.first?.buildNumber, 1, "the build itself is kept")
    }

    func testUnknownQueueItemIs404() async throws {
        let reply = try await jk("/queue/item/77/api/json")
        XCTAssertEqual(reply.status, 404)
    }

    func testCancelledQueueItemReportsCancelled() async throws {
        _ = try await jk("POST", job + "/buildWithParameters", form: form)
        let cancelled = try await control("POST", "/jenkins/queue/1/cancel")
        XCTAssertEqual(cancelled.status, 204)
        let item = try await jk("/queue/item/1/api/json")
        XCTAssertEqual(item.object["cancelled"] as? Bool, true)
        XCTAssertTrue(item.object["executable"] is NSNull)
        // A waiting item would have started by now.
        await passTheStartDelay()
        let cancelledBuildNumber = await server.builds().first?.buildNumber
        XCTAssertNil(cancelledBuildNumber, "a cancelled item never starts")
        let cancelledFlag = await server.builds().first?.cancelled
        XCTAssertEqual(cancelledFlag, true)

        _ = try await jk("POST", job + "/buildWithParameters", form: "X=1")
        let viaJenkins = try await jk("POST", "/queue/cancelItem?id=2")
        XCTAssertEqual(viaJenkins.status, 302)
        let cancelledViaJenkins = try await jk("/queue/item/2/api/json").object["cancelled"] as? Bool
        XCTAssertEqual(cancelledViaJenkins, true)
    }

    func testMissingOrWrongCredentialsAre401() async throws {
        let none = try await jk("/api/json", auth: nil)
        XCTAssertEqual(none.status, 401)
        XCTAssertNotNil(none.header("WWW-Authenticate"))
        let wrong = try await jk("POST", job + "/buildWithParameters", form: form, auth: "Basic " + Data("bot:nope".utf8).base64EncodedString())
        XCTAssertEqual(wrong.status, 401)
        let noBuildsAfterBadAuth = await server.builds().isEmpty
        XCTAssertTrue(noBuildsAfterBadAuth)
    }

    func testCrumbIssuerWhenOn() async throws {
        let reply = try await jk("/crumbIssuer/api/json")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.object["_class"] as? String, "hudson.security.csrf.DefaultCrumbIssuer")
        XCTAssertEqual(reply.object["crumbRequestField"] as? String, "Jenkins-Crumb")
        XCTAssertFalse((reply.object["crumb"] as? String ?? "").isEmpty)
    }

    func testPasswordNeedsACrumbButAPITokenDoesNot() async throws {
        let password = "Basic " + Data("operator:sandbox-password".utf8).base64EncodedString()
        let withoutCrumb = try await jk("POST", job + "/buildWithParameters", form: form, auth: password)
        XCTAssertEqual(withoutCrumb.status, 403)
        XCTAssertTrue(withoutCrumb.text.contains("No valid crumb"))
        let crumb = try await jk("/crumbIssuer/api/json", auth: password).object["crumb"] as? String
        let withCrumb = try await jk(
            "POST", job + "/buildWithParameters", form: form, auth: password, headers: ["Jenkins-Crumb": crumb ?? ""]
        )
        XCTAssertEqual(withCrumb.status, 201)
        let token = try await jk("POST", job + "/buildWithParameters", form: form + "&B=2")
        XCTAssertEqual(token.status, 201, "API tokens are exempt from CSRF protection")
    }

    func testCrumbIssuerIs404WhenOff() async throws {
        try await restart(crumb: false)
        let reply = try await jk("/crumbIssuer/api/json")
        XCTAssertEqual(reply.status, 404)
        let password = "Basic " + Data("operator:sandbox-password".utf8).base64EncodedString()
        let post = try await jk("POST", job + "/buildWithParameters", form: form, auth: password)
        XCTAssertEqual(post.status, 201)
    }

    func testJobFolderAndRootJSON() async throws {
        let root = try await jk("/api/json")
        XCTAssertEqual(root.header("X-Jenkins")?.isEmpty, false)
        XCTAssertEqual((root.object["jobs"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["Coordinator"])
        let folder = try await jk("/job/Coordinator/api/json")
        XCTAssertEqual((folder.object["jobs"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["mcp_coder", "web.site", "infra"])
        let job = try await jk(job + "/api/json")
        XCTAssertEqual(job.object["fullName"] as? String, "Coordinator/mcp_coder/executor")
        XCTAssertEqual(job.object["nextBuildNumber"] as? Int, 1)
    }
}
