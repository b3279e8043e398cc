import Foundation
import Sandbox
import XCTest

final class GraphQLLinkedBranchesTests: SandboxTestCase {
    static let query = "query($owner:String!,$name:String!,$number:Int!){ repository(owner:$owner,name:$name){ issue(number:$number){ linkedBranches(first:10){ nodes{ ref{ name } } } } } }"

    private func ask(
        _ owner: String, _ name: String, _ number: Int, path: String = "/graphql", query: String = GraphQLLinkedBranchesTests.query
    ) async throws -> Reply {
        let body: [String: Any] = ["query": query, "variables": ["owner": owner, "name": name, "number": number]]
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await gh("POST", path, json: String(decoding: data, as: UTF8.self))
    }

    private func branches(_ reply: Reply) -> [String]? {
        let data = reply.object["data"] as? [String: Any]
        let repository = data?["repository"] as? [String: Any]
        let issue = repository?["issue"] as? [String: Any]
        let linked = issue?["linkedBranches"] as? [String: Any]
        let nodes = linked?["nodes"] as? [[String: Any]]
        return nodes?.compactMap { ($0["ref"] as? [String: Any])?["name"] as? String }
    }

    private func errorMessages(_ reply: Reply) -> [String] {
        (reply.object["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    func testNoOneAndTwoLinkedBranches() async throws {
        let none = try await ask("acme", "mcp_coder", 101)
        XCTAssertEqual(none.status, 200)
        XCTAssertEqual(branches(none), [])
        let one = try await ask("acme", "mcp_coder", 107)
        XCTAssertEqual(branches(one), ["107-label-move-ordering"])
        XCTAssertEqual(one.text, #"{"data":{"repository":{"issue":{"linkedBranches":{"nodes":[{"ref":{"name":"107-label-move-ordering"}}]}}}}}"#)
        let two = try await ask("acme", "mcp_coder", 110)
        XCTAssertEqual(branches(two), ["110-cache-fsync", "110-cache-fsync-v2"])
        XCTAssertNil(two.object["errors"])
    }

    func testFirstLimitsTheNodes() async throws {
        let query = Self.query.replacingOccurrences(of: "first:10", with: "first: 1")
        let reply = try await ask("acme", "mcp_coder", 110, query: query)
        XCTAssertEqual(branches(reply), ["110-cache-fsync"])
    }

    func testInlineLiteralArguments() async throws {
        let query = """
        # written out by hand
        query LinkedBranches {
          repository(owner: "acme", name: "web.site") {
            issue(number: 6) { linkedBranches(first: 5) { totalCount nodes { ref { name } } } }
          }
        }
        """
        let data = try JSONSerialization.data(withJSONObject: ["query": query])
        let reply = try await gh("POST", "/graphql", json: String(decoding: data, as: UTF8.self))
        XCTAssertEqual(branches(reply), ["6-blog-engine"])
        let linked = ((reply.object["data"] as? [String: Any])?["repository"] as? [String: Any])
            .flatMap { $0["issue"] as? [String: Any] }?["linkedBranches"] as? [String: Any]
        XCTAssertEqual(linked?["totalCount"] as? Int, 1)
    }

    func testUnknownRepositoryIsAGraphQLError() async throws {
        let reply = try await ask("acme", "nope", 1)
        XCTAssertEqual(reply.status, 200, "GraphQL reports errors in the body")
        XCTAssertEqual(errorMessages(reply), ["Could not resolve to a Repository with the name 'acme/nope'."])
        XCTAssertTrue((reply.object["data"] as? [String: Any])?["repository"] is NSNull)
    }

    func testUnknownIssueAndPullRequestAreGraphQLErrors() async throws {
        let missing = try await ask("acme", "mcp_coder", 9999)
        XCTAssertEqual(missing.status, 200)
        XCTAssertEqual(errorMessages(missing), ["Could not resolve to an Issue with the number of 9999."])
        XCTAssertNil(branches(missing))
        let pull = try await ask("acme", "mcp_coder", 120)
        XCTAssertEqual(errorMessages(pull), ["Could not resolve to an Issue with the number of 120."])
    }

    func testMissingVariableAndUnsupportedQueriesAreErrors() async throws {
        let data = try JSONSerialization.data(withJSONObject: ["query": Self.query, "variables": ["owner": "acme"]])
        let missing = try await gh("POST", "/graphql", json: String(decoding: data, as: UTF8.self))
        XCTAssertEqual(missing.status, 200)
        XCTAssertEqual(errorMessages(missing).count, 1)
        XCTAssertTrue(errorMessages(missing)[0].contains("$name"), errorMessages(missing)[0])
        let other = try await gh("POST", "/graphql", json: #"{"query":"{ viewer { login } }"}"#)
        XCTAssertEqual(other.status, 200)
        XCTAssertEqual(errorMessages(other).count, 1)
        let noFirst = try await ask("acme", "mcp_coder", 107, query: Self.query.replacingOccurrences(of: "(first:10)", with: ""))
        XCTAssertTrue(errorMessages(noFirst).first?.contains("first") ?? false)
        let notJSON = try await gh("POST", "/graphql", json: "query")
        XCTAssertEqual(notJSON.status, 400)
    }

    func testEnterpriseGraphQLPathAndRateLimitResource() async throws {
        let reply = try await ask("acme", "infra", 7, path: "/api/graphql")
        XCTAssertEqual(branches(reply), ["7-half-moved"])
        XCTAssertEqual(reply.header("x-ratelimit-resource"), "graphql")
    }
}
