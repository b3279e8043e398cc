@testable import Coordinator
import Foundation
import NIOHTTP1
import Sandbox
import XCTest

/// `GitHubClient` against the Sandbox's simulated GitHub over real HTTP on 127.0.0.1.
final class GitHubClientTests: XCTestCase {
    private var harness: SandboxHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    private func start(_ scenario: Scenario = SandboxHarness.scenario(issues: (1...3).map { SandboxHarness.issue($0) })) async throws -> SandboxHarness {
        let started = try await SandboxHarness.start(scenario)
        harness = started
        return started
    }

    private let owner = SandboxHarness.owner
    private let repo = SandboxHarness.repo

    // MARK: Listing

    func testListingFollowsLinkHeaderAcrossPages() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: (1...250).map { SandboxHarness.issue($0) }))

        let listing = try await sandbox.github().listIssues(state: .open, since: nil, validator: nil)

        XCTAssertEqual(listing.issues.map(\.number).sorted(), Array(1...250))
        XCTAssertFalse(listing.notModified)
        XCTAssertNil(listing.validator, "an ETag of the first page says nothing about later pages")
        let pages = await sandbox.requests(containing: "/repos/acme/demo/issues")
        XCTAssertEqual(pages.count, 3)
        XCTAssertEqual(pages.map(\.status), [200, 200, 200])
        XCTAssertEqual(pages[0].query, "state=open&per_page=100")
        XCTAssertTrue(pages[1].query.contains("page=2"))
        XCTAssertTrue(pages[2].query.contains("page=3"))
    }

    func testListingDropsPullRequests() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: [
            SandboxHarness.issue(1), SandboxHarness.issue(2, pullRequest: true),
            SandboxHarness.issue(3), SandboxHarness.issue(4, pullRequest: true),
        ]))

        let listing = try await sandbox.github().listIssues(state: .all, since: nil, validator: nil)

        XCTAssertEqual(listing.issues.map(\.number).sorted(), [1, 3])
    }

    func testListingMapsGitHubFieldsToIssues() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: [
            SandboxHarness.issue(1, labels: ["status-05:plan-ready", "enhancement"]), SandboxHarness.issue(2, labels: []),
        ]))

        let listing = try await sandbox.github().listIssues(state: .open, since: nil, validator: nil)
        let one = try XCTUnwrap(listing.issues.first { $0.number == 1 })
        let two = try XCTUnwrap(listing.issues.first { $0.number == 2 })

        XCTAssertEqual(one.title, "Issue 1")
        XCTAssertEqual(one.body, "Body of 1")
        XCTAssertEqual(two.body, "", "GitHub's null body becomes an empty string")
        XCTAssertEqual(one.state, .open)
        XCTAssertEqual(one.labels, ["status-05:plan-ready", "enhancement"])
        XCTAssertEqual(two.labels, [])
        XCTAssertEqual(one.assignees, ["alice", "bob"])
        XCTAssertEqual(one.user, "octocat")
        XCTAssertEqual(one.url, "https://github.com/acme/demo/issues/1")
        XCTAssertEqual(one.createdAt, Timestamp.parse("2026-11-20T08:01:00Z"))
        XCTAssertEqual(one.updatedAt, Timestamp.parse("2026-11-20T08:01:00Z"))
        XCTAssertNotNil(listing.serverDate, "the Date header of the first page is kept")
        XCTAssertEqual(listing.serverDate.map { abs($0.timeIntervalSinceNow) < 60 }, true)
    }

    func testSinceIsSentInUTCWithZSuffix() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: [
            SandboxHarness.issue(1, updatedAt: "2026-11-24T09:00:00Z"),
            SandboxHarness.issue(2, updatedAt: "2026-11-24T10:30:00Z"),
        ]))
        // 11:00 in UTC+1 is 10:00 UTC; the client must send the UTC instant, not local wall time.
        var berlin = Calendar(identifier: .gregorian)
        berlin.timeZone = TimeZone(identifier: "Europe/Berlin")!
        let since = try XCTUnwrap(berlin.date(from: DateComponents(year: 2026, month: 11, day: 24, hour: 11)))

        let listing = try await sandbox.github().listIssues(state: .all, since: since, validator: nil)

        XCTAssertEqual(listing.issues.map(\.number), [2])
        let firstRequest = await sandbox.requests(containing: "/issues").first
        let request = try XCTUnwrap(firstRequest)
        XCTAssertEqual(request.query, "state=all&per_page=100&since=2026-11-24T10%3A00%3A00Z")
    }

    func testUnchangedListAnswers304ForItsValidator() async throws {
        let sandbox = try await start()
        let github = sandbox.github()

        let first = try await github.listIssues(state: .open, since: nil, validator: nil)
        let validator = try XCTUnwrap(first.validator, "a single-page answer comes with a validator")
        XCTAssertTrue(validator.url.hasSuffix("/repos/acme/demo/issues?state=open&per_page=100"))

        let second = try await github.listIssues(state: .open, since: nil, validator: validator)
        XCTAssertTrue(second.notModified)
        XCTAssertEqual(second.issues, [])
        XCTAssertEqual(second.validator, validator)

        await sandbox.server.setLabels(owner: owner, repo: repo, number: 2, labels: ["status-03:planning"])
        let third = try await github.listIssues(state: .open, since: nil, validator: validator)
        XCTAssertFalse(third.notModified)
        XCTAssertEqual(third.issues.first { $0.number == 2 }?.labels, ["status-03:planning"])
        XCTAssertNotEqual(third.validator, validator)

        let statuses = await sandbox.requests(containing: "/issues").map(\.status)
        XCTAssertEqual(statuses, [200, 304, 200])
    }

    func testValidatorOfAnotherURLIsNotSent() async throws {
        let sandbox = try await start()
        let github = sandbox.github()
        let open = try await github.listIssues(state: .open, since: nil, validator: nil)

        let all = try await github.listIssues(state: .all, since: nil, validator: open.validator)

        XCTAssertFalse(all.notModified)
        XCTAssertEqual(all.issues.count, 3)
    }

    func testReadsOneIssue() async throws {
        let sandbox = try await start()

        let issue = try await sandbox.github().issue(number: 3)

        XCTAssertEqual(issue.number, 3)
        XCTAssertEqual(issue.labels, ["status-02:awaiting-planning"])
    }

    func testMissingIssueIsHTTP404WithGitHubsMessage() async throws {
        let sandbox = try await start()

        await assertThrows(GitHubError.self, { try await sandbox.github().issue(number: 999) }) { error in
            guard case let .http(status, url, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 404)
            XCTAssertTrue(url.hasSuffix("/repos/acme/demo/issues/999"))
            XCTAssertEqual(message, "Not Found")
        }
    }

    // MARK: Authentication and errors

    func testUnknownTokenIsUnauthorizedAndNeverEchoed() async throws {
        let sandbox = try await start()
        let wrong = "ghp_wrongTokenThatMustNotLeak"

        await assertThrows(GitHubError.self, { try await sandbox.github(token: wrong).issue(number: 1) }) { error in
            guard case let .unauthorized(url, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "Bad credentials")
            XCTAssertFalse(url.contains(wrong))
            XCTAssertFalse(error.description.contains(wrong))
        }
    }

    func testPlain403IsAnHTTPErrorWithGitHubsMessage() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(
            403, method: "GET", path: "/issues/1", body: #"{"message":"Resource not accessible by integration"}"#))

        await assertThrows(GitHubError.self, { try await sandbox.github().issue(number: 1) }) { error in
            XCTAssertEqual(error, .http(status: 403, url: sandbox.server.githubAPIURL + "/repos/acme/demo/issues/1",
                                        message: "Resource not accessible by integration"))
        }
        let attempts = await sandbox.requests(containing: "/issues/1")
        XCTAssertEqual(attempts.count, 1, "a 4xx is not retried")
    }

    func testClientErrorIsNotRetried() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(422, method: "POST", path: "/labels", count: 5))

        await assertThrows(GitHubError.self, { try await sandbox.github().addLabels(["x"], toIssue: 1) }) { error in
            guard case .http(422, _, _) = error else { return XCTFail("\(error)") }
        }
        let attempts = await sandbox.requests(containing: "/labels")
        XCTAssertEqual(attempts.count, 1)
    }

    func testNonJSONAnswerIsMalformed() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(200, method: "GET", path: "/issues/1", body: "<html>proxy login</html>"))

        await assertThrows(GitHubError.self, { try await sandbox.github().issue(number: 1) }) { error in
            guard case .malformed = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: Rate limits

    func testRecordsRateLimitHeaders() async throws {
        let sandbox = try await start()
        let github = sandbox.github()
        let before = await github.rateLimit()
        XCTAssertNil(before)

        _ = try await github.issue(number: 1)
        _ = try await github.issue(number: 2)

        let lastSnapshot = await github.rateLimit()
        let snapshot = try XCTUnwrap(lastSnapshot)
        XCTAssertEqual(snapshot.limit, 5000)
        XCTAssertEqual(snapshot.remaining, 4998)
        XCTAssertNotNil(snapshot.reset)
    }

    func testSpentRateLimitWithResetInThePastIsRetried() async throws {
        let sandbox = try await start()
        let reset = String(Int(Date().timeIntervalSince1970) - 5)
        await sandbox.server.injectFault(.status(
            403, method: "GET", path: "/issues/1",
            headers: ["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset],
            body: #"{"message":"API rate limit exceeded"}"#))

        let issue = try await sandbox.github().issue(number: 1)

        XCTAssertEqual(issue.number, 1)
        let statuses = await sandbox.requests(containing: "/issues/1").map(\.status)
        XCTAssertEqual(statuses, [403, 200])
    }

    func testSpentRateLimitWithNearResetIsWaitedOut() async throws {
        let sandbox = try await start()
        let reset = String(Int(Date().timeIntervalSince1970) + 1)
        await sandbox.server.injectFault(.status(
            403, method: "GET", path: "/issues/1",
            headers: ["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset],
            body: #"{"message":"API rate limit exceeded"}"#))

        let issue = try await sandbox.github().issue(number: 1)

        XCTAssertEqual(issue.number, 1)
        let log = await sandbox.requests(containing: "/issues/1")
        XCTAssertEqual(log.map(\.status), [403, 200])
    }

    func testSpentHourlyQuotaWithFarResetIsRateLimitedError() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: [SandboxHarness.issue(1)], hourlyQuota: 1))
        let github = sandbox.github()
        _ = try await github.issue(number: 1)

        await assertThrows(GitHubError.self, { try await github.issue(number: 1) }) { error in
            guard case let .rateLimited(url, retryAt) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(url.hasSuffix("/repos/acme/demo/issues/1"))
            let wait = (retryAt ?? .distantPast).timeIntervalSinceNow
            XCTAssertTrue((3000...3601).contains(wait), "the Sandbox's window resets an hour after it opened, got \(wait)")
        }
        let statuses = await sandbox.requests(containing: "/issues/1").map(\.status)
        XCTAssertEqual(statuses, [200, 403], "a far reset is not waited for")
        let snapshot = await github.rateLimit()
        XCTAssertEqual(snapshot?.remaining, 0)
    }

    func testSecondaryRateLimitRetryAfterIsHonoured() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.secondaryRateLimit(retryAfter: 1, method: "POST", path: "/labels"))

        let labels = try await sandbox.github().addLabels(["status-03:planning"], toIssue: 1)

        XCTAssertEqual(labels, ["status-02:awaiting-planning", "status-03:planning"])
        let log = await sandbox.requests(containing: "/labels")
        XCTAssertEqual(log.map(\.status), [429, 200])
        XCTAssertGreaterThanOrEqual(log[1].time.timeIntervalSince(log[0].time), 0.9, "retry-after: 1 was waited out")
    }

    func testRetryAfterBeyondTheLimitIsRateLimitedError() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.secondaryRateLimit(retryAfter: 120, method: "POST", path: "/labels"))

        await assertThrows(GitHubError.self, { try await sandbox.github().addLabels(["x"], toIssue: 1) }) { error in
            guard case let .rateLimited(_, retryAt) = error else { return XCTFail("\(error)") }
            let wait = (retryAt ?? .distantPast).timeIntervalSinceNow
            XCTAssertTrue((100...121).contains(wait), "retryAt follows retry-after, got \(wait)")
        }
        let attempts = await sandbox.requests(containing: "/labels")
        XCTAssertEqual(attempts.count, 1)
    }

    // MARK: Retries

    func testServerErrorIsRetriedThenSucceeds() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(500, method: "GET", path: "/issues/2", count: 2))

        let issue = try await sandbox.github().issue(number: 2)

        XCTAssertEqual(issue.number, 2)
        let statuses = await sandbox.requests(containing: "/issues/2").map(\.status)
        XCTAssertEqual(statuses, [500, 500, 200])
    }

    func testPersistentServerErrorFailsAfterMaxAttempts() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(
            502, method: "GET", path: "/issues/2", count: 10, body: #"{"message":"Server Error"}"#))

        await assertThrows(GitHubError.self, { try await sandbox.github().issue(number: 2) }) { error in
            guard case let .http(status, _, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 502)
            XCTAssertTrue(message.hasPrefix("Server Error"), message)
        }
        let attempts = await sandbox.requests(containing: "/issues/2")
        XCTAssertEqual(attempts.count, SandboxHarness.fastRetries.maxAttempts)
    }

    func testDroppedConnectionIsRetried() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.drop(method: "GET", path: "/issues/3"))

        let issue = try await sandbox.github().issue(number: 3)

        XCTAssertEqual(issue.number, 3)
        let statuses = await sandbox.requests(containing: "/issues/3").map(\.status)
        XCTAssertEqual(statuses, [0, 200])
    }

    func testConnectionsDroppedEveryTimeEndAsTransportError() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.drop(method: "GET", path: "/issues/3", count: 10))

        await assertThrows(GitHubError.self, { try await sandbox.github().issue(number: 3) }) { error in
            guard case let .transport(url, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(url.hasSuffix("/repos/acme/demo/issues/3"))
        }
        let attempts = await sandbox.requests(containing: "/issues/3")
        XCTAssertEqual(attempts.count, SandboxHarness.fastRetries.maxAttempts)
    }

    func testSlowAnswerTimesOutAsTransportError() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.delay(milliseconds: 1500, method: "GET", path: "/issues/1", count: 10))
        let github = sandbox.github(
            requestTimeout: .milliseconds(200),
            retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10), maxRateLimitWait: .seconds(1)))

        await assertThrows(GitHubError.self, { try await github.issue(number: 1) }) { error in
            guard case let .transport(_, message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("timed out"), message)
        }
    }

    // MARK: Labels

    func testAddLabelsReturnsTheFullLabelList() async throws {
        let sandbox = try await start()

        let labels = try await sandbox.github().addLabels(["status-03:planning", "bot"], toIssue: 1)

        XCTAssertEqual(labels, ["status-02:awaiting-planning", "status-03:planning", "bot"])
        let live = await sandbox.server.issue(owner: owner, repo: repo, number: 1)
        XCTAssertEqual(live?.labels, labels)
    }

    func testRemoveLabelEncodesColonAsOnePathSegment() async throws {
        let sandbox = try await start()

        let remaining = try await sandbox.github().removeLabel("status-02:awaiting-planning", fromIssue: 1)

        XCTAssertEqual(remaining, [])
        let firstDelete = await sandbox.requests(containing: "/labels/").first
        let delete = try XCTUnwrap(firstDelete)
        XCTAssertEqual(delete.method, "DELETE")
        XCTAssertEqual(delete.path, "/repos/acme/demo/issues/1/labels/status-02%3Aawaiting-planning")
    }

    func testLabelWithEmojiSpaceAndSlashRoundTrips() async throws {
        let sandbox = try await start()
        let github = sandbox.github()
        let odd = "🚀 ship:it/now"

        let added = try await github.addLabels([odd], toIssue: 2)
        XCTAssertEqual(added, ["status-02:awaiting-planning", odd])
        let remaining = try await github.removeLabel(odd, fromIssue: 2)

        XCTAssertEqual(remaining, ["status-02:awaiting-planning"])
        let firstDelete = await sandbox.requests(containing: "/labels/").first
        let delete = try XCTUnwrap(firstDelete)
        XCTAssertEqual(delete.path, "/repos/acme/demo/issues/2/labels/%F0%9F%9A%80%20ship%3Ait%2Fnow")
    }

    func testRemovingAbsentLabelAnswersNil() async throws {
        let sandbox = try await start()

        let remaining = try await sandbox.github().removeLabel("status-05:plan-ready", fromIssue: 1)

        XCTAssertNil(remaining)
        let live = await sandbox.server.issue(owner: owner, repo: repo, number: 1)
        XCTAssertEqual(live?.labels, ["status-02:awaiting-planning"])
    }

    func testMutatingRequestsAreSpacedApart() async throws {
        let sandbox = try await start()
        let spacing = 0.12
        let github = sandbox.github(writeSpacing: .milliseconds(120))

        // Concurrent writers still queue up behind one another.
        async let a = github.addLabels(["a"], toIssue: 1)
        async let b = github.addLabels(["b"], toIssue: 2)
        async let c = github.removeLabel("status-02:awaiting-planning", fromIssue: 3)
        _ = try await (a, b, c)
        _ = try await github.issue(number: 1)

        let writes = await sandbox.server.requests().filter { $0.method != "GET" }.map(\.time).sorted()
        XCTAssertEqual(writes.count, 3)
        for (earlier, later) in zip(writes, writes.dropFirst()) {
            // The log stamps arrival; allow a little jitter between sending and arriving.
            XCTAssertGreaterThanOrEqual(later.timeIntervalSince(earlier), spacing - 0.03)
        }
    }

    // MARK: Linked branches

    func testLinkedBranchesNoneOneAndTwo() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: [
            SandboxHarness.issue(1),
            SandboxHarness.issue(2, linkedBranches: ["2-add-x"]),
            SandboxHarness.issue(3, linkedBranches: ["3-first", "3-second"]),
        ]))
        let github = sandbox.github()

        let none = try await github.linkedBranches(issue: 1)
        let one = try await github.linkedBranches(issue: 2)
        let two = try await github.linkedBranches(issue: 3)

        XCTAssertEqual(none, [])
        XCTAssertEqual(one, ["2-add-x"])
        XCTAssertEqual(two, ["3-first", "3-second"])
        let posts = await sandbox.requests(containing: "/graphql")
        XCTAssertEqual(posts.map(\.method), ["POST", "POST", "POST"])
    }

    func testLinkedBranchesOfUnknownIssueIsGraphQLError() async throws {
        let sandbox = try await start()

        await assertThrows(GitHubError.self, { try await sandbox.github().linkedBranches(issue: 404) }) { error in
            guard case let .graphQL(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("404"), message)
        }
    }

    // MARK: Enterprise

    func testEnterpriseAPIBaseServesListingLabelsAndGraphQL() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: [
            SandboxHarness.issue(1, linkedBranches: ["1-fix"]), SandboxHarness.issue(2),
        ]))
        let github = sandbox.github(enterprise: true)

        let listing = try await github.listIssues(state: .open, since: nil, validator: nil)
        let labels = try await github.addLabels(["status-03:planning"], toIssue: 1)
        let branches = try await github.linkedBranches(issue: 1)

        XCTAssertEqual(listing.issues.map(\.number).sorted(), [1, 2])
        XCTAssertEqual(labels, ["status-02:awaiting-planning", "status-03:planning"])
        XCTAssertEqual(branches, ["1-fix"])
        let paths = await sandbox.server.requests().map(\.path)
        XCTAssertEqual(paths, [
            "/api/v3/repos/acme/demo/issues", "/api/v3/repos/acme/demo/issues/1/labels", "/api/graphql",
        ])
    }

    func testEnterpriseRepoURLGivesTheSandboxShapes() {
        let repo = RepoURL(host: "ghe.example.com", owner: "acme", name: "demo")
        XCTAssertEqual(repo.apiBase(), "https://ghe.example.com/api/v3")
        XCTAssertEqual(repo.graphQLURL(), "https://ghe.example.com/api/graphql")
    }

    // MARK: Header interpretation (no server needed)

    func testLinkHeaderNextAmongSeveralRelations() {
        let header = #"<https://api.github.com/repositories/1/issues?state=open&per_page=100&page=3>; rel="next last", "#
            + #"<https://api.github.com/repositories/1/issues?page=1&labels=a,b>; rel="first""#
        XCTAssertEqual(LinkHeader.next(in: header), "https://api.github.com/repositories/1/issues?state=open&per_page=100&page=3")
        XCTAssertEqual(
            LinkHeader.next(in: #"<https://x/?labels=a,b>; rel="prev", <https://x/?page=2>; rel="next""#), "https://x/?page=2")
        XCTAssertNil(LinkHeader.next(in: #"<https://x/?page=1>; rel="prev""#))
        XCTAssertNil(LinkHeader.next(in: ""))
    }

    func testRateLimitResetIsMeasuredAgainstTheServersClock() throws {
        // The local clock runs 10 minutes fast; GitHub says the reset is 20 s after its own "now".
        let serverNow = try XCTUnwrap(Timestamp.parse("2026-11-24T10:00:00Z"))
        let localNow = serverNow.addingTimeInterval(600)
        var headers = HTTPHeaders()
        headers.add(name: "x-ratelimit-remaining", value: "0")
        headers.add(name: "x-ratelimit-reset", value: String(Int(serverNow.timeIntervalSince1970) + 20))
        headers.add(name: "date", value: "Tue, 24 Nov 2026 10:00:00 GMT")
        let answer = HTTPAnswer(status: 403, headers: headers, body: Data(), hops: [])

        let limit = try XCTUnwrap(RateLimitWait(answer: answer, now: localNow))

        XCTAssertEqual(limit.wait, .seconds(20))
        XCTAssertEqual(limit.retryAt, localNow.addingTimeInterval(20))
    }

    func testPlain403WithQuotaLeftIsNotARateLimit() {
        var headers = HTTPHeaders()
        headers.add(name: "x-ratelimit-remaining", value: "4000")
        XCTAssertNil(RateLimitWait(answer: HTTPAnswer(status: 403, headers: headers, body: Data(), hops: [])))
        XCTAssertNotNil(RateLimitWait(answer: HTTPAnswer(status: 429, headers: HTTPHeaders(), body: Data(), hops: [])))
    }

    func testBackoffDoublesFromTheBaseDelay() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(500), maxRateLimitWait: .seconds(60))
        XCTAssertEqual((1...3).map(policy.backoff(afterAttempt:)), [.milliseconds(500), .seconds(1), .seconds(2)])
    }
}
