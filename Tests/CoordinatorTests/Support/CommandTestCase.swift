import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// The base of the end-to-end tests of the headless `coordinator` commands: the built executable in
/// separate processes, real HTTP against a Sandbox on 127.0.0.1, a config file and a cache directory
/// in a temporary directory. Every test ends by checking that no command printed a secret or
/// crashed, and that no secret reached the cache directory.
class CommandTestCase: XCTestCase {
    var harness: CommandHarness?

    override func tearDown() async throws {
        if let harness {
            harness.assertNothingLeaked()
            await harness.shutdown()
        }
        harness = nil
        try await super.tearDown()
    }

    // MARK: - Fixtures

    static let githubToken = "ghp_E2eGithubSecret_8c1d4f2a"
    static let exhaustedToken = "ghp_E2eExhaustedSecret_0b5e77"
    static let wrongGithubToken = "ghp_E2eWrongSecret_d41d8c"
    static let jenkinsToken = "jenkins-e2e-secret-5b7e93"
    static let wrongJenkinsToken = "jenkins-e2e-wrong-secret-91aa"

    static let p02 = "status-02:awaiting-planning", b03 = "status-03:planning"
    static let h04 = "status-04:plan-review"
    static let p05 = "status-05:plan-ready", b06 = "status-06:implementing"
    static let p08 = "status-08:ready-pr", b09 = "status-09:pr-creating"

    static let alpha = ConfigFile.Repo(name: "alpha", owner: "acme", repo: "alpha", jobPath: "Coordinator/alpha/executor")
    static let beta = ConfigFile.Repo(
        name: "beta.tools", owner: "acme", repo: "beta.tools", jobPath: "Coordinator/beta.tools/executor",
        credentialsID: "beta-pat", mainBranch: "develop")
    static let solo = ConfigFile.Repo(name: "solo", owner: "acme", repo: "solo", jobPath: "Solo/executor")

    /// One dispatch the standard scenario must produce.
    struct Expected: Hashable {
        var repo: ConfigFile.Repo.Key
        var issue: Int
        var workflow: WorkflowName
        var branch: String
        var pickup: String
        var busy: String
    }

    /// alpha: #3 create-pr, #2 implement, #1 create-plan (in that order); #4 and #5 are skipped
    /// (no / two linked branches), #6 is a conflict, #7 blocked, #8 with a human, #9 closed, #10 a PR.
    /// beta.tools: #2 implement, #1 create-plan on `develop`.
    static let expectedDispatches: [Expected] = [
        Expected(repo: alpha.key, issue: 3, workflow: .createPR, branch: "3-open-pr", pickup: p08, busy: b09),
        Expected(repo: alpha.key, issue: 2, workflow: .implement, branch: "2-feature", pickup: p05, busy: b06),
        Expected(repo: alpha.key, issue: 1, workflow: .createPlan, branch: "main", pickup: p02, busy: b03),
        Expected(repo: beta.key, issue: 2, workflow: .implement, branch: "2-docs", pickup: p05, busy: b06),
        Expected(repo: beta.key, issue: 1, workflow: .createPlan, branch: "develop", pickup: p02, busy: b03),
    ]

    static func standardScenario() -> Scenario {
        func issue(_ number: Int, _ labels: [String], branches: [String] = [], state: String = "open", pr: Bool = false) -> Scenario.Issue {
            Scenario.Issue(
                number: number, title: "Issue \(number) ✨ \"quoted\"", body: "Body of \(number)", state: state, labels: labels,
                user: "alice", createdAt: "2026-11-20T08:00:00Z", updatedAt: "2026-11-20T09:\(String(format: "%02d", number)):00Z",
                pullRequest: pr, linkedBranches: branches)
        }
        return Scenario(
            github: .init(
                tokens: [
                    .init(token: githubToken, login: "e2e-bot", hourlyQuota: 5000),
                    .init(token: exhaustedToken, login: "e2e-spent", hourlyQuota: 0),
                ],
                repositories: [
                    .init(owner: "acme", name: "alpha", issues: [
                        issue(1, [p02, "enhancement"]),
                        issue(2, [p05], branches: ["2-feature"]),
                        issue(3, [p08], branches: ["3-open-pr"]),
                        issue(4, [p05]),
                        issue(5, [p08], branches: ["5-a", "5-b"]),
                        issue(6, [p02, b03]),
                        issue(7, [p02, "blocked"]),
                        issue(8, [h04]),
                        issue(9, [p02], state: "closed"),
                        issue(10, [p02], pr: true),
                    ]),
                    .init(owner: "acme", name: "beta.tools", defaultBranch: "develop", issues: [
                        issue(1, [p02]),
                        issue(2, [p05, "documentation"], branches: ["2-docs"]),
                    ]),
                    .init(owner: "acme", name: "solo", issues: [issue(7, [p02, "bug"])]),
                ]),
            jenkins: .init(
                users: [.init(username: "bot", apiToken: jenkinsToken)], crumb: true, startDelayMs: 0, buildDurationMs: 0,
                jobs: [.init(path: alpha.jobPath), .init(path: beta.jobPath), .init(path: solo.jobPath, nextBuildNumber: 7)]))
    }

    @discardableResult
    func start(_ scenario: Scenario = standardScenario(), secrets: [String]? = nil, tls: SandboxTLS? = nil) async throws -> CommandHarness {
        let started = try await CommandHarness.start(
            scenario: scenario,
            secrets: secrets ?? [Self.githubToken, Self.exhaustedToken, Self.wrongGithubToken, Self.jenkinsToken, Self.wrongJenkinsToken],
            tls: tls)
        harness = started
        return started
    }

    /// A config for the standard scenario against the running Sandbox.
    func writeStandardConfig(
        _ h: CommandHarness, repos: [ConfigFile.Repo] = [alpha, beta], window: Int? = nil, name: String = "config.toml",
        edit: (inout ConfigFile) -> Void = { _ in }
    ) throws -> String {
        var config = h.config(repos: repos, githubToken: Self.githubToken, jenkinsToken: Self.jenkinsToken, duplicateWindowSeconds: window)
        edit(&config)
        return try h.writeConfig(config, name: name).path
    }

    struct BuildKey: Hashable, CustomStringConvertible {
        var job: String
        var issue: Int
        var description: String { "\(job)#\(issue)" }
    }

    /// The issue a build was started for, read off its COMMAND (`mcp-coder --log-level L WORKFLOW N …`).
    static func issueNumber(of build: SandboxBuild) -> Int? {
        guard let last = build.parameters["COMMAND"]?.split(separator: "\n").last else { return nil }
        let words = last.split(separator: " ")
        guard let index = words.firstIndex(of: "--log-level"), index + 3 < words.count else { return nil }
        return Int(words[index + 3])
    }

    /// The workflow a build was started for, read off its COMMAND (`mcp-coder --log-level L WORKFLOW N …`).
    static func workflowName(of build: SandboxBuild) -> String? {
        guard let last = build.parameters["COMMAND"]?.split(separator: "\n").last else { return nil }
        let words = last.split(separator: " ")
        guard let index = words.firstIndex(of: "--log-level"), index + 2 < words.count else { return nil }
        return String(words[index + 2])
    }

    func buildCounts(_ h: CommandHarness) async -> [BuildKey: Int] {
        var counts: [BuildKey: Int] = [:]
        for build in await h.server.builds() {
            counts[BuildKey(job: build.jobPath, issue: Self.issueNumber(of: build) ?? -1), default: 0] += 1
        }
        return counts
    }

    func liveLabels(_ h: CommandHarness, _ repo: ConfigFile.Repo.Key, _ number: Int) async -> [String]? {
        await h.server.issue(owner: repo.owner, repo: repo.repo, number: number)?.labels
    }
}

extension ConfigFile.Repo {
    /// Identifies a repository of the standard scenario.
    struct Key: Hashable {
        var owner: String
        var repo: String

        var config: ConfigFile.Repo {
            [CommandTestCase.alpha, CommandTestCase.beta, CommandTestCase.solo].first { $0.key == self }!
        }
    }

    var key: Key { Key(owner: owner, repo: repo) }
}
