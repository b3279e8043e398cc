import XCTest
@testable import Coordinator

final class RepoURLTests: XCTestCase {
    func testHTTPSFormsParseToTheSameRepository() {
        for text in ["https://github.com/acme/demo", "https://github.com/acme/demo.git", "https://github.com/acme/demo/", "https://GitHub.com/acme/demo.git/"] {
            XCTAssertEqual(RepoURL(parsing: text), RepoURL(host: "github.com", owner: "acme", name: "demo"), text)
        }
    }

    func testSSHFormParses() {
        XCTAssertEqual(RepoURL(parsing: "git@github.com:acme/demo.git"), RepoURL(host: "github.com", owner: "acme", name: "demo"))
        XCTAssertEqual(RepoURL(parsing: "git@ghe.example.com:team/tool"), RepoURL(host: "ghe.example.com", owner: "team", name: "tool"))
    }

    func testRepositoryNamesWithDotsAreAccepted() {
        XCTAssertEqual(RepoURL(parsing: "https://github.com/acme/web.site.git")?.name, "web.site")
        XCTAssertEqual(RepoURL(parsing: "git@github.com:acme/my.repo.name.git")?.name, "my.repo.name")
        XCTAssertEqual(RepoURL(parsing: "https://github.com/acme/v1.2")?.name, "v1.2")
    }

    func testMalformedURLsAreRejected() {
        for text in ["", "github.com/acme/demo", "https://github.com/acme", "https://github.com/acme/demo/extra", "ftp://x/a/b", "git@github.com/acme/demo", "https://github.com//demo"] {
            XCTAssertNil(RepoURL(parsing: text), text)
        }
    }

    func testAPIBaseFollowsTheHost() {
        let dotCom = RepoURL(parsing: "https://github.com/acme/demo")!
        XCTAssertEqual(dotCom.apiBase(), "https://api.github.com")
        XCTAssertEqual(dotCom.graphQLURL(), "https://api.github.com/graphql")
        let enterprise = RepoURL(parsing: "git@ghe.example.com:acme/demo.git")!
        XCTAssertEqual(enterprise.apiBase(), "https://ghe.example.com/api/v3")
        XCTAssertEqual(enterprise.graphQLURL(), "https://ghe.example.com/api/graphql")
    }

    func testAPIURLOverrideWins() {
        let repo = RepoURL(parsing: "https://github.com/acme/demo")!
        XCTAssertEqual(repo.apiBase(override: "http://127.0.0.1:8080/"), "http://127.0.0.1:8080")
        XCTAssertEqual(repo.graphQLURL(override: "http://127.0.0.1:8080"), "http://127.0.0.1:8080/graphql")
        XCTAssertEqual(repo.graphQLURL(override: "http://127.0.0.1:8080/api/v3"), "http://127.0.0.1:8080/api/graphql")
    }

    func testCacheStemIncludesTheHost() {
        XCTAssertEqual(RepoURL(parsing: "https://github.com/acme/demo")!.cacheStem, "github_com_acme_demo")
        XCTAssertEqual(RepoURL(parsing: "https://ghe.example.com/acme/demo")!.cacheStem, "ghe_example_com_acme_demo")
    }
}
