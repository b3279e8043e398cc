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

    // MARK: Aliases: several issues in one request

    private func askAliased(_ fields: [String], variables: [String: Any] = ["owner": "acme", "name": "mcp_coder"]) async throws -> Reply {
        let query = "query($owner:String!,$name:String!){ repository(owner:$owner,name:$name){ \(fields.joined(separator: " ")) } }"
        let data = try JSONSerialization.data(withJSONObject: ["query": query, "variables": variables])
        return try await gh("POST", "/graphql", json: String(decoding: data, as: UTF8.self))
    }

    private static func aliased(_ number: Int, first: Int = 10) -> String {
        "i\(number): issue(number:\(number)){ linkedBranches(first:\(first)){ nodes{ ref{ name } } } }"
    }

    /// The branch names under `alias`, or nil when the alias is `null` or absent.
    private func branches(_ reply: Reply, alias: String) -> [String]? {
        let repository = (reply.object["data"] as? [String: Any])?["repository"] as? [String: Any]
        let linked = (repository?[alias] as? [String: Any])?["linkedBranches"] as? [String: Any]
        let nodes = linked?["nodes"] as? [[String: Any]]
        return nodes?.compactMap { ($0["ref"] as? [String: Any])?["name"] as? String }
    }

    private func errors(_ reply: Reply) -> [[String: Any]] {
        reply.object["errors"] as? [[String: Any]] ?? []
    }

    func testAliasedIssuesAreEachAnsweredUnderTheirAlias() async throws {
        let reply = try await askAliased([Self.aliased(107), Self.aliased(101), Self.aliased(110)])
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(branches(reply, alias: "i107"), ["107-label-move-ordering"])
        XCTAssertEqual(branches(reply, alias: "i101"), [])
        XCTAssertEqual(branches(reply, alias: "i110"), ["110-cache-fsync", "110-cache-fsync-v2"])
        XCTAssertNil(reply.object["errors"])
        XCTAssertEqual(
            reply.text,
            #"{"data":{"repository":{"i107":{"linkedBranches":{"nodes":[{"ref":{"name":"107-label-move-ordering"}}]}},"#
                + #""i101":{"linkedBranches":{"nodes":[]}},"#
                + #""i110":{"linkedBranches":{"nodes":[{"ref":{"name":"110-cache-fsync"}},{"ref":{"name":"110-cache-fsync-v2"}}]}}}}}"#,
            "answered in the order asked, each under its alias")
    }

    func testFiftyAliasesInOneRequest() async throws {
        let known = [1] + Array(101...118)
        let numbers = known + Array(2001...2031)
        XCTAssertEqual(numbers.count, 50)
        let reply = try await askAliased(numbers.map { Self.aliased($0) })
        XCTAssertEqual(reply.status, 200)
        let repository = try XCTUnwrap((reply.object["data"] as? [String: Any])?["repository"] as? [String: Any])
        XCTAssertEqual(repository.count, 50)
        for number in known {
            XCTAssertNotNil(branches(reply, alias: "i\(number)"), "#\(number)")
        }
        XCTAssertEqual(branches(reply, alias: "i105"), ["105-support-windows-executors"])
        XCTAssertEqual(errors(reply).count, 31, "one NOT_FOUND per unknown number")
        XCTAssertTrue(repository["i2031"] is NSNull)
    }

    func testUnknownNumberAndPullRequestAreNullUnderTheirAliasWithNotFoundErrors() async throws {
        let reply = try await askAliased([Self.aliased(107), Self.aliased(9999), Self.aliased(120)])
        XCTAssertEqual(reply.status, 200, "GraphQL reports errors in the body")
        XCTAssertEqual(branches(reply, alias: "i107"), ["107-label-move-ordering"], "the others are answered all the same")
        let repository = try XCTUnwrap((reply.object["data"] as? [String: Any])?["repository"] as? [String: Any])
        XCTAssertTrue(repository["i9999"] is NSNull)
        XCTAssertTrue(repository["i120"] is NSNull, "issue(number:) does not resolve pull requests")
        let found = errors(reply)
        XCTAssertEqual(found.map { $0["type"] as? String }, ["NOT_FOUND", "NOT_FOUND"])
        XCTAssertEqual(found.map { $0["path"] as? [String] }, [["repository", "i9999"], ["repository", "i120"]])
        XCTAssertEqual(found.map { $0["message"] as? String }, [
            "Could not resolve to an Issue with the number of 9999.", "Could not resolve to an Issue with the number of 120.",
        ])
    }

    func testAliasesMixedWithVariablesAndAnUnaliasedIssue() async throws {
        let reply = try await askAliased(
            [
                "first: issue(number:$a){ linkedBranches(first:$n){ totalCount nodes{ ref{ name } } } }",
                #"issue(number:108){ linkedBranches(first:1){ nodes{ ref{ name } } } }"#,
                "second: issue(number:$b){ linkedBranches(first:1){ nodes{ ref{ name } } } }",
            ],
            variables: ["owner": "acme", "name": "mcp_coder", "a": 110, "b": 9999, "n": 1])
        XCTAssertEqual(branches(reply, alias: "first"), ["110-cache-fsync"])
        let first = ((reply.object["data"] as? [String: Any])?["repository"] as? [String: Any])?["first"] as? [String: Any]
        XCTAssertEqual((first?["linkedBranches"] as? [String: Any])?["totalCount"] as? Int, 2)
        XCTAssertEqual(branches(reply, alias: "issue"), ["108-ledger-format"])
        XCTAssertEqual(errors(reply).map { $0["path"] as? [String] }, [["repository", "second"]])
    }

    func testTwoIssuesUnderOneKeyAreAConflictAndAnAliasedRepositoryKeepsItsAlias() async throws {
        let conflict = try await askAliased([
            "x: issue(number:101){ linkedBranches(first:1){ nodes{ ref{ name } } } }",
            "x: issue(number:102){ linkedBranches(first:1){ nodes{ ref{ name } } } }",
        ])
        XCTAssertEqual(errorMessages(conflict).count, 1)
        XCTAssertNil(conflict.object["data"])

        let query = #"{ repo: repository(owner:"acme",name:"nope"){ i1: issue(number:1){ linkedBranches(first:1){ nodes{ ref{ name } } } } } }"#
        let data = try JSONSerialization.data(withJSONObject: ["query": query])
        let unknown = try await gh("POST", "/graphql", json: String(decoding: data, as: UTF8.self))
        XCTAssertTrue((unknown.object["data"] as? [String: Any])?["repo"] is NSNull)
        XCTAssertEqual(errors(unknown).map { $0["path"] as? [String] }, [["repo"]])
    }

    func testOtherFieldsBesideTheIssuesAndDeepNestingAreErrors() async throws {
        let other = try await askAliased([Self.aliased(101), "viewerCanAdminister"])
        XCTAssertEqual(errorMessages(other).count, 1)
        XCTAssertNil(other.object["data"])
        let deep = String(repeating: "{ a ", count: 5000) + String(repeating: "}", count: 5000)
        let data = try JSONSerialization.data(withJSONObject: ["query": deep])
        let nested = try await gh("POST", "/graphql", json: String(decoding: data, as: UTF8.self))
        XCTAssertEqual(nested.status, 200)
        XCTAssertEqual(errorMessages(nested).count, 1, "an error, not a crashed Sandbox")
        XCTAssertTrue(errorMessages(nested).first?.contains("nested deeper") ?? false, "\(errorMessages(nested))")
    }
}
