import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// The headless commands end to end: the dry run.
final class DryRunCommandTests: CommandTestCase {
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

    /// With the linked-branches query failing, the dry run says what `run` does (stops at #3, the
    /// first create-pr) and what `run --keep-going` does (dispatches #1, a create-plan on main).
    func testDryRunWithTheBranchQueryFailingSaysWhereTheRunStopsAndWhatKeepGoingDispatches() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        await h.server.injectFault(.status(502, method: "POST", path: "/graphql", count: 1000))

        let stopping = try await h.run(["run", "--repo", "alpha", "--dry-run", "--config", config])
        assertExit(stopping, 1)
        assertContains(stopping.stdout, [
            "#3 failed (prepare): linked branches could not be read",
            "not tried: #5, #2, #4, #1 (a run stops at the first failure; with --keep-going it goes on)",
            "dry run: 0 would be dispatched, 0 skipped, 1 failed, 4 not tried; nothing was changed (a run stops at the first failure; --keep-going continues)",
        ], "\(stopping)")

        let going = try await h.run(["run", "--repo", "alpha", "--dry-run", "--keep-going", "--config", config])
        assertExit(going, 1)
        XCTAssertEqual(planBlock(going.stdout, issue: 1)?.contains("branch:    main"), true, going.stdout)
        for number in [3, 5, 2, 4] {
            XCTAssertTrue(going.stdout.contains("#\(number) failed (prepare): linked branches could not be read"), going.stdout)
        }
        XCTAssertFalse(going.stdout.contains("not tried"), going.stdout)
        XCTAssertTrue(going.stdout.contains("dry run: 1 would be dispatched, 0 skipped, 4 failed; nothing was changed\n"), going.stdout)

        let json = try await h.run(["run", "--repo", "alpha", "--dry-run", "--json", "--config", config])
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        let repo = try XCTUnwrap((document["repos"] as? [[String: Any]])?.first)
        XCTAssertEqual(repo["not_tried"] as? [Int], [5, 2, 4, 1], json.stdout)
        let changing = await h.changingRequests()
        XCTAssertEqual(changing.map { "\($0.method) \($0.path)" }.filter { !$0.hasSuffix("/graphql") }, [])
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
}
