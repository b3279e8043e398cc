import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// The headless commands end to end: a dispatching run.
final class RunCommandTests: CommandTestCase {
    func testRunDispatchesEachEligibleIssueOnceMovesLabelsAndUpdatesTheCache() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)

        let result = try await h.run(["run", "--all", "--config", config])
        // Two skips (no branch, two branches) are not failures: exit 0.
        assertExit(result, 0)
        XCTAssertTrue(result.stdout.contains("5 dispatched, 0 recovered, 2 skipped, 0 failed"), "\(result)")
        assertContains(result.stdout, ["#4 skipped: no branch is linked", "#5 skipped: several branches are linked (5-a, 5-b)"], result)

        // Exactly one build per dispatchable issue, with the plan's parameters.
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, Self.expectedDispatches.count, "\(builds)")
        let counts = await buildCounts(h)
        for expected in Self.expectedDispatches {
            let repo = expected.repo.config
            XCTAssertEqual(counts[BuildKey(job: repo.jobPath, issue: expected.issue)], 1, "builds of \(repo.name)#\(expected.issue): \(counts)")
            guard let build = builds.first(where: { $0.jobPath == repo.jobPath && Self.issueNumber(of: $0) == expected.issue }) else { continue }
            XCTAssertEqual(build.parameters, [
                "REPO_URL": repo.repoURL,
                "BRANCH_NAME": expected.branch,
                "COMMAND": ExecutorCommand().render(workflow: expected.workflow, os: .linux, issue: expected.issue, branch: expected.branch, logLevel: "INFO"),
                "GITHUB_CREDENTIALS_ID": repo.credentialsID,
            ])
        }
        // Jenkins got them in the documented order: alpha before beta, create-pr, implement, create-plan.
        XCTAssertEqual(builds.map { BuildKey(job: $0.jobPath, issue: Self.issueNumber(of: $0) ?? -1) },
                       Self.expectedDispatches.map { BuildKey(job: $0.repo.config.jobPath, issue: $0.issue) })

        // Labels moved on GitHub, other labels kept; skipped and ineligible issues untouched.
        for expected in Self.expectedDispatches {
            let fetched = await liveLabels(h, expected.repo, expected.issue)
            let labels = try XCTUnwrap(fetched)
            XCTAssertTrue(labels.contains(expected.busy) && !labels.contains(expected.pickup), "\(expected.repo.repo)#\(expected.issue): \(labels)")
        }
        let alphaOne = await liveLabels(h, Self.alpha.key, 1)
        XCTAssertEqual(alphaOne.map(Set.init), [Self.b03, "enhancement"])
        for (number, labels) in [(4, [Self.p05]), (5, [Self.p08]), (6, [Self.p02, Self.b03]), (7, [Self.p02, "blocked"])] {
            let live = await liveLabels(h, Self.alpha.key, number)
            XCTAssertEqual(live, labels, "alpha#\(number) must not change")
        }

        // The cache holds exactly GitHub's labels for every open issue.
        for repo in [Self.alpha, Self.beta] {
            let cached = try h.cachedLabels(owner: repo.owner, repo: repo.repo)
            let fetched = await h.server.issues(owner: repo.owner, repo: repo.repo)
            let live = try XCTUnwrap(fetched)
            let openIssues = live.filter { $0.state == "open" && !$0.isPullRequest }
            XCTAssertEqual(Set(cached.keys), Set(openIssues.map(\.number)), repo.name)
            for issue in openIssues {
                XCTAssertEqual(cached[issue.number], issue.labels, "cache of \(repo.name)#\(issue.number)")
            }
        }

        // The ledger tells each dispatch's story; skips leave no trace.
        for expected in Self.expectedDispatches {
            XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: expected.repo.repo, issue: expected.issue),
                           ["intent", "job_started", "labels_moved", "done"], "\(expected.repo.repo)#\(expected.issue)")
        }
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "alpha", issue: 4), [])
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "alpha", issue: 5), [])
        let intent = try XCTUnwrap(h.ledger(owner: "acme", repo: "alpha").first { $0["event"] as? String == "intent" })
        XCTAssertTrue((intent["by"] as? String)?.hasPrefix("e2e@") == true, "\(intent)")

        // Files are private.
        let mode = try FileManager.default.attributesOfItem(atPath: h.cacheFile(owner: "acme", repo: "alpha").path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)

        // A second run inside the reuse window, and one outside it, dispatch nothing more.
        let again = try await h.run(["run", "--all", "--config", config])
        assertExit(again, 0)
        XCTAssertTrue(again.stdout.contains("0 dispatched, 0 recovered, 2 skipped, 0 failed"), "\(again)")
        let outside = try await h.run(["run", "--all", "--config", try writeStandardConfig(h, window: 0, name: "window0.toml")])
        assertExit(outside, 0)
        XCTAssertTrue(outside.stdout.contains("0 dispatched"), "\(outside)")
        let buildsAfter = await h.server.builds()
        XCTAssertEqual(buildsAfter.count, Self.expectedDispatches.count)
    }

    func testRunAgainstTheExampleScenarioDispatchesTwelveAndExitsZero() async throws {
        let example = try Scenario.example()
        let githubToken = try XCTUnwrap(example.github.tokens.first?.token)
        let jenkinsUser = try XCTUnwrap(example.jenkins.users.first { $0.apiToken != nil })
        let h = try await start(example, secrets: [githubToken, try XCTUnwrap(jenkinsUser.apiToken)])
        let config = try h.writeConfig(h.config(
            repos: [
                ConfigFile.Repo(name: "mcp_coder", owner: "acme", repo: "mcp_coder", jobPath: "Coordinator/mcp_coder/executor"),
                ConfigFile.Repo(name: "web.site", owner: "acme", repo: "web.site", jobPath: "Coordinator/web.site/executor"),
                ConfigFile.Repo(name: "infra", owner: "acme", repo: "infra", jobPath: "Coordinator/infra/executor", mainBranch: "master"),
            ],
            githubToken: githubToken, jenkinsUser: jenkinsUser.username, jenkinsToken: jenkinsUser.apiToken!)).path
        let result = try await h.run(["run", "--all", "--config", config])
        assertExit(result, 0)
        XCTAssertTrue(result.stdout.contains("12 dispatched, 0 recovered, 3 skipped, 0 failed"), "\(result)")
        let counts = await buildCounts(h)
        XCTAssertEqual(counts.values.reduce(0, +), 12)
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 }, "\(counts)")
        for (repo, numbers) in [("mcp_coder", [1: "Overview", 113: "status-02:awaiting-planning"]), ("infra", [7: "status-05:plan-ready"])] {
            let cached = try h.cachedLabels(owner: "acme", repo: repo)
            for (number, label) in numbers {
                XCTAssertTrue(cached[number]?.contains(label) == true, "\(repo)#\(number): \(String(describing: cached[number]))")
            }
        }
        // The 🚀 label and the dotted repository name survive the round trip.
        let webTwo = try h.cachedLabels(owner: "acme", repo: "web.site")[2]
        XCTAssertEqual(webTwo.map(Set.init), ["🚀 launch", "status-03:planning"])
    }
}
