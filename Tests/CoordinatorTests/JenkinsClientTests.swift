import AsyncHTTPClient
@testable import Coordinator
import Foundation
import Sandbox
import XCTest

/// `JenkinsClient` against the Sandbox's simulated Jenkins (under the `/jenkins` path prefix, like
/// a Jenkins behind a reverse proxy) over real HTTP on 127.0.0.1.
final class JenkinsClientTests: XCTestCase {
    private var harness: SandboxHarness?
    private var extraClients: [HTTPClient] = []

    override func tearDown() async throws {
        for client in extraClients { try? await client.shutdown() }
        extraClients = []
        await harness?.stop()
        harness = nil
    }

    private func start(_ scenario: Scenario = SandboxHarness.scenario()) async throws -> SandboxHarness {
        let started = try await SandboxHarness.start(scenario)
        harness = started
        return started
    }

    /// A client of a Jenkins whose port was just listening and is now closed: connections are
    /// refused at once.
    private func clientOfAStoppedJenkins(requestTimeout: Duration) async throws -> (JenkinsClient, String) {
        let gone = try await SandboxHarness.start(SandboxHarness.scenario())
        let deadURL = gone.server.jenkinsURL
        await gone.stop()
        let sandbox = try await start()
        let jenkins = JenkinsClient(
            http: sandbox.http, serverURL: deadURL, username: SandboxHarness.jenkinsUser,
            apiToken: Secret(SandboxHarness.jenkinsAPIToken), requestTimeout: requestTimeout, logger: SandboxHarness.logger)
        return (jenkins, deadURL)
    }

    private let parameters = [
        JobParameter("REPO_URL", "https://github.com/acme/demo.git"),
        JobParameter("BRANCH_NAME", "main"),
        JobParameter("COMMAND", "git pull && mcp-coder --log-level INFO create-plan 7 --note \"a+b=c & d\"\nexit 0"),
        JobParameter("GITHUB_CREDENTIALS_ID", "github-pat"),
    ]

    func testStartJobAnswers201WithQueueItem() async throws {
        let sandbox = try await start()

        let start = try await sandbox.jenkins().startJob(path: SandboxHarness.jobPath, parameters: parameters)

        XCTAssertFalse(start.merged)
        XCTAssertEqual(start.queueID, 1)
        XCTAssertEqual(start.queueURL, sandbox.server.jenkinsURL + "/queue/item/1/")
        let builds = await sandbox.server.builds()
        XCTAssertEqual(builds.count, 1)
        XCTAssertEqual(builds.first?.jobPath, SandboxHarness.jobPath)
        XCTAssertEqual(
            builds.first?.parameters, Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) }),
            "form encoding keeps spaces, quotes, &, =, + and newlines intact")
        let log = await sandbox.server.requests()
        XCTAssertEqual(log.map(\.method), ["GET", "POST"])
        XCTAssertEqual(log.map(\.path), [
            "/jenkins/crumbIssuer/api/json", "/jenkins/job/Coordinator/job/demo/job/executor/buildWithParameters",
        ])
        XCTAssertEqual(log.map(\.status), [404, 201], "without a crumb issuer the POST goes out without a crumb")
    }

    func testIdenticalWaitingRequestIsMergedWith303() async throws {
        let sandbox = try await start(SandboxHarness.scenario(startDelayMs: 60_000))
        let jenkins = sandbox.jenkins()

        let first = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        let second = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)

        XCTAssertFalse(first.merged)
        XCTAssertTrue(second.merged)
        XCTAssertEqual(second.queueID, first.queueID)
        let builds = await sandbox.server.builds()
        XCTAssertEqual(builds.count, 1)
        let posts = await sandbox.requests(containing: "buildWithParameters").map(\.status)
        XCTAssertEqual(posts, [201, 303])
    }

    func testRedirectFollowingHTTPClientStillReportsMerge() async throws {
        let sandbox = try await start(SandboxHarness.scenario(startDelayMs: 60_000))
        // A default HTTPClient follows redirects, unlike the one HTTPClientFactory builds.
        let following = HTTPClient(eventLoopGroupProvider: .singleton)
        extraClients.append(following)
        let jenkins = sandbox.jenkins(http: following)

        let first = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        let second = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)

        XCTAssertFalse(first.merged)
        XCTAssertTrue(second.merged)
        XCTAssertEqual(second.queueID, first.queueID)
        let builds = await sandbox.server.builds()
        XCTAssertEqual(builds.count, 1)
    }

    func testUnknownJobIsJobNotFound() async throws {
        let sandbox = try await start()

        await assertThrows(JenkinsError.self, {
            try await sandbox.jenkins().startJob(path: "Coordinator/demo/missing", parameters: self.parameters)
        }) { error in
            guard case let .jobNotFound(jobPath, url) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(jobPath, "Coordinator/demo/missing")
            XCTAssertEqual(url, sandbox.server.jenkinsURL + "/job/Coordinator/job/demo/job/missing/buildWithParameters")
        }
        let builds = await sandbox.server.builds()
        XCTAssertEqual(builds, [])
    }

    func testWrongCredentialsAreUnauthorizedAndNeverEchoed() async throws {
        let sandbox = try await start()
        let wrong = "not-the-token-0000"

        await assertThrows(JenkinsError.self, {
            try await sandbox.jenkins(secret: wrong).startJob(path: SandboxHarness.jobPath, parameters: self.parameters)
        }) { error in
            guard case .unauthorized = error else { return XCTFail("\(error)") }
            XCTAssertFalse(error.description.contains(wrong))
        }
        let builds = await sandbox.server.builds()
        XCTAssertEqual(builds, [])
    }

    func testCrumbIsFetchedOnceAndSentOnEveryPost() async throws {
        // With crumbs on, the Sandbox refuses password-authenticated POSTs that lack the crumb.
        let sandbox = try await start(SandboxHarness.scenario(crumb: true))
        let jenkins = sandbox.jenkins(secret: SandboxHarness.jenkinsPassword)

        let first = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: [JobParameter("N", "1")])
        let second = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: [JobParameter("N", "2")])

        XCTAssertEqual(first.queueID, 1)
        XCTAssertEqual(second.queueID, 2)
        let log = await sandbox.server.requests()
        XCTAssertEqual(log.map(\.method), ["GET", "POST", "POST"])
        XCTAssertEqual(log.map(\.status), [200, 201, 201])
        XCTAssertEqual(log.first?.path, "/jenkins/crumbIssuer/api/json")
    }

    func testApiTokenNeedsNoCrumbEvenWhenCrumbsAreOn() async throws {
        let sandbox = try await start(SandboxHarness.scenario(crumb: true))

        let start = try await sandbox.jenkins().startJob(path: SandboxHarness.jobPath, parameters: parameters)

        XCTAssertEqual(start.queueID, 1)
    }

    func testFolderAndJobNamesArePercentEncodedPerSegment() async throws {
        let odd = "Team Folder/release v1.2/build #3?ü"
        let sandbox = try await start(SandboxHarness.scenario(jobs: [odd]))

        let start = try await sandbox.jenkins().startJob(path: odd, parameters: [JobParameter("X", "y")])

        XCTAssertEqual(start.queueID, 1)
        let firstPost = await sandbox.requests(containing: "buildWithParameters").first
        let post = try XCTUnwrap(firstPost)
        XCTAssertEqual(post.path, "/jenkins/job/Team%20Folder/job/release%20v1.2/job/build%20%233%3F%C3%BC/buildWithParameters")
        let builds = await sandbox.server.builds()
        XCTAssertEqual(builds.first?.jobPath, odd)
    }

    func testFormEncodingEscapesEverythingButUnreservedCharacters() {
        XCTAssertEqual(
            HTTPEncoding.formBody([("A B", "x+y=z&w"), ("Q", "\"quoted\"\nline ü*-._~")]),
            "A+B=x%2By%3Dz%26w&Q=%22quoted%22%0Aline+%C3%BC*-._%7E")
    }

    func testQueueIDFromLocation() {
        XCTAssertEqual(JenkinsClient.queueID("https://ci.example.com/jenkins/queue/item/42/"), 42)
        XCTAssertEqual(JenkinsClient.queueID("/queue/item/7"), 7)
        XCTAssertNil(JenkinsClient.queueID("https://ci.example.com/job/x/"))
    }

    func testJobURLPathEncoding() {
        XCTAssertEqual(JenkinsClient.jobURLPath("A/B/C"), "/job/A/job/B/job/C")
        XCTAssertEqual(JenkinsClient.jobURLPath("/A//b.c/"), "/job/A/job/b.c")
        XCTAssertEqual(JenkinsClient.jobURLPath("100%/x"), "/job/100%25/job/x")
    }

    func testQueueItemGainsBuildURLAfterStartDelay() async throws {
        let sandbox = try await start(SandboxHarness.scenario(startDelayMs: 300))
        let jenkins = sandbox.jenkins()
        let start = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        let id = try XCTUnwrap(start.queueID)

        let waiting = try await jenkins.queueItem(id: id)
        XCTAssertEqual(waiting.id, id)
        XCTAssertNotNil(waiting.why)
        XCTAssertFalse(waiting.cancelled)
        XCTAssertNil(waiting.buildNumber)

        var item = waiting
        try await waitUntil("the queue item has a build", timeout: .seconds(5)) {
            item = try await jenkins.queueItem(id: id)
            return item.buildNumber != nil
        }
        XCTAssertNil(item.why)
        XCTAssertEqual(item.buildNumber, 1)
        XCTAssertEqual(item.buildURL, sandbox.server.jenkinsURL + "/job/Coordinator/job/demo/job/executor/1/")
    }

    func testCancelledQueueItemIsReported() async throws {
        let sandbox = try await start(SandboxHarness.scenario(startDelayMs: 60_000))
        let jenkins = sandbox.jenkins()
        let start = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        await sandbox.server.cancelQueueItem(try XCTUnwrap(start.queueID))

        let item = try await jenkins.queueItem(id: try XCTUnwrap(start.queueID))

        XCTAssertTrue(item.cancelled)
        XCTAssertNil(item.buildNumber)
    }

    func testForgottenQueueItemIsHTTP404() async throws {
        let sandbox = try await start()

        await assertThrows(JenkinsError.self, { try await sandbox.jenkins().queueItem(id: 4242) }) { error in
            guard case .http(404, _, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testReadsAreAskedOnceAndAnHTMLErrorPageBecomesItsReasonPhrase() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(
            500, method: "GET", path: "/queue/item/", count: 5, headers: ["Content-Type": "text/html"],
            body: "<html><body><h2>HTTP ERROR 500 java.lang.NullPointerException</h2></body></html>"))

        await assertThrows(JenkinsError.self, { try await sandbox.jenkins().queueItem(id: 1) }) { error in
            XCTAssertEqual(error, .http(status: 500, url: sandbox.server.jenkinsURL + "/queue/item/1/api/json", message: "Internal Server Error"))
        }
        let reads = await sandbox.requests(containing: "/queue/item/")
        XCTAssertEqual(reads.count, 1, "a failing Jenkins is reported at once, not retried")
    }

    func testServerErrorOnBuildIsHTTPErrorAndNotRetried() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(503, method: "POST", path: "buildWithParameters", count: 5, body: "Jenkins is going to shut down"))

        await assertThrows(JenkinsError.self, {
            try await sandbox.jenkins().startJob(path: SandboxHarness.jobPath, parameters: self.parameters)
        }) { error in
            XCTAssertEqual(error, .http(
                status: 503, url: sandbox.server.jenkinsURL + "/job/Coordinator/job/demo/job/executor/buildWithParameters",
                message: "Jenkins is going to shut down"))
        }
        let posts = await sandbox.requests(containing: "buildWithParameters")
        XCTAssertEqual(posts.count, 1, "a build POST is never repeated")
    }

    func testDroppedBuildRequestIsALostAnswerAndNotRetried() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.drop(method: "POST", path: "buildWithParameters", count: 5))

        await assertThrows(JenkinsError.self, {
            try await sandbox.jenkins().startJob(path: SandboxHarness.jobPath, parameters: self.parameters)
        }) { error in
            // The connection was open and the request sent: only Jenkins can say whether it acted.
            guard case .answerLost = error else { return XCTFail("\(error)") }
        }
        let posts = await sandbox.requests(containing: "buildWithParameters")
        XCTAssertEqual(posts.count, 1, "a build POST is never repeated")
    }

    func testJenkinsDownIsTransportErrorQuickly() async throws {
        let (jenkins, deadURL) = try await clientOfAStoppedJenkins(requestTimeout: .seconds(20))

        let clock = ContinuousClock()
        let started = clock.now
        await assertThrows(JenkinsError.self, {
            try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: self.parameters)
        }) { error in
            guard case let .transport(url, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(url.hasPrefix(deadURL))
        }
        XCTAssertLessThan(clock.now - started, .seconds(5), "a refused connection is reported, not waited on")
    }

    // MARK: - Finding the job of a lost answer

    func testALostAnswerIsFoundInTheQueueWithItsParameters() async throws {
        let sandbox = try await start(SandboxHarness.scenario(startDelayMs: 60_000))
        let jenkins = sandbox.jenkins()
        let intent = Date()
        await sandbox.server.injectFault(.loseAnswer(method: "POST", path: "buildWithParameters"))

        await assertThrows(JenkinsError.self, {
            try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: self.parameters)
        }) { error in
            guard case .answerLost = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("may or may not have been queued"), error.description)
        }
        let found = try await jenkins.findJob(JobQuery(jobPath: SandboxHarness.jobPath, parameters: parameters, notBefore: intent))
        XCTAssertEqual(found, JobSighting(place: .queue, queueID: 1))
        let requests = await sandbox.server.requests().map(\.path)
        XCTAssertEqual(requests.last, "/jenkins/queue/api/json", "found in the queue: the builds are not asked")
    }

    func testAStartedJobIsFoundAmongTheBuilds() async throws {
        let sandbox = try await start()
        let jenkins = sandbox.jenkins()
        let intent = Date()
        let started = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        try await waitUntil("the build started") { await sandbox.server.builds().first?.buildNumber != nil }

        let found = try await jenkins.findJob(JobQuery(jobPath: SandboxHarness.jobPath, parameters: parameters, notBefore: intent))
        XCTAssertEqual(found?.place, .builds)
        XCTAssertEqual(found?.queueID, started.queueID)
        XCTAssertEqual(found?.buildNumber, 1)
        XCTAssertEqual(found?.buildURL, sandbox.server.jenkinsURL + "/job/Coordinator/job/demo/job/executor/1/")
    }

    func testOlderOtherOrExcludedJobsAreNotTheOneLookedFor() async throws {
        let sandbox = try await start(SandboxHarness.scenario(startDelayMs: 60_000))
        let jenkins = sandbox.jenkins()
        // An hour ago: the same parameters, from an earlier pickup.
        await sandbox.server.setClockOffset(seconds: -3600)
        _ = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        await sandbox.server.setClockOffset(seconds: 0)
        let intent = Date()
        // Now: another issue's job, and one with a different branch.
        var other = parameters
        other[2] = JobParameter("COMMAND", "mcp-coder --log-level INFO create-plan 8")
        _ = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: other)
        var branch = parameters
        branch[1] = JobParameter("BRANCH_NAME", "7-other")
        _ = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: branch)

        let query = JobQuery(jobPath: SandboxHarness.jobPath, parameters: parameters, notBefore: intent)
        let none = try await jenkins.findJob(query)
        XCTAssertNil(none)

        // The same parameters now, but recorded against another dispatch: still not this one's.
        let recent = try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: parameters)
        var excluding = query
        excluding.excludedQueueIDs = [try XCTUnwrap(recent.queueID)]
        let excluded = try await jenkins.findJob(excluding)
        XCTAssertNil(excluded)
        let found = try await jenkins.findJob(query)
        XCTAssertEqual(found?.queueID, recent.queueID)
    }

    func testFindingWithJenkinsDownIsATransportError() async throws {
        let (jenkins, _) = try await clientOfAStoppedJenkins(requestTimeout: .seconds(5))
        await assertThrows(JenkinsError.self, {
            try await jenkins.findJob(JobQuery(jobPath: SandboxHarness.jobPath, parameters: self.parameters, notBefore: Date()))
        }) { error in
            guard case .transport = error else { return XCTFail("\(error)") }
        }
    }

    func testABuildRequestToAStoppedJenkinsIsNotALostAnswer() async throws {
        // The crumb is known (prepareToStart), then Jenkins goes away: the POST finds no server,
        // so nothing can have been queued.
        let sandbox = try await start()
        let doomed = try await SandboxHarness.start(SandboxHarness.scenario())
        let jenkins = JenkinsClient(
            http: sandbox.http, serverURL: doomed.server.jenkinsURL, username: SandboxHarness.jenkinsUser,
            apiToken: Secret(SandboxHarness.jenkinsAPIToken), requestTimeout: .seconds(5), logger: SandboxHarness.logger)
        try await jenkins.prepareToStart()
        await doomed.stop()
        // The crumb request left a keep-alive connection to the stopped server in the shared pool,
        // and the client may not have seen it close yet: a POST written to it would truly be a lost
        // answer. Wait until a fresh request is refused, so the build request finds no server.
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let probe = JenkinsClient(
                http: sandbox.http, serverURL: doomed.server.jenkinsURL, username: SandboxHarness.jenkinsUser,
                apiToken: Secret(SandboxHarness.jenkinsAPIToken), requestTimeout: .seconds(5), logger: SandboxHarness.logger)
            do {
                try await probe.prepareToStart()
            } catch {
                if "\(error)".contains("refused") { break }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        await assertThrows(JenkinsError.self, {
            try await jenkins.startJob(path: SandboxHarness.jobPath, parameters: self.parameters)
        }) { error in
            guard case .transport = error else { return XCTFail("expected a definite failure, got \(error)") }
        }
    }

    func testACrumbFieldThatIsNoHeaderNameIsAJenkinsErrorNotATrap() async throws {
        let sandbox = try await start()
        for field in ["ü", "", "Jenkins Crumb", "Jenkins-Crumb\nX-Evil: 1", "a:b"] {
            let body = String(decoding: try JSONEncoder().encode(["crumb": "abc", "crumbRequestField": field]), as: UTF8.self)
            await sandbox.server.injectFault(.status(200, method: "GET", path: "/crumbIssuer/api/json", headers: ["Content-Type": "application/json"], body: body))
            let jenkins = sandbox.jenkins()
            await assertThrows(JenkinsError.self, { try await jenkins.prepareToStart() }) { error in
                guard case let .malformed(_, message) = error else { return XCTFail("\(field): \(error)") }
                XCTAssertTrue(message.contains("invalid header field"), message)
            }
        }
        let crumbValue = String(decoding: try JSONEncoder().encode(["crumb": "a\r\nb", "crumbRequestField": "Jenkins-Crumb"]), as: UTF8.self)
        await sandbox.server.injectFault(.status(200, method: "GET", path: "/crumbIssuer/api/json", body: crumbValue))
        await assertThrows(JenkinsError.self, { try await sandbox.jenkins().prepareToStart() }) { error in
            guard case .malformed = error else { return XCTFail("\(error)") }
        }
        let posts = await sandbox.requests(containing: "buildWithParameters")
        XCTAssertEqual(posts.count, 0)
    }
}
