@testable import Coordinator
import Foundation
import Sandbox
import XCTest

/// `GitHubClient.linkedBranches(issues:)`: many issues, few GraphQL requests, against the Sandbox
/// over real HTTP on 127.0.0.1.
final class LinkedBranchesBatchTests: XCTestCase {
    private var harness: SandboxHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    private func start(_ issues: [Scenario.Issue]) async throws -> SandboxHarness {
        let started = try await SandboxHarness.start(SandboxHarness.scenario(issues: issues))
        harness = started
        return started
    }

    /// Issues 1…120; every third has one branch, 7 has two, 60 and 61 are pull requests.
    private static let hundredTwenty: [Scenario.Issue] = (1...120).map { number in
        let branches = number == 7 ? ["7-a", "7-b"] : number.isMultiple(of: 3) ? ["\(number)-work"] : []
        return SandboxHarness.issue(number, pullRequest: number == 60 || number == 61, linkedBranches: branches)
    }

    func testOneHundredTwentyIssuesTakeThreeRequests() async throws {
        let sandbox = try await start(Self.hundredTwenty)

        let branches = try await sandbox.github().linkedBranches(issues: Array(1...120))

        let posts = await sandbox.requests(containing: "/graphql")
        XCTAssertEqual(posts.map(\.method), ["POST", "POST", "POST"], "50 + 50 + 20")
        XCTAssertEqual(posts.map(\.status), [200, 200, 200])
        XCTAssertEqual(branches.count, 118, "the two pull requests are absent")
        XCTAssertNil(branches[60])
        XCTAssertNil(branches[61])
        XCTAssertEqual(branches[1], [])
        XCTAssertEqual(branches[3], ["3-work"])
        XCTAssertEqual(branches[7], ["7-a", "7-b"])
        XCTAssertEqual(branches[51], ["51-work"], "first issue of the second request")
        XCTAssertEqual(branches[120], ["120-work"], "last issue of the last request")
    }

    func testDuplicatesAreAskedOnceAndNoIssuesSendNothing() async throws {
        let sandbox = try await start(Self.hundredTwenty)
        let github = sandbox.github()

        let none = try await github.linkedBranches(issues: [])
        XCTAssertEqual(none, [:])
        let before = await sandbox.requests(containing: "/graphql")
        XCTAssertEqual(before.count, 0)

        // 50 distinct numbers, each twice: one request, not two.
        let twice = Array(1...50) + Array(1...50)
        let branches = try await github.linkedBranches(issues: twice)
        XCTAssertEqual(branches.count, 50)
        let after = await sandbox.requests(containing: "/graphql")
        XCTAssertEqual(after.count, 1)
    }

    func testUnknownAndPullRequestNumbersAreAbsentNotAFailure() async throws {
        let sandbox = try await start(Self.hundredTwenty)

        let branches = try await sandbox.github().linkedBranches(issues: [3, 999, 60, 7, 0, -4])

        XCTAssertEqual(branches, [3: ["3-work"], 7: ["7-a", "7-b"]])
    }

    func testSingleIssueLookupSharesTheBatchAndStillFailsForAnUnknownNumber() async throws {
        let sandbox = try await start(Self.hundredTwenty)
        let github = sandbox.github()

        let seven = try await github.linkedBranches(issue: 7)
        XCTAssertEqual(seven, ["7-a", "7-b"])
        await assertThrows(GitHubError.self, { try await github.linkedBranches(issue: 60) }) { error in
            guard case let .graphQL(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("60"), message)
            XCTAssertTrue(message.contains("acme/demo"), message)
        }
    }

    func testUnknownRepositoryFailsTheBatch() async throws {
        let sandbox = try await start(Self.hundredTwenty)
        let github = GitHubClient(
            http: sandbox.http, apiBase: sandbox.server.githubAPIURL, graphQLURL: sandbox.server.githubGraphQLURL,
            owner: "acme", repo: "nope", token: Secret(SandboxHarness.token), retryPolicy: SandboxHarness.fastRetries,
            logger: SandboxHarness.logger)

        await assertThrows(GitHubError.self, { try await github.linkedBranches(issues: [1, 2]) }) { error in
            XCTAssertEqual(error, .graphQL(message: "Could not resolve to a Repository with the name 'acme/nope'."))
        }
    }

    func testAnErrorBesideOneIssuesNotFoundFailsTheBatch() async throws {
        let sandbox = try await start(Self.hundredTwenty)
        // GitHub's answer when a query costs too much: HTTP 200, data null, an error of another type.
        let body = """
            {"data":{"repository":{"i1":{"linkedBranches":{"nodes":[]}},"i999":null}},"errors":[\
            {"type":"NOT_FOUND","path":["repository","i999"],"message":"Could not resolve to an Issue with the number of 999."},\
            {"type":"MAX_NODE_LIMIT_EXCEEDED","message":"This query requests too many nodes."}]}
            """
        await sandbox.server.injectFault(.status(200, method: "POST", path: "/graphql", headers: ["Content-Type": "application/json"], body: body))

        await assertThrows(GitHubError.self, { try await sandbox.github().linkedBranches(issues: [1, 999]) }) { error in
            XCTAssertEqual(error, .graphQL(message: "This query requests too many nodes."))
        }
    }

    func testNotFoundForAnAliasNotAskedForFailsTheBatch() async throws {
        let sandbox = try await start(Self.hundredTwenty)
        let body = """
            {"data":{"repository":{"i1":{"linkedBranches":{"nodes":[]}}}},"errors":[\
            {"type":"NOT_FOUND","path":["repository","i2"],"message":"Could not resolve to an Issue with the number of 2."}]}
            """
        await sandbox.server.injectFault(.status(200, method: "POST", path: "/graphql", body: body))

        await assertThrows(GitHubError.self, { try await sandbox.github().linkedBranches(issues: [1]) }) { error in
            guard case .graphQL = error else { return XCTFail("\(error)") }
        }
    }

    func testAFailedRequestFailsTheCallAfterItsRetries() async throws {
        let sandbox = try await start(Self.hundredTwenty)
        await sandbox.server.injectFault(.status(502, method: "POST", path: "/graphql", count: 10, body: #"{"message":"Bad Gateway"}"#))

        await assertThrows(GitHubError.self, { try await sandbox.github().linkedBranches(issues: [1, 2]) }) { error in
            guard case let .http(status, _, message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 502)
            XCTAssertEqual(message, "Bad Gateway (after \(SandboxHarness.fastRetries.maxAttempts) attempts)")
        }
        let posts = await sandbox.requests(containing: "/graphql")
        XCTAssertEqual(posts.count, SandboxHarness.fastRetries.maxAttempts)
    }

    func testQueryAliasesIssueNumbersAndPassesOwnerAndNameAsVariables() throws {
        XCTAssertEqual(
            LinkedBranchesBatch.query([101, 102]),
            "query($owner:String!,$name:String!){ repository(owner:$owner,name:$name){ "
                + "i101: issue(number:101){ linkedBranches(first:10){ nodes{ ref{ name } } } } "
                + "i102: issue(number:102){ linkedBranches(first:10){ nodes{ ref{ name } } } } } }")
        let request = LinkedBranchesBatch.Request(query: LinkedBranchesBatch.query([1]), variables: .init(owner: #"ac"me"#, name: "de}mo"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONEncoder().encode(request)) as? [String: Any])
        XCTAssertEqual(json["variables"] as? [String: String], ["owner": #"ac"me"#, "name": "de}mo"])
        XCTAssertFalse((json["query"] as? String ?? "").contains("ac"), "configuration text never enters the query")
    }
}
