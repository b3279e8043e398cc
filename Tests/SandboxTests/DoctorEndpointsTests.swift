import Foundation
import Sandbox
import XCTest

/// The endpoints `coordinator doctor` asks, answered the way GitHub and Jenkins answer them: the
/// token's identity and OAuth scopes, repository info, the paged label list, Jenkins' root and a
/// job's parameter definitions.
final class DoctorEndpointsTests: SandboxTestCase {
    override func adjust(_ scenario: inout Scenario) {
        scenario.github.tokens.append(.init(token: "ghp_fine", login: "fine-bot", fineGrained: true))
        scenario.github.tokens.append(.init(token: "ghp_public", login: "public-bot", scopes: ["public_repo", "read:org"]))
        scenario.github.tokens.append(.init(token: "ghp_bare", login: "bare-bot", scopes: []))
        scenario.jenkins.jobs.append(.init(path: "Coordinator/plain", parameters: []))
        scenario.jenkins.jobs.append(.init(path: "Coordinator/two", parameters: ["REPO_URL", "BRANCH_NAME"]))
    }

    // MARK: GitHub

    func testUserNamesTheTokensLoginWithItsScopes() async throws {
        let user = try await gh("/user")
        XCTAssertEqual(user.status, 200)
        XCTAssertEqual(user.object["login"] as? String, "mcp-coder-bot")
        XCTAssertEqual(user.header("x-oauth-scopes"), "repo", "a scenario token is a classic token with repo by default")
        let publicOnly = try await gh("/user", token: "ghp_public")
        XCTAssertEqual(publicOnly.object["login"] as? String, "public-bot")
        XCTAssertEqual(publicOnly.header("x-oauth-scopes"), "public_repo, read:org")
    }

    func testScopesComeWithEveryAuthenticatedAnswerButNotForAFineGrainedToken() async throws {
        let repo = try await gh("/repos/acme/mcp_coder/issues/101")
        XCTAssertEqual(repo.header("x-oauth-scopes"), "repo")
        let bare = try await gh("/user", token: "ghp_bare")
        XCTAssertEqual(bare.header("x-oauth-scopes"), "", "a classic token without scopes sends the header empty")
        let fine = try await gh("/user", token: "ghp_fine")
        XCTAssertEqual(fine.status, 200)
        XCTAssertEqual(fine.object["login"] as? String, "fine-bot")
        XCTAssertNil(fine.header("x-oauth-scopes"), "GitHub names no scopes for a fine-grained token")
        let refused = try await gh("/user", token: "ghp_wrong")
        XCTAssertEqual(refused.status, 401)
        XCTAssertNil(refused.header("x-oauth-scopes"))
    }

    func testRepositoryInfo() async throws {
        let repo = try await gh("/repos/acme/web.site")
        XCTAssertEqual(repo.status, 200)
        XCTAssertEqual(repo.object["full_name"] as? String, "acme/web.site")
        XCTAssertEqual(repo.object["private"] as? Bool, false)
        XCTAssertEqual(repo.object["has_issues"] as? Bool, true)
        XCTAssertEqual(repo.object["archived"] as? Bool, false)
        let missing = try await gh("/repos/acme/nothere")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.object["message"] as? String, "Not Found")
    }

    func testLabelsArePagedLikeEveryListing() async throws {
        // The example defines 19 labels in every repository; web.site adds its own launch label.
        let all = try await gh("/repos/acme/web.site/labels?per_page=100")
        XCTAssertEqual(all.status, 200)
        let names = labelNames(all)
        XCTAssertEqual(names.count, 20)
        XCTAssertEqual(Array(names.prefix(2)), ["status-01:created", "status-02:awaiting-planning"])
        XCTAssertTrue(names.contains("🚀 launch"))
        XCTAssertNil(all.header("link"), "one page, no Link")

        let first = try await gh("/repos/acme/web.site/labels?per_page=6")
        XCTAssertEqual(labelNames(first), Array(names.prefix(6)))
        let link = try XCTUnwrap(first.header("link"))
        XCTAssertTrue(link.contains("<\(github)/repos/acme/web.site/labels?per_page=6&page=2>; rel=\"next\""), link)
        XCTAssertTrue(link.contains("page=4>; rel=\"last\""), link)
        let last = try await gh("/repos/acme/web.site/labels?per_page=6&page=4")
        XCTAssertEqual(labelNames(last), Array(names.suffix(2)))

        let byDefault = try await gh("/repos/acme/web.site/labels")
        XCTAssertEqual(labelNames(byDefault), names, "30 a page unless asked")
    }

    func testLabelsInUseButNeverDefinedAreListedToo() async throws {
        _ = try await gh("POST", "/repos/acme/infra/issues/2/labels", json: #"{"labels":["needs-triage"]}"#)
        let labels = try await gh("/repos/acme/infra/labels?per_page=100")
        XCTAssertEqual(labelNames(labels).last, "needs-triage")
    }

    // MARK: Jenkins

    func testJenkinsRootAnswersTheCredentialsWithItsVersion() async throws {
        let root = try await jk("/api/json")
        XCTAssertEqual(root.status, 200)
        XCTAssertEqual(root.object["_class"] as? String, "hudson.model.Hudson")
        XCTAssertNotNil(root.header("x-jenkins"))
        let trimmed = try await jk("/api/json?tree=mode")
        XCTAssertEqual(Set(trimmed.object.keys), ["_class", "mode"], "tree= applies to the root too")
        let refused = try await jk("/api/json", auth: "Basic " + Data("bot:wrong".utf8).base64EncodedString())
        XCTAssertEqual(refused.status, 401)
    }

    func testAJobListsItsParameterDefinitions() async throws {
        let job = try await jk("/job/Coordinator/job/mcp_coder/job/executor/api/json")
        XCTAssertEqual(job.status, 200)
        XCTAssertEqual(parameterNames(job), ["REPO_URL", "BRANCH_NAME", "COMMAND", "GITHUB_CREDENTIALS_ID"], "the four by default")
        let property = try XCTUnwrap((job.object["property"] as? [[String: Any]])?.first)
        XCTAssertEqual(property["_class"] as? String, "hudson.model.ParametersDefinitionProperty")
        let definition = try XCTUnwrap((property["parameterDefinitions"] as? [[String: Any]])?.first)
        XCTAssertEqual(definition["_class"] as? String, "hudson.model.StringParameterDefinition")
        XCTAssertEqual(definition["type"] as? String, "StringParameterDefinition")

        let two = try await jk("/job/Coordinator/job/two/api/json")
        XCTAssertEqual(parameterNames(two), ["REPO_URL", "BRANCH_NAME"])
        let plain = try await jk("/job/Coordinator/job/plain/api/json")
        XCTAssertEqual((plain.object["property"] as? [Any])?.count, 0, "a job without parameters has no such property")
    }

    func testTheParametersTreeKeepsOnlyTheNames() async throws {
        let tree = try XCTUnwrap("property[parameterDefinitions[name]]".addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let job = try await jk("/job/Coordinator/job/two/api/json?tree=" + tree)
        XCTAssertEqual(job.status, 200)
        XCTAssertEqual(Set(job.object.keys), ["_class", "property"])
        XCTAssertEqual(parameterNames(job), ["REPO_URL", "BRANCH_NAME"])
        let definition = try XCTUnwrap(((job.object["property"] as? [[String: Any]])?.first?["parameterDefinitions"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(definition.keys), ["_class", "name"])
    }

    private func parameterNames(_ reply: Reply) -> [String] {
        (reply.object["property"] as? [[String: Any]] ?? [])
            .filter { $0["_class"] as? String == "hudson.model.ParametersDefinitionProperty" }
            .flatMap { $0["parameterDefinitions"] as? [[String: Any]] ?? [] }
            .compactMap { $0["name"] as? String }
    }
}
