@testable import Coordinator
import Foundation
import Sandbox
import XCTest

/// `GitHubClient.lastLabeled(_:)`: when a label last came on, for many issues in few GraphQL
/// requests, against the Sandbox over real HTTP on 127.0.0.1; and what an answer means.
final class LabeledEventsBatchTests: XCTestCase {
    private var harness: SandboxHarness?
    let implementing = "status-06:implementing"

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    func testOneHundredTwentyIssuesTakeThreeRequestsAndWhatTheyCannotAnswerIsSaid() async throws {
        var issues = (1...120).map { SandboxHarness.issue($0, labels: [implementing], pullRequest: $0 == 60) }
        issues[1].updatedAt = "2026-11-20T12:00:00Z"
        issues[2].updatedAt = "2026-11-20T12:00:00Z"
        // #2 was relabelled since the busy label came on: it is not among the newest twenty.
        issues[1].events = [.init(event: "labeled", label: implementing, createdAt: "2026-11-20T10:00:00Z", actor: "bot")]
            + (1...25).map { .init(event: "labeled", label: "note-\($0)", createdAt: String(format: "2026-11-20T11:%02d:00Z", $0), actor: "alice") }
        // #3 has seen only other labels, all within one page.
        issues[2].events = [.init(event: "labeled", label: "bug", createdAt: "2026-11-20T10:00:00Z", actor: "alice")]
        let sandbox = try await SandboxHarness.start(SandboxHarness.scenario(issues: issues))
        harness = sandbox
        var asked = Dictionary(uniqueKeysWithValues: (1...120).map { ($0, implementing) })
        asked[0] = implementing  // no issue: not asked

        let answers = try await sandbox.github().lastLabeled(asked)

        let posts = await sandbox.requests(containing: "/graphql")
        XCTAssertEqual(posts.map(\.status), [200, 200, 200], "50 + 50 + 20")
        XCTAssertEqual(answers.count, 120)
        let created = Date(timeIntervalSince1970: 1_795_161_600 + 60)  // SandboxHarness.issue: labeled at creation
        XCTAssertEqual(answers[1], .at(created))
        XCTAssertEqual(answers[2], .unanswered, "older than the page: the REST events must say")
        XCTAssertEqual(answers[3], .never)
        XCTAssertEqual(answers[60], .unanswered, "a pull request does not resolve")
        XCTAssertEqual(answers[120], .at(created.addingTimeInterval(119 * 60)))
    }

    func testTheNewestEventOfTheLabelCountsAndOtherErrorsFailTheBatch() throws {
        let answer = #"""
        {"data":{"repository":{"i5":{"timelineItems":{"pageInfo":{"hasPreviousPage":true},"nodes":[
          {"createdAt":"2026-11-20T08:00:00Z","label":{"name":"status-06:implementing"}},
          {"createdAt":"2026-11-20T09:00:00Z","label":{"name":"bug"}},
          {"createdAt":"2026-11-20T10:00:00Z","label":{"name":"status-06:implementing"}},
          {}, null]}},
          "i6":null}},
         "errors":[{"type":"NOT_FOUND","path":["repository","i6"],"message":"Could not resolve to an Issue with the number of 6."}]}
        """#
        let response = try JSONDecoder().decode(LabeledEventsBatch.Response.self, from: Data(answer.utf8))
        XCTAssertEqual(
            try LabeledEventsBatch.lastLabeled(in: response, labels: [5: implementing, 6: implementing]),
            [5: .at(try XCTUnwrap(Timestamp.parse("2026-11-20T10:00:00Z"))), 6: .unanswered])

        let tooCostly = #"{"data":null,"errors":[{"type":"MAX_NODE_LIMIT_EXCEEDED","message":"This query requests too many nodes."}]}"#
        let failed = try JSONDecoder().decode(LabeledEventsBatch.Response.self, from: Data(tooCostly.utf8))
        XCTAssertThrowsError(try LabeledEventsBatch.lastLabeled(in: failed, labels: [5: implementing])) { error in
            XCTAssertEqual(error as? GitHubError, .graphQL(message: "This query requests too many nodes."))
        }
    }

    func testTheQueryAsksTheNewestTwentyLabelEventsUnderAliases() {
        XCTAssertEqual(
            LabeledEventsBatch.query([101]),
            "query($owner:String!,$name:String!){ repository(owner:$owner,name:$name){ i101: issue(number:101){ "
                + "timelineItems(itemTypes:[LABELED_EVENT], last:20){ pageInfo{ hasPreviousPage } nodes{ ... on LabeledEvent { createdAt label{ name } } } } } } }")
    }
}
