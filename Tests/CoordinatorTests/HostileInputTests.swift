@testable import Coordinator
import Foundation
import NIOHTTP1
import Sandbox
import XCTest

/// Numbers and headers from outside that used to stop the process with a Swift trap: each must
/// end as a typed error (or, where that is the honest meaning, a clamp) instead.
final class HostileInputTests: XCTestCase {
    private var harness: SandboxHarness?
    private var fixture: CoordinatorFixture?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
        await fixture?.stop()
        fixture = nil
    }

    private func start(_ scenario: Scenario = SandboxHarness.scenario(issues: (1...3).map { SandboxHarness.issue($0) })) async throws -> SandboxHarness {
        let started = try await SandboxHarness.start(scenario)
        harness = started
        return started
    }

    private static let rateLimitBody = #"{"message":"API rate limit exceeded"}"#

    private static func answer(_ status: Int, _ fields: [(String, String)]) -> HTTPAnswer {
        var headers = HTTPHeaders()
        for (name, value) in fields { headers.add(name: name, value: value) }
        return HTTPAnswer(status: status, headers: headers, body: Data(), hops: [])
    }

    // MARK: Rate-limit wait (no server needed)

    func testRetryAfterTooLargeOrNotANumberIsAnUnknownWait() {
        for value in ["1e17", "1e20", "1e300", "inf", "-inf", "infinity", "nan", "NaN", "-5", "-1e300", "31700000"] {
            XCTAssertEqual(
                RateLimitWait(answer: Self.answer(429, [("retry-after", value)])), .unknown, "retry-after: \(value)")
            XCTAssertEqual(
                RateLimitWait(answer: Self.answer(403, [("retry-after", value)])), .unknown, "403 retry-after: \(value)")
        }
    }

    func testRetryAfterUpToAYearIsTakenAtItsWord() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let limit = try XCTUnwrap(RateLimitWait(answer: Self.answer(429, [("retry-after", "31536000")]), now: now))
        XCTAssertEqual(limit, .after(.seconds(31_536_000), retryAt: now.addingTimeInterval(31_536_000)))
        let fraction = try XCTUnwrap(RateLimitWait(answer: Self.answer(429, [("retry-after", "0.0004")]), now: now))
        XCTAssertEqual(fraction.wait, .milliseconds(1), "rounded up, never retried before the time GitHub named")
    }

    func testResetTooFarOrNotANumberIsAnUnknownWait() {
        for value in ["1e300", "inf", "+inf", "nan", "1e17", "9223372036854775807"] {
            let answer = Self.answer(403, [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", value)])
            XCTAssertEqual(RateLimitWait(answer: answer), .unknown, "x-ratelimit-reset: \(value)")
        }
    }

    func testResetInThePastEvenAbsurdlyIsNoWait() throws {
        for value in ["-1e300", "-inf", "-9223372036854775808", "0"] {
            let answer = Self.answer(403, [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", value)])
            let limit = RateLimitWait(answer: answer)
            if value == "-inf" {
                XCTAssertEqual(limit, .unknown, "not a time at all")
            } else {
                XCTAssertEqual(limit?.wait, .zero, "x-ratelimit-reset: \(value) has passed")
            }
        }
    }

    func testRateLimitSnapshotDropsAResetNoClockReaches() {
        for value in ["1e300", "inf", "nan", "-1e300"] {
            var headers = HTTPHeaders()
            headers.add(name: "x-ratelimit-limit", value: "5000")
            headers.add(name: "x-ratelimit-remaining", value: "0")
            headers.add(name: "x-ratelimit-reset", value: value)
            let snapshot = RateLimitSnapshot(headers: headers)
            XCTAssertEqual(snapshot?.remaining, 0)
            XCTAssertNil(snapshot?.reset, "x-ratelimit-reset: \(value)")
        }
    }

    func testRateLimitedErrorWithAnyRetryTimeDescribesItself() {
        for date in [Date.distantFuture, Date(timeIntervalSince1970: 1e300), Date(timeIntervalSince1970: .infinity),
                     Date(timeIntervalSince1970: -.infinity), Date(timeIntervalSince1970: .nan)] {
            let text = GitHubError.rateLimited(url: "https://api.github.com/x", retryAt: date).description
            XCTAssertTrue(text.hasPrefix("GitHub rate limit exceeded for https://api.github.com/x: retry after "), text)
        }
        XCTAssertEqual(
            GitHubError.rateLimited(url: "u", retryAt: nil).description, "GitHub rate limit exceeded for u: retry later")
    }

    func testTimestampFormatIsTotal() {
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 253_402_300_799)), "9999-12-31T23:59:59Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: .nan)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(
            Timestamp.format(Date(timeIntervalSince1970: .infinity)),
            Timestamp.format(Date(timeIntervalSince1970: Timestamp.formattableSeconds)))
        XCTAssertEqual(
            Timestamp.format(Date(timeIntervalSince1970: -1e300)),
            Timestamp.format(Date(timeIntervalSince1970: -Timestamp.formattableSeconds)))
    }

    // MARK: Rate-limit wait over HTTP

    func testHugeRetryAfterFailsTheRequestAtOnceWithoutARetryTime() async throws {
        for status in [403, 429] { for value in ["1e17", "1e20", "inf", "nan", "-1", "-1e300"] {
            let sandbox = try await start()
            await sandbox.server.injectFault(.status(
                status, method: "GET", path: "/issues/1", headers: ["retry-after": value], body: Self.rateLimitBody))

            await assertThrows(GitHubError.self, { try await sandbox.github().issue(number: 1) }) { error in
                guard case let .rateLimited(url, retryAt) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(url.hasSuffix("/repos/acme/demo/issues/1"), url)
                XCTAssertNil(retryAt, "retry-after: \(value)")
            }
            let statuses = await sandbox.requests(containing: "/issues/1").map(\.status)
            XCTAssertEqual(statuses, [status], "\(status) retry-after: \(value) is not waited for")
            await sandbox.stop()
            harness = nil
        } }
    }

    func testHugeResetFailsTheRequestAtOnceWithoutARetryTime() async throws {
        for (status, value) in [(403, "1e300"), (403, "inf"), (429, "1e300"), (429, "nan"), (403, "1e17")] {
            let sandbox = try await start()
            await sandbox.server.injectFault(.status(
                status, method: "GET", path: "/issues/1",
                headers: ["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": value],
                body: Self.rateLimitBody))
            let github = sandbox.github()

            await assertThrows(GitHubError.self, { try await github.issue(number: 1) }) { error in
                guard case let .rateLimited(_, retryAt) = error else { return XCTFail("\(error)") }
                XCTAssertNil(retryAt, value)
                XCTAssertTrue(error.description.hasSuffix("retry later"), error.description)
            }
            let statuses = await sandbox.requests(containing: "/issues/1").map(\.status)
            XCTAssertEqual(statuses, [status])
            let snapshot = await github.rateLimit()
            XCTAssertEqual(snapshot?.remaining, 0)
            XCTAssertNil(snapshot?.reset, value)
            await sandbox.stop()
            harness = nil
        }
    }

    func testResetLongAgoIsRetriedAtOnce() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(
            403, method: "GET", path: "/issues/1",
            headers: ["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "-1e300"],
            body: Self.rateLimitBody))

        let issue = try await sandbox.github().issue(number: 1)

        XCTAssertEqual(issue.number, 1)
        let statuses = await sandbox.requests(containing: "/issues/1").map(\.status)
        XCTAssertEqual(statuses, [403, 200])
    }

    func testRetryAfterWithinAYearButPastTheMaximumIsNotWaitedFor() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.status(
            429, method: "GET", path: "/issues/1", headers: ["retry-after": "30000000"], body: Self.rateLimitBody))

        await assertThrows(GitHubError.self, { try await sandbox.github().issue(number: 1) }) { error in
            guard case let .rateLimited(_, retryAt) = error else { return XCTFail("\(error)") }
            let wait = (retryAt ?? .distantPast).timeIntervalSinceNow
            XCTAssertTrue((29_999_000...30_000_001).contains(wait), "\(wait)")
        }
        let statuses = await sandbox.requests(containing: "/issues/1").map(\.status)
        XCTAssertEqual(statuses, [429])
    }

    // MARK: Link header

    func testLinkBackToAPageAlreadyReadFailsTheListing() async throws {
        let sandbox = try await start()
        let first = sandbox.server.githubAPIURL + "/repos/acme/demo/issues?state=open&per_page=100"
        await sandbox.server.injectFault(.status(
            200, method: "GET", path: "/repos/acme/demo/issues", count: 5,
            headers: ["Link": "<\(first)>; rel=\"next\""], body: "[]"))

        await assertThrows(GitHubError.self, { try await sandbox.github().listIssues(state: .open, since: nil, validator: nil) }) { error in
            guard case let .malformed(url, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(url, first)
            XCTAssertTrue(message.contains("page already read"), message)
        }
        let pages = await sandbox.requests(containing: "/repos/acme/demo/issues")
        XCTAssertEqual(pages.count, 1)
    }

    func testLinkThatLoopsBetweenTwoPagesFailsTheListing() async throws {
        let sandbox = try await start()
        let second = sandbox.server.githubAPIURL + "/repos/acme/demo/issues?state=open&per_page=100&page=2"
        await sandbox.server.injectFault(.status(
            200, method: "GET", path: "/repos/acme/demo/issues", count: 5,
            headers: ["Link": "<\(second)>; rel=\"next\""], body: "[]"))

        await assertThrows(GitHubError.self, { try await sandbox.github().listIssues(state: .open, since: nil, validator: nil) }) { error in
            guard case let .malformed(url, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(url, second)
            XCTAssertTrue(message.contains("page already read"), message)
        }
        let pages = await sandbox.requests(containing: "/repos/acme/demo/issues")
        XCTAssertEqual(pages.count, 2)
    }

    private func github(_ sandbox: SandboxHarness, bound: ListingBound) -> GitHubClient {
        GitHubClient(
            http: sandbox.http, apiBase: sandbox.server.githubAPIURL, graphQLURL: sandbox.server.githubGraphQLURL,
            owner: SandboxHarness.owner, repo: SandboxHarness.repo, token: Secret(SandboxHarness.token),
            writeSpacing: .zero, requestTimeout: .seconds(5), retryPolicy: SandboxHarness.fastRetries,
            listingBound: bound, logger: SandboxHarness.logger)
    }

    func testListingStopsAtThePageCap() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: (1...250).map { SandboxHarness.issue($0) }))
        let github = github(sandbox, bound: ListingBound(pages: 2, items: 100_000))

        await assertThrows(GitHubError.self, { try await github.listIssues(state: .open, since: nil, validator: nil) }) { error in
            guard case let .malformed(url, message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(url.contains("page=3"), url)
            XCTAssertTrue(message.contains("past 2 pages"), message)
        }
        let pages = await sandbox.requests(containing: "/repos/acme/demo/issues")
        XCTAssertEqual(pages.count, 2, "the third page is never asked for")
    }

    func testListingStopsAtTheIssueCap() async throws {
        let sandbox = try await start(SandboxHarness.scenario(issues: (1...250).map { SandboxHarness.issue($0) }))
        let github = github(sandbox, bound: ListingBound(pages: 1000, items: 150))

        await assertThrows(GitHubError.self, { try await github.listIssues(state: .open, since: nil, validator: nil) }) { error in
            guard case let .malformed(url, message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(url.contains("page=2"), url)
            XCTAssertTrue(message.contains("the issue listing of acme/demo"), message)
            XCTAssertTrue(message.contains("more than 150 issues"), message)
        }
        let pages = await sandbox.requests(containing: "/repos/acme/demo/issues")
        XCTAssertEqual(pages.count, 2, "the page that crossed the bound is the last one asked for")
    }

    func testEndlessLinkChainStopsAtTheBoundNamingTheRepository() async throws {
        let sandbox = try await start()
        await sandbox.server.injectFault(.endlessPages(path: "/repos/acme/demo/issues"))
        let github = github(sandbox, bound: ListingBound(pages: 5, items: 100_000))

        await assertThrows(GitHubError.self, { try await github.listIssues(state: .open, since: nil, validator: nil) }) { error in
            guard case let .malformed(url, message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(url.hasSuffix("page=6"), url)
            XCTAssertEqual(
                message,
                "stopped the issue listing of acme/demo: its Link header leads on past 5 pages; a read is bounded to 5 pages or 100000 issues, whichever comes first, and one that long is not believed")
        }
        let pages = await sandbox.requests(containing: "/repos/acme/demo/issues")
        XCTAssertEqual(pages.count, 5)
    }

    func testTheDefaultBoundIsAThousandPagesOrAHundredThousandIssues() {
        XCTAssertEqual(ListingBound.standard, ListingBound(pages: 1000, items: 100_000))
    }

    /// The Workspace's clients carry the default bound: an endless listing stops after exactly
    /// 1 000 pages, and the refresh that asked for it writes nothing.
    func testEndlessListingStopsAtTheDefaultBoundAndWritesNothing() async throws {
        let fixture = try await CoordinatorFixture.start(issues: [.open(1, ["status-04:plan-review"])])
        self.fixture = fixture
        try await fixture.service { _ = try await $0.sync() }
        let before = try XCTUnwrap(fixture.cacheBytes())
        let earlier = await fixture.server.requests().filter { $0.path.hasPrefix("/repos/acme/demo/issues") }.count
        await fixture.server.injectFault(.endlessPages(path: "/repos/acme/demo/issues"))

        do {
            try await fixture.service { _ = try await $0.sync() }
            XCTFail("an endless listing must fail the refresh")
        } catch {
            XCTAssertTrue("\(error)".contains("the issue listing of acme/demo"), "\(error)")
            XCTAssertTrue("\(error)".contains("past 1000 pages"), "\(error)")
            XCTAssertTrue("\(error)".contains("1000 pages or 100000 issues"), "\(error)")
        }
        let listed = await fixture.server.requests().filter { $0.path.hasPrefix("/repos/acme/demo/issues") }
        XCTAssertEqual(listed.count - earlier, 1000)
        XCTAssertEqual(fixture.cacheBytes(), before, "a failed refresh writes nothing")
    }

    func testEndlessLinkFailsTheRefreshAndWritesNothing() async throws {
        let fixture = try await CoordinatorFixture.start(issues: [.open(1, ["status-04:plan-review"])])
        self.fixture = fixture
        try await fixture.service { _ = try await $0.sync() }
        let before = try XCTUnwrap(fixture.cacheBytes())
        let first = fixture.server.githubAPIURL + "/repos/acme/demo/issues?state=open&per_page=100"
        await fixture.server.injectFault(.status(
            200, method: "GET", path: "/repos/acme/demo/issues", count: 5,
            headers: ["Link": "<\(first)>; rel=\"next\""], body: "[]"))

        do {
            try await fixture.service { _ = try await $0.sync() }
            XCTFail("a Link loop must fail the refresh")
        } catch {
            XCTAssertTrue("\(error)".contains("page already read"), "\(error)")
        }
        XCTAssertEqual(fixture.cacheBytes(), before, "a failed refresh writes nothing")
    }

    // MARK: Header values and URLs from the config and the cache

    func testCachedETagThatIsNoHeaderValueCostsOneUnconditionalRequest() async throws {
        let sandbox = try await start()
        let firstURL = sandbox.server.githubAPIURL + "/repos/acme/demo/issues?state=open&per_page=100"
        let validator = ListValidator(url: firstURL, etag: "W/\"abc\"\r\nX-Injected: 1")

        let listing = try await sandbox.github().listIssues(state: .open, since: nil, validator: validator)

        XCTAssertFalse(listing.notModified)
        XCTAssertEqual(listing.issues.map(\.number).sorted(), [1, 2, 3])
        XCTAssertNotEqual(listing.validator?.etag, validator.etag, "GitHub's own ETag replaces the broken one")
        let pages = await sandbox.requests(containing: "/repos/acme/demo/issues")
        XCTAssertEqual(pages.map(\.status), [200])
    }

    func testTokenThatIsNoHeaderValueIsAnErrorThatDoesNotShowIt() async throws {
        let sandbox = try await start()
        for token in ["ghp_line\r\nX-Injected: 1", "ghp_nul\u{0}tail", "ghp_\u{7F}del"] {
            await assertThrows(GitHubError.self, { try await sandbox.github(token: token).issue(number: 1) }) { error in
                XCTAssertEqual(error, .unusableToken(reason: "it contains a line break or another control character"))
                XCTAssertFalse("\(error)".contains("ghp_"), "\(error)")
            }
        }
        let requests = await sandbox.requests(containing: "/issues/1")
        XCTAssertTrue(requests.isEmpty, "nothing with a broken header is sent: \(requests.map(\.status))")
    }

    func testAPIBaseThatIsNoURLIsATransportError() async throws {
        let sandbox = try await start()
        for base in ["not a url", "http://[::1", "http://exa mple.com", ""] {
            let github = GitHubClient(
                http: sandbox.http, apiBase: base, graphQLURL: base + "/graphql", owner: "acme", repo: "demo",
                token: Secret(SandboxHarness.token), writeSpacing: .zero, requestTimeout: .seconds(5),
                retryPolicy: SandboxHarness.fastRetries, logger: SandboxHarness.logger)
            await assertThrows(GitHubError.self, { try await github.issue(number: 1) }) { error in
                XCTAssertFalse("\(error)".contains(SandboxHarness.token), "\(error)")
            }
        }
    }
}
