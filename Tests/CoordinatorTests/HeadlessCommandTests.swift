import Foundation
import Sandbox
import XCTest
@testable import Coordinator

#if canImport(Glibc)
import Glibc
#endif

/// End-to-end tests of the headless `coordinator` commands: the built executable in separate
/// processes, real HTTP against a Sandbox on 127.0.0.1, a config file and a cache directory in a
/// temporary directory. Every test ends by checking that no command printed a secret or crashed,
/// and that no secret reached the cache directory.
final class HeadlessCommandTests: XCTestCase {
    private var harness: CommandHarness?

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
    private func start(_ scenario: Scenario = standardScenario(), secrets: [String]? = nil) async throws -> CommandHarness {
        let started = try await CommandHarness.start(
            scenario: scenario,
            secrets: secrets ?? [Self.githubToken, Self.exhaustedToken, Self.wrongGithubToken, Self.jenkinsToken, Self.wrongJenkinsToken])
        harness = started
        return started
    }

    /// A config for the standard scenario against the running Sandbox.
    private func writeStandardConfig(
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

    private func buildCounts(_ h: CommandHarness) async -> [BuildKey: Int] {
        var counts: [BuildKey: Int] = [:]
        for build in await h.server.builds() {
            counts[BuildKey(job: build.jobPath, issue: Self.issueNumber(of: build) ?? -1), default: 0] += 1
        }
        return counts
    }

    private func liveLabels(_ h: CommandHarness, _ repo: ConfigFile.Repo.Key, _ number: Int) async -> [String]? {
        await h.server.issue(owner: repo.owner, repo: repo.repo, number: number)?.labels
    }

    // MARK: - 1. Usage

    func testHelpVersionAndUsageErrors() async throws {
        let h = try await start()

        let help = try await h.run(["--help"])
        assertExit(help, 0)
        assertContains(help.stdout, ["run", "status", "diff", "sync", "test", "sandbox", "version", "USAGE"], help)

        let version = try await h.run(["--version"])
        assertExit(version, 0)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), CoordinatorVersion.current)
        let versionCommand = try await h.run(["version"])
        assertExit(versionCommand, 0)
        XCTAssertEqual(versionCommand.stdout, version.stdout)

        let runHelp = try await h.run(["run", "--help"])
        assertExit(runHelp, 0)
        assertContains(runHelp.stdout, ["--all", "--repo", "--dry-run", "--keep-going", "--force-refresh", "--log-level", "--config"], runHelp)

        let unknown = try await h.run(["--no-such-option"])
        assertExit(unknown, 2)
        XCTAssertTrue(unknown.stderr.contains("--no-such-option"), "\(unknown)")

        let unknownCommand = try await h.run(["frobnicate"])
        assertExit(unknownCommand, 2)

        let config = try writeStandardConfig(h)
        let neither = try await h.run(["run", "--config", config])
        assertExit(neither, 2)
        XCTAssertTrue(neither.stderr.contains("--all"), "\(neither)")
        let both = try await h.run(["run", "--all", "--repo", "alpha", "--config", config])
        assertExit(both, 2)
        let badLevel = try await h.run(["run", "--all", "--log-level", "None", "--config", config])
        assertExit(badLevel, 2)
        XCTAssertTrue(badLevel.stderr.contains("--log-level"), "\(badLevel)")
        let testWithoutBranch = try await h.run(["test", "alpha", "--config", config])
        assertExit(testWithoutBranch, 2)

        // None of these reached GitHub or Jenkins.
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0, "\(requests)")
    }

    // MARK: - 2. Dry run

    func testDryRunOnTheExampleScenarioPrintsEveryPlanAndChangesNothing() async throws {
        let example = try Scenario.example()
        let githubToken = try XCTUnwrap(example.github.tokens.first?.token)
        let jenkinsUser = try XCTUnwrap(example.jenkins.users.first { $0.apiToken != nil })
        let h = try await start(example, secrets: [githubToken, try XCTUnwrap(jenkinsUser.apiToken)])
        let repos = [
            ConfigFile.Repo(name: "mcp_coder", owner: "acme", repo: "mcp_coder", jobPath: "Coordinator/mcp_coder/executor"),
            ConfigFile.Repo(name: "web.site", owner: "acme", repo: "web.site", jobPath: "Coordinator/web.site/executor"),
            ConfigFile.Repo(name: "infra", owner: "acme", repo: "infra", jobPath: "Coordinator/infra/executor", mainBranch: "master"),
        ]
        let config = try h.writeConfig(h.config(
            repos: repos, githubToken: githubToken, jenkinsUser: jenkinsUser.username, jenkinsToken: jenkinsUser.apiToken!)).path

        let result = try await h.run(["run", "--all", "--dry-run", "--config", config])
        assertExit(result, 0)
        let out = result.stdout

        // One plan in full: workflow, branch, job, label move, every parameter, COMMAND line by line.
        let command = ExecutorCommand().render(workflow: .createPR, os: .linux, issue: 109, branch: "109-lock-handling", logLevel: "INFO")
        XCTAssertTrue(command.contains("mcp-coder --log-level INFO create-pr 109 --project-dir /workspace/repo --mcp-config .mcp.json --update-labels"))
        let block = try XCTUnwrap(planBlock(out, issue: 109), out)
        assertContains(block, [
            "workflow:  create-pr", "branch:    109-lock-handling", "job:       Coordinator/mcp_coder/executor",
            "labels:    status-08:ready-pr → status-09:pr-creating",
            "REPO_URL=https://github.com/acme/mcp_coder.git", "BRANCH_NAME=109-lock-handling",
            "GITHUB_CREDENTIALS_ID=github-pat", "COMMAND:",
        ], out)
        for commandLine in command.split(separator: "\n") {
            XCTAssertTrue(block.contains("    " + commandLine + "\n"), "COMMAND line \"\(commandLine)\" not printed in full:\n\(block)")
        }
        // A create-plan goes to the main branch, infra's being `master`.
        let infraPlan = try XCTUnwrap(planBlock(out, issue: 2, after: "infra:"), out)
        assertContains(infraPlan, ["workflow:  create-plan", "branch:    master", "BRANCH_NAME=master", "mcp-coder --log-level INFO create-plan 2 "], out)

        // Every dispatchable issue, in priority order per repository; skips and conflicts named.
        let mcp = try XCTUnwrap(section(out, "mcp_coder:"), out)
        XCTAssertEqual(planNumbers(mcp), [109, 105, 101, 102, 118], out)
        assertContains(mcp, [
            "#110 would be skipped: several branches are linked (110-cache-fsync, 110-cache-fsync-v2)",
            "#106 would be skipped: no branch is linked", "#113 conflict",
        ], out)
        XCTAssertEqual(planNumbers(try XCTUnwrap(section(out, "web.site:"), out)), [10, 6, 2, 3], out)
        XCTAssertEqual(planNumbers(try XCTUnwrap(section(out, "infra:"), out)), [6, 4, 2], out)
        XCTAssertTrue(out.contains("#7 conflict"), out)
        XCTAssertTrue(out.contains("dry run: 12 would be dispatched, 3 skipped, 0 failed; nothing was changed"), out)

        // Nothing changed anywhere.
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0)
        let changing = await h.changingRequests()
        XCTAssertEqual(changing.map { "\($0.method) \($0.path)" }, [])
        XCTAssertEqual(h.cacheDirectoryFiles().filter { !$0.lastPathComponent.hasSuffix(".lock") }.map(\.lastPathComponent), [])

        // With a cache on disk and outside the reuse window, a dry run refreshes in memory only.
        let windowZero = try h.writeConfig(h.config(
            repos: repos, githubToken: githubToken, jenkinsUser: jenkinsUser.username, jenkinsToken: jenkinsUser.apiToken!,
            duplicateWindowSeconds: 0), name: "window0.toml").path
        assertExit(try await h.run(["sync", "--all", "--config", windowZero]), 0)
        let before = repos.map { h.bytes(h.cacheFile(owner: $0.owner, repo: $0.repo)) }
        XCTAssertTrue(before.allSatisfy { $0 != nil })
        await h.server.setLabels(owner: "acme", repo: "mcp_coder", number: 104, labels: ["status-05:plan-ready"])
        let again = try await h.run(["run", "--all", "--dry-run", "--config", windowZero])
        assertExit(again, 0)
        XCTAssertTrue(again.stdout.contains("#104 would be skipped: no branch is linked"), "the dry run did not see the live change:\n\(again)")
        XCTAssertEqual(repos.map { h.bytes(h.cacheFile(owner: $0.owner, repo: $0.repo)) }, before, "a dry run wrote the cache")
        let changingAfter = await h.changingRequests()
        XCTAssertEqual(changingAfter.map { "\($0.method) \($0.path)" }, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.ledgerFile(owner: "acme", repo: "mcp_coder").path))
    }

    /// The block of text from a repository header to the next one.
    private func section(_ text: String, _ header: String) -> String? {
        guard let start = text.range(of: "\n" + header) ?? (text.hasPrefix(header) ? text.range(of: header) : nil) else { return nil }
        let rest = text[start.upperBound...]
        let end = rest.range(of: #"\n[^ \n][^\n]*: (cache|ERROR)"#, options: .regularExpression)?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// `#N` of each plan header (`  #N title`) in a section, in order.
    private func planNumbers(_ section: String) -> [Int] {
        section.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("  #"), !line.hasPrefix("   "), !line.contains(" would be skipped"), !line.contains(" conflict") else { return nil }
            return Int(line.dropFirst(3).prefix { $0.isNumber })
        }
    }

    /// The plan of `issue`: its header line and the indented lines below it.
    private func planBlock(_ text: String, issue: Int, after marker: String? = nil) -> String? {
        var scope = Substring(text)
        if let marker, let range = text.range(of: marker) { scope = text[range.upperBound...] }
        guard let start = scope.range(of: "\n  #\(issue) ") else { return nil }
        var block = ""
        for line in scope[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            guard line.hasPrefix("      ") else { break }
            block += line + "\n"
        }
        return block
    }

    // MARK: - 3. Dispatching run

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

    // MARK: - 4. Two processes at once

    func testTwoRunProcessesAtOnceDispatchEachIssueExactlyOnce() async throws {
        let h = try await start()
        // Outside the reuse window, so the second process really asks GitHub again after the lock.
        let config = try writeStandardConfig(h, window: 0)
        let first = try h.launch(["run", "--all", "--config", config])
        let second = try h.launch(["run", "--all", "--config", config])
        let results = [await h.finish(first), await h.finish(second)]
        for result in results { assertExit(result, 0) }

        let counts = await buildCounts(h)
        XCTAssertEqual(counts.count, Self.expectedDispatches.count, "\(counts)")
        for expected in Self.expectedDispatches {
            XCTAssertEqual(counts[BuildKey(job: expected.repo.config.jobPath, issue: expected.issue)], 1, "\(counts)")
        }
        let dispatched = results.map { result -> Int in
            let summary = result.stdout.split(separator: "\n").last { $0.contains(" dispatched, ") } ?? ""
            return Int(summary.prefix { $0.isNumber }) ?? -1
        }
        XCTAssertEqual(dispatched.reduce(0, +), Self.expectedDispatches.count, "\(results)")
        for repo in [Self.alpha, Self.beta] {
            let ledger = h.ledger(owner: repo.owner, repo: repo.repo)
            XCTAssertEqual(ledger.filter { $0["event"] as? String == "intent" }.count,
                           Self.expectedDispatches.filter { $0.repo == repo.key }.count, "\(ledger)")
            let cached = try h.cachedLabels(owner: repo.owner, repo: repo.repo)
            let fetched = await h.server.issues(owner: repo.owner, repo: repo.repo)
            for issue in try XCTUnwrap(fetched) where issue.state == "open" && !issue.isPullRequest {
                XCTAssertEqual(cached[issue.number], issue.labels, "\(repo.name)#\(issue.number)")
            }
        }
    }

    // MARK: - 5. Killed right after the Jenkins call

    /// Starts `run --repo solo` with the first label write held back by the Sandbox, waits until
    /// Jenkins took the job and the label write is in flight, and kills the process.
    private func killRunAfterJenkinsAnswered(_ h: CommandHarness, config: String, labelDelayMs: Int) async throws {
        await h.server.injectFault(.delay(milliseconds: labelDelayMs, method: "POST", path: "/repos/acme/solo/issues/7/labels"))
        let run = try h.launch(["run", "--repo", "solo", "--config", config])
        try await waitUntil("Jenkins has the job") { await h.server.builds().count == 1 }
        // The fault is consumed when the label POST arrives: the process now waits for GitHub's answer.
        try await waitUntil("the label write reached the Sandbox") { try await h.armedFaultCount() == 0 }
        XCTAssertFalse(run.isFinished, "the run ended before it could be killed")
        run.send(SIGKILL)
        let killed = await h.finish(run, timeout: .seconds(10))
        XCTAssertEqual(killed.signal, SIGKILL, "\(killed)")
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "solo", issue: 7), ["intent", "job_started"])
    }

    private func assertRecovered(_ h: CommandHarness, _ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) async throws {
        assertExit(result, 0, file: file, line: line)
        XCTAssertTrue(result.stdout.contains("#7 recovered"), "\(result)", file: file, line: line)
        XCTAssertTrue(result.stdout.contains("0 dispatched, 1 recovered"), "\(result)", file: file, line: line)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 1, "a second job was started", file: file, line: line)
        let live = await liveLabels(h, Self.solo.key, 7)
        XCTAssertEqual(live.map(Set.init), [Self.b03, "bug"], file: file, line: line)
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "solo")[7].map(Set.init), [Self.b03, "bug"], file: file, line: line)
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "solo", issue: 7), ["intent", "job_started", "labels_moved", "done"], file: file, line: line)
        let done = h.ledger(owner: "acme", repo: "solo").last
        XCTAssertEqual(done?["message"] as? String, "recovered: the job was already started (Jenkins' answer is in the ledger)", file: file, line: line)
        // Once recovered, nothing more happens.
        let again = try await h.run(["run", "--repo", "solo", "--force-refresh", "--config", try writeStandardConfig(h, repos: [Self.solo], window: 0, name: "again.toml")])
        assertExit(again, 0, file: file, line: line)
        XCTAssertTrue(again.stdout.contains("0 dispatched, 0 recovered"), "\(again)", file: file, line: line)
        let buildsAfter = await h.server.builds()
        XCTAssertEqual(buildsAfter.count, 1, file: file, line: line)
    }

    /// The kill lands before GitHub applied the label write; the next run comes at once.
    func testRunKilledAfterJenkinsIsFinishedByTheNextRunWithoutASecondBuild() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.solo])
        try await killRunAfterJenkinsAnswered(h, config: config, labelDelayMs: 4000)
        let live = await liveLabels(h, Self.solo.key, 7)
        XCTAssertEqual(live, [Self.p02, "bug"], "GitHub applied the label write early")

        let next = try await h.run(["run", "--repo", "solo", "--config", config])
        // Let the held-back write land before checking the end state.
        try await waitUntil("the held-back label write was answered") {
            await h.server.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/issues/7/labels") }.count == 2
        }
        try await assertRecovered(h, next)
    }

    /// The held-back label write lands after the kill (the issue holds pickup and busy labels);
    /// the next run is a cron run well after the reuse window, so it refreshes from GitHub first.
    func testRunKilledMidLabelMoveIsFinishedByALaterRunOutsideTheReuseWindow() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.solo], window: 0)
        try await killRunAfterJenkinsAnswered(h, config: config, labelDelayMs: 1000)
        try await waitUntil("the held-back label write was applied") {
            await h.server.requests().contains { $0.method == "POST" && $0.path.hasSuffix("/issues/7/labels") }
        }
        let half = await liveLabels(h, Self.solo.key, 7)
        XCTAssertEqual(half.map(Set.init), [Self.p02, Self.b03, "bug"])

        let next = try await h.run(["run", "--repo", "solo", "--config", config])
        try await assertRecovered(h, next)
    }

    // MARK: - 6. Jenkins down

    func testJenkinsDownFailsWithoutTouchingLabelsOrCache() async throws {
        let h = try await start()
        let good = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", good]), 0)
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        let deadJenkins = "http://127.0.0.1:\(try closedLoopbackPort())"

        // Inside the reuse window: no refresh, so the cache must be byte-for-byte the same.
        let down = try writeStandardConfig(h, name: "down.toml") { $0.jenkinsURL = deadJenkins }
        let result = try await h.run(["run", "--all", "--config", down])
        assertExit(result, 1)
        assertContains(result.output, ["Jenkins could not be reached", deadJenkins, "#3 failed (jenkins)", "stopped at the first failure"], result)
        XCTAssertEqual(cacheFiles.map(h.bytes), before, "the cache changed")
        var writes = await h.labelWrites()
        XCTAssertEqual(writes.map { "\($0.method) \($0.path)" }, [])
        // It stopped at the first failure. Jenkins was unreachable before any build request could
        // leave (the crumb comes first), so the ledger holds no intent to resolve.
        XCTAssertEqual(h.ledgerEvents(owner: "acme", repo: "alpha", issue: 3), [])
        XCTAssertNil(h.bytes(h.ledgerFile(owner: "acme", repo: "alpha")))
        XCTAssertNil(h.bytes(h.ledgerFile(owner: "acme", repo: "beta.tools")))

        // --keep-going tries every issue, each fails, still nothing changes.
        let keepGoing = try await h.run(["run", "--all", "--keep-going", "--config", down])
        assertExit(keepGoing, 1)
        XCTAssertTrue(keepGoing.stdout.contains("0 dispatched, 0 recovered, 2 skipped, 5 failed"), "\(keepGoing)")
        XCTAssertEqual(cacheFiles.map(h.bytes), before, "the cache changed")

        // Outside the reuse window the refresh itself is saved, but no label changes.
        let downOutside = try writeStandardConfig(h, window: 0, name: "down0.toml") { $0.jenkinsURL = deadJenkins }
        let labelsBefore = try [Self.alpha, Self.beta].map { try h.cachedLabels(owner: $0.owner, repo: $0.repo) }
        let outside = try await h.run(["run", "--all", "--config", downOutside])
        assertExit(outside, 1)
        XCTAssertEqual(try [Self.alpha, Self.beta].map { try h.cachedLabels(owner: $0.owner, repo: $0.repo) }, labelsBefore)
        writes = await h.labelWrites()
        XCTAssertEqual(writes.count, 0)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0)
        for expected in Self.expectedDispatches {
            let live = await liveLabels(h, expected.repo, expected.issue)
            XCTAssertTrue(live?.contains(expected.pickup) == true, "\(expected.repo.repo)#\(expected.issue) lost its pickup label")
        }

        // Jenkins back: the failed attempts do not block a normal dispatch.
        let back = try await h.run(["run", "--all", "--config", good])
        assertExit(back, 0)
        XCTAssertTrue(back.stdout.contains("5 dispatched"), "\(back)")
    }

    // MARK: - 7. Config errors

    func testMissingConfigWritesATemplateAndSaysWhere() async throws {
        let h = try await start()
        let path = h.root.appendingPathComponent("fresh/dir/config.toml").path
        let result = try await h.run(["run", "--all", "--config", path])
        assertExit(result, 1)
        assertContains(result.stderr, [path, "template", "[github] token"], result)
        let template = try String(contentsOfFile: path, encoding: .utf8)
        assertContains(template, ["[github]", "[jenkins]", "[coordinator]", "[coordinator.repos.NAME]"], template)

        // The template does not overwrite itself, and running on it says what is missing.
        let second = try await h.run(["status", "--config", path])
        assertExit(second, 1)
        XCTAssertFalse(second.stderr.contains("template was written"), "\(second)")
        XCTAssertTrue(second.stderr.contains(path), "\(second)")

        // Without --config or $COORDINATOR_CONFIG: ~/.mcp_coder/config.toml under the child's HOME.
        let defaultPath = h.home.appendingPathComponent(".mcp_coder/config.toml").path
        let byDefault = try await h.run(["status"])
        assertExit(byDefault, 1)
        XCTAssertTrue(byDefault.stderr.contains(defaultPath), "\(byDefault)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: defaultPath))
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0)
    }

    func testBadTOMLNamesFileLineAndColumn() async throws {
        let h = try await start()
        let url = h.root.appendingPathComponent("bad.toml")
        try Data("[github]\ntoken = \"x\"\nserver_url = \n".utf8).write(to: url)
        for command in [["run", "--all"], ["status"], ["diff"], ["sync", "--all"], ["test", "alpha", "--branch-name", "b"]] {
            let result = try await h.run(command + ["--config", url.path])
            assertExit(result, 1)
            assertContains(result.stderr, [url.path, "line 3", "column"], result)
        }
    }

    func testMissingFieldsAreAllNamedTogether() async throws {
        let h = try await start()
        let url = h.root.appendingPathComponent("partial.toml")
        try Data("""
            [github]
            api_url = "\(h.server.githubAPIURL)"

            [jenkins]
            server_url = "\(h.server.jenkinsURL)"

            [coordinator]
            cache_dir = "\(h.cacheDir.path)"

            [coordinator.repos.alpha]
            repo_url = "https://github.com/acme/alpha.git"

            [coordinator.repos.beta]
            executor_job_path = "Coordinator/beta/executor"
            """.utf8).write(to: url)
        let result = try await h.run(["run", "--all", "--config", url.path])
        assertExit(result, 1)
        assertContains(result.stderr, [
            url.path, "[github]", "token", "[jenkins]", "username", "api_token",
            "[coordinator.repos.alpha]", "executor_job_path", "github_credentials_id",
            "[coordinator.repos.beta]", "repo_url",
        ], result)
        XCTAssertFalse(result.stderr.contains("server_url"), "server_url is set:\n\(result)")
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0)
    }

    func testUnknownRepositoryNamesTheConfiguredOnes() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        for command in [
            ["run", "--repo", "nosuch"], ["run", "--repo", "nosuch", "--dry-run"], ["status", "--repo", "nosuch"],
            ["diff", "--repo", "nosuch"], ["sync", "--repo", "nosuch"], ["test", "nosuch", "--branch-name", "b"],
        ] {
            let result = try await h.run(command + ["--config", config])
            assertExit(result, 1)
            assertContains(result.output, ["nosuch", "alpha, beta.tools", config], result)
        }
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0)
        XCTAssertEqual(h.cacheDirectoryFiles().filter { $0.lastPathComponent.hasSuffix(".json") }.count, 0)
    }

    // MARK: - 8. Corrupt cache

    func testCorruptCacheIsMovedAsideAndReported() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        let cache = h.cacheFile(owner: "acme", repo: "alpha")
        // Earlier corrupt copies under every name this test's moves could pick: none may be replaced.
        let now = Date()
        var sentinels: [URL: Data] = [:]
        for offset in -2...30 {
            let stamp = Timestamp.format(now.addingTimeInterval(TimeInterval(offset))).replacingOccurrences(of: ":", with: "")
            let url = URL(fileURLWithPath: cache.path + ".corrupt-\(stamp)")
            sentinels[url] = Data("earlier corrupt copy \(offset)".utf8)
            try sentinels[url]!.write(to: url)
        }
        func movedAside() -> [URL] {
            h.cacheDirectoryFiles().filter { $0.lastPathComponent.hasPrefix(cache.lastPathComponent + ".corrupt-") && sentinels[$0] == nil }
        }
        let garbage = Data("{\"version\": 1, \"issues\": [ truncated".utf8)
        try garbage.write(to: cache)

        let status = try await h.run(["status", "--config", config])
        assertExit(status, 0)
        assertContains(status.stdout, ["corrupt", "moved aside", cache.path + ".corrupt-"], status)
        var aside = movedAside()
        XCTAssertEqual(aside.count, 1)
        XCTAssertEqual(aside.first.flatMap(h.bytes), garbage, "the corrupt copy must keep the original bytes")
        if let moved = aside.first { XCTAssertTrue(status.stdout.contains(moved.path), "\(status)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path), "status must not rebuild the cache")

        // `status --json` carries the notice too.
        let wrongShape = Data("[1, 2, 3]".utf8)
        try wrongShape.write(to: cache)
        let json = try await h.run(["status", "--json", "--config", config])
        assertExit(json, 0)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        XCTAssertTrue((parsed.first?["notice"] as? String)?.contains("moved aside") == true, "\(json)")

        // A run reports it, rebuilds from GitHub and dispatches.
        let trailing = Data("not json at all".utf8)
        try trailing.write(to: cache)
        let run = try await h.run(["run", "--all", "--config", config])
        assertExit(run, 0)
        assertContains(run.stdout, ["notice:", "corrupt", "cache full", "3 dispatched"], run)
        aside = movedAside()
        XCTAssertEqual(Set(aside.compactMap(h.bytes)), [garbage, wrongShape, trailing],
                       "every corrupt file must be kept: \(aside.map(\.lastPathComponent))")
        for (url, bytes) in sentinels {
            XCTAssertEqual(h.bytes(url), bytes, "\(url.lastPathComponent) was replaced by a later corrupt file")
        }
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "alpha")[1].map(Set.init), [Self.b03, "enhancement"])
    }

    // MARK: - 9. GitHub and Jenkins refusing

    /// Syncs with the good config, then runs each command with `config` and checks the common
    /// promises of a failed request: exit 1, `expected` in the output, nothing written, no build.
    private func assertGitHubFailure(
        _ h: CommandHarness, config: String, expected: [String], file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        XCTAssertTrue(before.allSatisfy { $0 != nil }, file: file, line: line)
        for command in [["run", "--all"], ["run", "--all", "--dry-run"], ["sync", "--all"], ["diff"]] {
            let result = try await h.run(command + ["--config", config])
            assertExit(result, 1, file: file, line: line)
            assertContains(result.output, expected, result, file: file, line: line)
            XCTAssertEqual(cacheFiles.map(h.bytes), before, "`\(command.joined(separator: " "))` changed the cache", file: file, line: line)
        }
        let changing = await h.changingRequests()
        XCTAssertEqual(changing.map { "\($0.method) \($0.path)" }, [], file: file, line: line)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0, file: file, line: line)
    }

    func testGitHubRejectingTheTokenFailsClearlyAndWritesNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        let wrong = try writeStandardConfig(h, window: 0, name: "wrong.toml") { $0.githubToken = Self.wrongGithubToken }
        try await assertGitHubFailure(h, config: wrong, expected: ["GitHub refused the token (401", "[github] token"])
    }

    func testGitHubRateLimitWithAFarResetFailsClearlyAndWritesNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        // A token whose hourly quota is spent: GitHub's own 403 with x-ratelimit-reset an hour away.
        let spent = try writeStandardConfig(h, window: 0, name: "spent.toml") { $0.githubToken = Self.exhaustedToken }
        try await assertGitHubFailure(h, config: spent, expected: ["GitHub rate limit exceeded", "retry after 20"])

        // The same as an injected 403 on the good token.
        let reset = Int(Date().timeIntervalSince1970) + 3 * 3600
        await h.server.injectFault(.status(
            403, path: "/repos/acme/", count: 1000,
            headers: ["x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset)],
            body: #"{"message":"API rate limit exceeded for user ID 1."}"#))
        let good = try writeStandardConfig(h, window: 0, name: "good0.toml")
        try await assertGitHubFailure(h, config: good, expected: ["GitHub rate limit exceeded", "retry after "])
        // The wait is measured against the server's whole-second `Date`, so the time printed may be
        // up to a second after the reset, never before it.
        let accepted = (0...1).map { "retry after \(Timestamp.format(Date(timeIntervalSince1970: TimeInterval(reset + $0))))" }
        for result in h.allResults.suffix(4) {
            XCTAssertTrue(accepted.contains { result.output.contains($0) }, "expected one of \(accepted):\n\(result)")
        }
    }

    func testGitHubSecondaryRateLimitWithALongRetryAfterFailsClearlyAndWritesNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        await h.server.injectFault(.secondaryRateLimit(retryAfter: 3600, path: "/repos/acme/", count: 1000))
        let config = try writeStandardConfig(h, window: 0, name: "window0.toml")
        try await assertGitHubFailure(h, config: config, expected: ["GitHub rate limit exceeded", "retry after"])
    }

    func testGitHubServerErrorsFailClearlyAfterRetriesAndWriteNothing() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        await h.server.injectFault(.status(500, path: "/repos/acme/", count: 1000))
        let config = try writeStandardConfig(h, window: 0, name: "window0.toml")
        try await assertGitHubFailure(h, config: config, expected: ["GitHub answered 500", "after 3 attempts"])
    }

    /// A dispatch Jenkins refuses: exit 1, the message, no label write, cache unchanged.
    private func assertJenkinsRefusal(
        _ h: CommandHarness, config: String, expected: [String], file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        let result = try await h.run(["run", "--all", "--config", config])
        assertExit(result, 1, file: file, line: line)
        assertContains(result.output, expected + ["#3 failed (jenkins)"], result, file: file, line: line)
        XCTAssertEqual(cacheFiles.map(h.bytes), before, "the cache changed", file: file, line: line)
        let writes = await h.labelWrites()
        XCTAssertEqual(writes.map { "\($0.method) \($0.path)" }, [], file: file, line: line)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0, file: file, line: line)
        let live = await liveLabels(h, Self.alpha.key, 3)
        XCTAssertEqual(live, [Self.p08], file: file, line: line)
    }

    func testJenkinsRejectingTheTokenFailsWithoutLabelChange() async throws {
        let h = try await start()
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h)]), 0)
        let wrong = try writeStandardConfig(h, name: "wrong.toml") { $0.jenkinsToken = Self.wrongJenkinsToken }
        try await assertJenkinsRefusal(h, config: wrong, expected: ["Jenkins refused the credentials (401)", "api_token"])
    }

    func testJenkinsUnknownJobFailsWithoutLabelChange() async throws {
        let h = try await start()
        var alpha = Self.alpha
        alpha.jobPath = "Coordinator/alpha/no-such-job"
        assertExit(try await h.run(["sync", "--all", "--config", try writeStandardConfig(h, repos: [alpha, Self.beta])]), 0)
        let config = try writeStandardConfig(h, repos: [alpha, Self.beta], name: "nojob.toml")
        try await assertJenkinsRefusal(h, config: config, expected: ["Jenkins has no job 'Coordinator/alpha/no-such-job' (404", "executor_job_path"])
    }

    func testJenkinsServerErrorFailsWithoutLabelChange() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        await h.server.injectFault(.status(500, method: "POST", path: "*/buildWithParameters", count: 1, body: "Internal Server Error"))
        try await assertJenkinsRefusal(h, config: config, expected: ["Jenkins answered 500"])
    }

    // MARK: - 10. diff

    func testDiffReportsStalenessWithExitCodesAndNeverWritesTheCache() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let synced = cacheFiles.map(h.bytes)

        let inSync = try await h.run(["diff", "--config", config])
        assertExit(inSync, 0)
        assertContains(inSync.stdout, ["alpha: in sync", "beta.tools: in sync"], inSync)

        // A human moves a label, closes an issue and opens one.
        await h.server.setLabels(owner: "acme", repo: "alpha", number: 8, labels: [Self.p05, "bug"])
        await h.server.close(owner: "acme", repo: "alpha", number: 7)
        let created = await h.server.createIssue(owner: "acme", repo: "beta.tools", title: "New one", labels: [Self.p02])
        let newNumber = try XCTUnwrap(created?.number)

        let stale = try await h.run(["diff", "--config", config])
        assertExit(stale, 3)
        assertContains(stale.stdout, [
            "alpha: 2 stale", "#8 labels differ", "−cached: \(Self.h04)", "+live: \(Self.p05), bug", "#7 only in cache",
            "beta.tools: 1 stale", "#\(newNumber) only live",
        ], stale)

        let json = try await h.run(["diff", "--json", "--config", config])
        assertExit(json, 3)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        let alpha = try XCTUnwrap(parsed.first { $0["name"] as? String == "alpha" })
        XCTAssertEqual(alpha["in_sync"] as? Bool, false)
        let entries = try XCTUnwrap(alpha["stale"] as? [[String: Any]])
        let eight = try XCTUnwrap(entries.first { $0["number"] as? Int == 8 })
        XCTAssertEqual(eight["kind"] as? String, "labels differ")
        XCTAssertEqual(eight["only_cached"] as? [String], [Self.h04])
        XCTAssertEqual(Set(eight["only_live"] as? [String] ?? []), [Self.p05, "bug"])
        XCTAssertEqual(entries.first { $0["number"] as? Int == 7 }?["kind"] as? String, "only in cache")

        let only = try await h.run(["diff", "--repo", "beta.tools", "--config", config])
        assertExit(only, 3)
        XCTAssertFalse(only.stdout.contains("alpha"), "\(only)")

        XCTAssertEqual(cacheFiles.map(h.bytes), synced, "diff wrote the cache")
        let changing = await h.changingRequests()
        XCTAssertEqual(changing.count, 0)

        // sync makes it agree again.
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        assertExit(try await h.run(["diff", "--config", config]), 0)

        // An unreachable GitHub is an error (1), never "in sync".
        let offline = try writeStandardConfig(h, name: "offline.toml") { $0.apiURL = "http://127.0.0.1:\((try? closedLoopbackPort()) ?? 9)" }
        let failed = try await h.run(["diff", "--config", offline])
        assertExit(failed, 1)
        XCTAssertTrue(failed.output.contains("GitHub could not be reached"), "\(failed)")
    }

    // MARK: - 11. status without network

    func testStatusWorksOfflineFromTheCache() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        assertExit(try await h.run(["sync", "--all", "--config", config]), 0)
        assertExit(try await h.run(["run", "--repo", "beta.tools", "--config", config]), 0)
        let requestsBefore = await h.server.requests().count

        let offline = try writeStandardConfig(h, name: "offline.toml") {
            $0.apiURL = "http://127.0.0.1:\((try? closedLoopbackPort()) ?? 9)"
            $0.jenkinsURL = "http://127.0.0.1:\((try? closedLoopbackPort()) ?? 9)"
        }
        let cacheFiles = [Self.alpha, Self.beta].map { h.cacheFile(owner: $0.owner, repo: $0.repo) }
        let before = cacheFiles.map(h.bytes)
        let status = try await h.run(["status", "--config", offline])
        assertExit(status, 0)
        assertContains(status.stdout, [
            "alpha (acme/alpha): 8 cached issues, checked",
            "#3 create-pr (\(Self.p08))", "#5 create-pr (\(Self.p08))", "#2 implement (\(Self.p05))", "#1 create-plan (\(Self.p02))",
            "#6 conflict", "beta.tools (acme/beta.tools)", "no eligible issue", "last: #1 done", "by e2e@",
        ], status)
        XCTAssertFalse(status.stdout.contains("#7 "), "blocked issue listed:\n\(status)")

        let json = try await h.run(["status", "--json", "--config", offline])
        assertExit(json, 0)
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], json.description)
        XCTAssertEqual(parsed.compactMap { $0["name"] as? String }, ["alpha", "beta.tools"])
        let alpha = try XCTUnwrap(parsed.first)
        XCTAssertEqual((alpha["eligible"] as? [[String: Any]])?.compactMap { $0["number"] as? Int }, [3, 5, 2, 4, 1])
        XCTAssertEqual(alpha["conflicts"] as? [Int], [6])
        XCTAssertEqual(alpha["cache_file"] as? String, cacheFiles[0].path)
        let beta = try XCTUnwrap(parsed.last)
        XCTAssertEqual((beta["eligible"] as? [Any])?.count, 0)
        XCTAssertEqual((beta["recent_dispatches"] as? [[String: Any]])?.compactMap { $0["issue"] as? Int }.sorted(), [1, 2])

        let one = try await h.run(["status", "--repo", "alpha", "--json", "--config", offline])
        assertExit(one, 0)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [Any])?.count, 1)

        XCTAssertEqual(cacheFiles.map(h.bytes), before)
        let requestsAfter = await h.server.requests().count
        XCTAssertEqual(requestsAfter, requestsBefore, "status made a request")

        // Before any sync: nothing cached, still exit 0.
        let empty = try writeStandardConfig(h, name: "empty.toml") { $0.cacheDir = h.root.appendingPathComponent("empty-cache").path }
        let never = try await h.run(["status", "--config", empty])
        assertExit(never, 0)
        XCTAssertTrue(never.stdout.contains("never refreshed"), "\(never)")
    }

    // MARK: - 12. test REPO

    func testEnvironmentCheckStartsOneBuildWithTheBranchAndNoLabelChange() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        let result = try await h.run(["test", "beta.tools", "--branch-name", "feature/x-1", "--config", config])
        assertExit(result, 0)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 1)
        let build = try XCTUnwrap(builds.first)
        XCTAssertEqual(build.jobPath, Self.beta.jobPath)
        XCTAssertEqual(build.parameters, [
            "REPO_URL": Self.beta.repoURL,
            "BRANCH_NAME": "feature/x-1",
            "COMMAND": ExecutorCommand().renderEnvironmentCheck(os: .linux, branch: "feature/x-1", logLevel: "INFO"),
            "GITHUB_CREDENTIALS_ID": Self.beta.credentialsID,
        ])
        assertContains(result.stdout, ["environment check started on feature/x-1", "queue item \(build.queueID)", "build: "], result)
        let github = await h.server.requests().filter { !$0.path.hasPrefix("/jenkins") }
        XCTAssertEqual(github.map { "\($0.method) \($0.path)" }, [])
        XCTAssertEqual(h.cacheDirectoryFiles().count, 0)

        // --log-level reaches the executor's command.
        let debug = try await h.run(["test", "alpha", "--branch-name", "main", "--log-level", "debug", "--wait", "0", "--config", config])
        assertExit(debug, 0)
        let second = await h.server.builds().last
        XCTAssertTrue(second?.parameters["COMMAND"]?.contains("mcp-coder --log-level DEBUG verify") == true, "\(String(describing: second))")

        // An accepted alias reaches the executor under its documented name, never as typed.
        let warn = try await h.run(["test", "alpha", "--branch-name", "main", "--log-level", "warn", "--wait", "0", "--config", config])
        assertExit(warn, 0)
        let third = await h.server.builds().last
        XCTAssertTrue(third?.parameters["COMMAND"]?.hasSuffix("mcp-coder --log-level WARNING verify") == true, "\(String(describing: third))")
        let plan = try await h.run(["run", "--repo", "alpha", "--dry-run", "--log-level", "Warn", "--config", config])
        assertExit(plan, 0)
        XCTAssertTrue(plan.stdout.contains("mcp-coder --log-level WARNING create-plan 1 "), "\(plan)")
        XCTAssertFalse(plan.stdout.contains("--log-level Warn") || plan.stdout.contains("--log-level WARN "), "\(plan)")
    }

    // MARK: - 13. Secrets

    func testDebugLoggingNeverPrintsSecrets() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)
        let run = try await h.run(["run", "--all", "--log-level", "DEBUG", "--config", config])
        assertExit(run, 0)
        XCTAssertTrue(run.stderr.contains("debug"), "no debug log on stderr:\n\(run)")
        for command in [["status"], ["diff"], ["sync", "--all"], ["status", "--json"], ["diff", "--json"]] {
            _ = try await h.run(command + ["--log-level", "DEBUG", "--config", config])
        }
        let wrong = try writeStandardConfig(h, window: 0, name: "wrong.toml") {
            $0.githubToken = Self.wrongGithubToken
            $0.jenkinsToken = Self.wrongJenkinsToken
        }
        assertExit(try await h.run(["run", "--all", "--log-level", "DEBUG", "--config", wrong]), 1)
        assertExit(try await h.run(["test", "alpha", "--branch-name", "b", "--log-level", "DEBUG", "--config", wrong]), 1)
        // tearDown checks every output and every file in the cache directory.
        XCTAssertGreaterThan(h.cacheDirectoryFiles().count, 0)
    }
}

extension ConfigFile.Repo {
    /// Identifies a repository of the standard scenario.
    struct Key: Hashable {
        var owner: String
        var repo: String

        var config: ConfigFile.Repo {
            [HeadlessCommandTests.alpha, HeadlessCommandTests.beta, HeadlessCommandTests.solo].first { $0.key == self }!
        }
    }

    var key: Key { Key(owner: owner, repo: repo) }
}
