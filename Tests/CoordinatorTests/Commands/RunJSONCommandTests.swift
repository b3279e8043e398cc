import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// The headless commands end to end: `run --json`, the run report for scripts and CI.
final class RunJSONCommandTests: CommandTestCase {
    /// The keys every issue entry of an outcome has (null when they do not apply).
    static let keys: [String: Set<String>] = [
        "dispatched": [
            "issue", "outcome", "summary", "workflow", "job_path", "label_move", "queue_id", "build_url", "merged", "evidence", "labels",
            "cache_updated", "cache_warning",
        ],
        "skipped": ["issue", "outcome", "summary", "reason", "reason_code", "branches", "live_labels"],
        "failed": ["issue", "outcome", "summary", "stage", "message", "job_started"],
        "planned": ["issue", "outcome", "summary", "title", "workflow", "branch", "job_path", "label_move", "parameters"],
    ]

    private func document(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)", file: file, line: line)
    }

    private func repos(_ document: [String: Any]) throws -> [String: [String: Any]] {
        let list = try XCTUnwrap(document["repos"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "?", $0) })
    }

    /// Issue number → entry, in the repo's order.
    private func issues(_ repo: [String: Any]?) throws -> [(number: Int, entry: [String: Any])] {
        try XCTUnwrap(repo?["issues"] as? [[String: Any]]).map { (try XCTUnwrap($0["issue"] as? Int), $0) }
    }

    private func assertKeys(_ entry: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        let outcome = entry["outcome"] as? String ?? "?"
        XCTAssertEqual(Set(entry.keys), Self.keys[outcome] ?? ["issue", "outcome", "summary"], "\(outcome): \(entry)", file: file, line: line)
    }

    func testRunJSONGivesEachIssuesOutcomeWithQueueItemAndSkipCodes() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)

        let result = try await h.run(["run", "--all", "--json", "--config", config])
        assertExit(result, 0)
        let doc = try document(result)
        XCTAssertEqual(doc["dry_run"] as? Bool, false)
        XCTAssertEqual(doc["failed"] as? Bool, false)
        XCTAssertEqual(doc["stopped_early"] as? Bool, false)
        let totals = try XCTUnwrap(doc["totals"] as? [String: Int])
        XCTAssertEqual(totals, ["planned": 0, "dispatched": 5, "recovered": 0, "skipped": 2, "failed": 0])

        let byName = try repos(doc)
        XCTAssertEqual((doc["repos"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["alpha", "beta.tools"])
        let alpha = try XCTUnwrap(byName["alpha"])
        XCTAssertEqual(alpha["refresh"] as? String, "full")
        XCTAssertTrue(alpha["error"] is NSNull, "\(alpha)")
        XCTAssertTrue(alpha["notice"] is NSNull, "\(alpha)")
        let conflicts = try XCTUnwrap(alpha["conflicts"] as? [[String: Any]])
        XCTAssertEqual(conflicts.compactMap { $0["issue"] as? Int }, [6])
        XCTAssertEqual((conflicts.first?["labels"] as? [String]).map(Set.init), [Self.p02, Self.b03])

        let builds = await h.server.builds()
        var seenQueueIDs: [Int] = []
        for (repo, name) in [(Self.alpha, "alpha"), (Self.beta, "beta.tools")] {
            let entries = try issues(byName[name])
            for (_, entry) in entries { assertKeys(entry) }
            for expected in Self.expectedDispatches where expected.repo == repo.key {
                let entry = try XCTUnwrap(entries.first { $0.number == expected.issue }?.entry, "\(name)#\(expected.issue) missing")
                XCTAssertEqual(entry["outcome"] as? String, "dispatched", "\(entry)")
                XCTAssertEqual(entry["workflow"] as? String, expected.workflow.rawValue)
                XCTAssertEqual(entry["job_path"] as? String, repo.jobPath)
                XCTAssertEqual(entry["label_move"] as? [String: String], ["remove": expected.pickup, "add": expected.busy])
                XCTAssertEqual(entry["merged"] as? Bool, false)
                XCTAssertEqual(entry["evidence"] as? String, "answered")
                XCTAssertEqual(entry["cache_updated"] as? Bool, true)
                XCTAssertTrue(entry["cache_warning"] is NSNull)
                // The queue item is Jenkins' own for this issue's build.
                let queueID = try XCTUnwrap(entry["queue_id"] as? Int, "\(entry)")
                let build = try XCTUnwrap(builds.first { $0.jobPath == repo.jobPath && Self.issueNumber(of: $0) == expected.issue })
                XCTAssertEqual(queueID, build.queueID)
                seenQueueIDs.append(queueID)
                let buildURL = entry["build_url"]
                XCTAssertTrue(buildURL is NSNull || (buildURL as? String)?.hasPrefix(h.server.jenkinsURL) == true, "\(entry)")
                XCTAssertTrue((entry["labels"] as? [String])?.contains(expected.busy) == true, "\(entry)")
            }
        }
        XCTAssertEqual(Set(seenQueueIDs).count, Self.expectedDispatches.count)

        let alphaEntries = try issues(byName["alpha"])
        // In dispatch order: create-pr (#3, #5), implement (#2, #4), create-plan (#1).
        XCTAssertEqual(alphaEntries.map(\.number), [3, 5, 2, 4, 1])
        let noBranch = try XCTUnwrap(alphaEntries.first { $0.number == 4 }?.entry)
        XCTAssertEqual(noBranch["outcome"] as? String, "skipped")
        XCTAssertEqual(noBranch["reason_code"] as? String, "no_linked_branch")
        XCTAssertEqual(noBranch["branches"] as? [String], [])
        XCTAssertTrue((noBranch["reason"] as? String)?.contains("no branch is linked") == true, "\(noBranch)")
        let twoBranches = try XCTUnwrap(alphaEntries.first { $0.number == 5 }?.entry)
        XCTAssertEqual(twoBranches["reason_code"] as? String, "several_linked_branches")
        XCTAssertEqual(twoBranches["branches"] as? [String], ["5-a", "5-b"])
        XCTAssertTrue(twoBranches["live_labels"] is NSNull)

        // stdout is the document and nothing else; the text report is not printed beside it.
        XCTAssertFalse(result.stdout.contains("5 dispatched, 0 recovered"), "\(result)")
    }

    func testDryRunJSONGivesEveryPlanWithItsParametersInOrder() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)

        let result = try await h.run(["run", "--repo", "beta.tools", "--dry-run", "--json", "--config", config])
        assertExit(result, 0)
        let doc = try document(result)
        XCTAssertEqual(doc["dry_run"] as? Bool, true)
        XCTAssertEqual(doc["totals"] as? [String: Int], ["planned": 2, "dispatched": 0, "recovered": 0, "skipped": 0, "failed": 0])
        let entries = try issues(try repos(doc)["beta.tools"])
        XCTAssertEqual(entries.map(\.number), [2, 1])
        for (_, entry) in entries { assertKeys(entry) }
        let plan = try XCTUnwrap(entries.last?.entry)
        XCTAssertEqual(plan["outcome"] as? String, "planned")
        XCTAssertEqual(plan["workflow"] as? String, "create-plan")
        XCTAssertEqual(plan["branch"] as? String, "develop")
        XCTAssertEqual(plan["title"] as? String, "Issue 1 ✨ \"quoted\"")
        XCTAssertEqual(plan["label_move"] as? [String: String], ["remove": Self.p02, "add": Self.b03])
        let parameters = try XCTUnwrap(plan["parameters"] as? [[String: String]])
        XCTAssertEqual(parameters.compactMap { $0["name"] }, ["REPO_URL", "BRANCH_NAME", "COMMAND", "GITHUB_CREDENTIALS_ID"])
        XCTAssertEqual(parameters.first { $0["name"] == "COMMAND" }?["value"],
                       ExecutorCommand().render(workflow: .createPlan, os: .linux, issue: 1, branch: "develop", logLevel: "INFO"))
        XCTAssertEqual(parameters.first { $0["name"] == "GITHUB_CREDENTIALS_ID" }?["value"], "beta-pat")

        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0, "a dry run started a job")
    }

    /// A label write refused after Jenkins took the job: `failed` at stage `labels` with the job
    /// started, exit 1; the next run finishes the label move: `recovered`, no second job.
    func testFailedAndRecoveredDispatchesAreReportedWithStageAndEvidence() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h, repos: [Self.solo])
        await h.server.injectFault(.status(422, method: "POST", path: "/repos/acme/solo/issues/7/labels", body: #"{"message":"Validation Failed"}"#))

        let failed = try await h.run(["run", "--repo", "solo", "--json", "--config", config])
        assertExit(failed, 1)
        let doc = try document(failed)
        XCTAssertEqual(doc["failed"] as? Bool, true)
        XCTAssertEqual(doc["stopped_early"] as? Bool, true)
        XCTAssertEqual((doc["totals"] as? [String: Int])?["failed"], 1)
        let entry = try XCTUnwrap(try issues(try repos(doc)["solo"]).first?.entry)
        assertKeys(entry)
        XCTAssertEqual(entry["issue"] as? Int, 7)
        XCTAssertEqual(entry["outcome"] as? String, "failed")
        XCTAssertEqual(entry["stage"] as? String, "labels")
        XCTAssertEqual(entry["job_started"] as? Bool, true)
        XCTAssertFalse((entry["message"] as? String ?? "").isEmpty, "\(entry)")

        let next = try await h.run(["run", "--repo", "solo", "--json", "--config", config])
        assertExit(next, 0)
        let again = try document(next)
        XCTAssertEqual(again["failed"] as? Bool, false)
        XCTAssertEqual((again["totals"] as? [String: Int])?["recovered"], 1)
        let recovered = try XCTUnwrap(try issues(try repos(again)["solo"]).first?.entry)
        XCTAssertEqual(recovered["outcome"] as? String, "recovered")
        XCTAssertEqual(Set(recovered.keys), Self.keys["dispatched"], "\(recovered)")
        XCTAssertEqual(recovered["evidence"] as? String, "recorded")
        XCTAssertEqual(recovered["workflow"] as? String, "create-plan")
        XCTAssertEqual(recovered["label_move"] as? [String: String], ["remove": Self.p02, "add": Self.b03])
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 1, "a second job was started")
        XCTAssertEqual(recovered["queue_id"] as? Int, builds.first?.queueID)
    }

    /// A repository that cannot be refreshed: `error` set, no issues, exit 1, and the error still
    /// on stderr for cron's mail.
    func testARepositoryErrorIsInTheDocumentAndOnStderr() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h) { $0.githubToken = Self.wrongGithubToken }

        let result = try await h.run(["run", "--all", "--keep-going", "--json", "--config", config])
        assertExit(result, 1)
        let doc = try document(result)
        let byName = try repos(doc)
        XCTAssertEqual(byName.count, 2)
        for name in ["alpha", "beta.tools"] {
            let repo = try XCTUnwrap(byName[name])
            XCTAssertFalse((repo["error"] as? String ?? "").isEmpty, "\(repo)")
            XCTAssertTrue(repo["refresh"] is NSNull, "\(repo)")
            XCTAssertEqual((repo["issues"] as? [Any])?.count, 0)
            XCTAssertTrue(result.stderr.contains("coordinator: \(name): "), "\(result)")
        }
        XCTAssertEqual((doc["totals"] as? [String: Int])?["failed"], 2)
    }
}
