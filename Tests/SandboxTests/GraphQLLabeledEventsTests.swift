import Foundation
import Sandbox
import XCTest

/// `timelineItems(itemTypes: [LABELED_EVENT], last: N)` on GraphQL's `issue(number:)`: an issue's
/// `labeled` events from the same record the REST events list, in GitHub's shape, several issues
/// per request through aliases, with GitHub's NOT_FOUND for an unknown issue.
final class GraphQLLabeledEventsTests: SandboxTestCase {
    /// #130 was labeled four times (three labels came off again); #131 never.
    override func adjust(_ scenario: inout Scenario) {
        let events: [Scenario.Issue.Event] = [
            .init(event: "labeled", label: "status-02:awaiting-planning", createdAt: "2026-11-19T09:00:00Z"),
            .init(event: "unlabeled", label: "status-02:awaiting-planning", createdAt: "2026-11-19T10:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "labeled", label: "status-03:planning", createdAt: "2026-11-19T10:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "unlabeled", label: "status-03:planning", createdAt: "2026-11-19T12:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "labeled", label: "status-05:plan-ready", createdAt: "2026-11-19T12:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "unlabeled", label: "status-05:plan-ready", createdAt: "2026-11-20T10:00:00Z", actor: "mcp-coder-bot"),
            .init(event: "labeled", label: "status-06:implementing", createdAt: "2026-11-20T10:00:00Z", actor: "mcp-coder-bot"),
        ]
        scenario.github.repositories[0].issues += [
            .init(number: 130, title: "Busy since yesterday", labels: ["status-06:implementing"], user: "alice",
                  createdAt: "2026-11-19T09:00:00Z", updatedAt: "2026-11-20T10:00:00Z", events: events),
            .init(number: 131, title: "No history", labels: [], createdAt: "2026-11-19T09:00:00Z", events: []),
        ]
    }

    static func timeline(_ number: Int, last: Int = 20) -> String {
        "i\(number): issue(number:\(number)){ timelineItems(itemTypes:[LABELED_EVENT], last:\(last)){ pageInfo{ hasPreviousPage } nodes{ ... on LabeledEvent { createdAt label{ name } } } } }"
    }

    private func ask(_ fields: [String]) async throws -> Reply {
        let query = "query($owner:String!,$name:String!){ repository(owner:$owner,name:$name){ \(fields.joined(separator: " ")) } }"
        let body: [String: Any] = ["query": query, "variables": ["owner": "acme", "name": "mcp_coder"]]
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await gh("POST", "/graphql", json: String(decoding: data, as: UTF8.self))
    }

    private func errors(_ reply: Reply) -> [[String: Any]] {
        reply.object["errors"] as? [[String: Any]] ?? []
    }

    func testTheLastLabeledEventsOldestFirstInGitHubsShape() async throws {
        let reply = try await ask([Self.timeline(130), Self.timeline(131)])
        XCTAssertEqual(reply.status, 200)
        XCTAssertNil(reply.object["errors"])
        XCTAssertEqual(
            reply.text,
            #"{"data":{"repository":{"i130":{"timelineItems":{"pageInfo":{"hasPreviousPage":false},"nodes":["#
                + #"{"createdAt":"2026-11-19T09:00:00Z","label":{"name":"status-02:awaiting-planning"}},"#
                + #"{"createdAt":"2026-11-19T10:00:00Z","label":{"name":"status-03:planning"}},"#
                + #"{"createdAt":"2026-11-19T12:00:00Z","label":{"name":"status-05:plan-ready"}},"#
                + #"{"createdAt":"2026-11-20T10:00:00Z","label":{"name":"status-06:implementing"}}]}},"#
                + #""i131":{"timelineItems":{"pageInfo":{"hasPreviousPage":false},"nodes":[]}}}}}"#)
    }

    func testLastTwoIsTheNewestTwoAndSaysThereIsMore() async throws {
        let reply = try await ask([Self.timeline(130, last: 2)])
        let timeline = (((reply.object["data"] as? [String: Any])?["repository"] as? [String: Any])?["i130"] as? [String: Any])?["timelineItems"] as? [String: Any]
        let labels = (timeline?["nodes"] as? [[String: Any]])?.compactMap { ($0["label"] as? [String: Any])?["name"] as? String }
        XCTAssertEqual(labels, ["status-05:plan-ready", "status-06:implementing"])
        XCTAssertEqual((timeline?["pageInfo"] as? [String: Any])?["hasPreviousPage"] as? Bool, true)
    }

    func testFirstIsTheOldestAndBothQuestionsMixInOneRequest() async throws {
        let reply = try await ask([
            "old: issue(number:130){ timelineItems(itemTypes:[LABELED_EVENT], first:1){ totalCount pageInfo{ hasNextPage hasPreviousPage } nodes{ ... on LabeledEvent { __typename label{ name } } } } }",
            "i110: issue(number:110){ linkedBranches(first:10){ nodes{ ref{ name } } } }",
        ])
        XCTAssertNil(reply.object["errors"], reply.text)
        let repository = (reply.object["data"] as? [String: Any])?["repository"] as? [String: Any]
        let timeline = (repository?["old"] as? [String: Any])?["timelineItems"] as? [String: Any]
        XCTAssertEqual(timeline?["totalCount"] as? Int, 4)
        XCTAssertEqual(timeline?["pageInfo"] as? [String: Bool], ["hasNextPage": true, "hasPreviousPage": false])
        let nodes = timeline?["nodes"] as? [[String: Any]]
        XCTAssertEqual(nodes?.first?["__typename"] as? String, "LabeledEvent")
        XCTAssertEqual((nodes?.first?["label"] as? [String: Any])?["name"] as? String, "status-02:awaiting-planning")
        XCTAssertNotNil((repository?["i110"] as? [String: Any])?["linkedBranches"])
    }

    func testALabelAddedThroughRESTIsTheNewestEvent() async throws {
        let added = try await gh("POST", "/repos/acme/mcp_coder/issues/131/labels", json: #"{"labels":["bug"]}"#)
        XCTAssertEqual(added.status, 200, added.text)
        let reply = try await ask([Self.timeline(131)])
        XCTAssertTrue(reply.text.contains(#""label":{"name":"bug"}"#), reply.text)
    }

    func testUnknownIssueIsNullWithANotFoundErrorAndTheOthersAreAnswered() async throws {
        let reply = try await ask([Self.timeline(9999), Self.timeline(130)])
        XCTAssertEqual(reply.status, 200)
        let repository = try XCTUnwrap((reply.object["data"] as? [String: Any])?["repository"] as? [String: Any])
        XCTAssertTrue(repository["i9999"] is NSNull)
        XCTAssertNotNil(repository["i130"] as? [String: Any])
        XCTAssertEqual(errors(reply).map { $0["type"] as? String }, ["NOT_FOUND"])
        XCTAssertEqual(errors(reply).map { $0["path"] as? [String] }, [["repository", "i9999"]])
    }

    func testOtherItemTypesMissingOrOversizedPagesAreErrors() async throws {
        for field in [
            Self.timeline(130).replacingOccurrences(of: "LABELED_EVENT", with: "CLOSED_EVENT"),
            Self.timeline(130).replacingOccurrences(of: ", last:20", with: ""),
            Self.timeline(130, last: 101),
            Self.timeline(130).replacingOccurrences(of: "... on LabeledEvent", with: "... on ClosedEvent"),
        ] {
            let reply = try await ask([field])
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(errors(reply).count, 1, field)
            XCTAssertNil(reply.object["data"], field)
        }
    }
}
