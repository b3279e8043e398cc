@testable import Coordinator
import Foundation
import XCTest

/// The reports the headless commands print with `--json`, read back (`JSONText.decoder`) as a
/// client of `serve` reads them: every document survives the round trip to the same JSON, and the
/// text printed from what was read is the text printed from the original.
final class ReportDocumentsTests: XCTestCase {
    private func roundTrip<T: Codable & Equatable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws -> T {
        let text = try JSONText.encode(value)
        let back = try JSONText.decoder().decode(T.self, from: Data(text.utf8))
        XCTAssertEqual(back, value, file: file, line: line)
        XCTAssertEqual(try JSONText.encode(back), text, file: file, line: line)
        return back
    }

    func testSnakeCaseKeysComeBackAsTheSwiftNames() {
        XCTAssertEqual(JSONText.swiftName(ofSnakeCase: "queue_id"), "queueID")
        XCTAssertEqual(JSONText.swiftName(ofSnakeCase: "build_url"), "buildURL")
        XCTAssertEqual(JSONText.swiftName(ofSnakeCase: "busy_since_source"), "busySinceSource")
        XCTAssertEqual(JSONText.swiftName(ofSnakeCase: "dispatch_id"), "dispatchID")
        XCTAssertEqual(JSONText.swiftName(ofSnakeCase: "url"), "url")
        XCTAssertEqual(JSONText.swiftName(ofSnakeCase: "42"), "42")
        XCTAssertEqual(JSONText.swiftName(ofSnakeCase: "_odd"), "_odd")
    }

    private let now = Date(timeIntervalSince1970: 1_796_000_000)

    private func busy(_ number: Int, stuck: StuckReason?, build: BuildStatus?) -> BusyIssue {
        BusyIssue(
            number: number, title: "Issue \(number) ✨", busyLabel: "status-06:implementing",
            route: WorkflowMapping.standard.route(forPickup: "status-05:plan-ready"), busySince: now - 3 * 3600 - 5,
            busySinceSource: .ledger, build: build, dispatchedBy: "alice@host (run)", stuck: stuck)
    }

    func testAStuckReportReadsBackAndPrintsTheSameLines() throws {
        let survey = [
            busy(2, stuck: .buildEnded(.failure, ago: 7200), build: BuildStatus(state: .failure, number: 4, duration: 125.7, finishedAt: now - 7200)),
            busy(5, stuck: nil, build: BuildStatus(state: .running, number: 9)),
            BusyIssue(
                number: 6, title: "Six", busyLabel: "status-03:planning", route: nil, busySince: nil, busySinceSource: nil, build: nil,
                stuck: .buildNotFound),
        ]
        let report = StuckReport(name: "alpha", survey: survey, now: now, lastPoll: now - 60)
        XCTAssertEqual(report.busy, 3)
        XCTAssertEqual(report.stuck.map(\.number), [2, 6])
        let back = try roundTrip(report)
        XCTAssertEqual(back.stuck.map(\.line), [survey[0], survey[2]].map { BusyIssueReport.line($0, now: now) })
        XCTAssertEqual(
            back.stuck.first?.line,
            "#2 status-06:implementing for 3h, build #4 failure (2m), by alice@host (run) — STUCK: build ended (failure) 2h ago and the label never moved on")
        let local = try JSONText.encode(StuckReport(name: "alpha", survey: survey, now: now))
        XCTAssertFalse(local.contains("last_poll"), "the local command prints no last_poll:\n\(local)")
    }

    func testAHistoryEntryReadsBack() throws {
        var summary = DispatchSummary(
            dispatchID: "d-1", issue: 7, pickup: "status-05:plan-ready", busy: "status-06:implementing", sequence: 3,
            startedAt: now, lastStep: .done, lastStepAt: now + 2)
        summary.queueID = 12
        summary.buildURL = "http://jenkins/job/x/4/"
        summary.by = "bob@host (console)"
        summary.workflow = "implement"
        let entry = HistoryEntry(repo: "alpha", summary)
        let back = try roundTrip([entry])
        XCTAssertEqual(back.first?.line, entry.line)
        let text = try JSONText.encode([entry])
        for key in ["\"dispatch_id\"", "\"queue_id\"", "\"build_url\"", "\"started_at\"", "\"ended\" : \"done\""] {
            XCTAssertTrue(text.contains(key), text)
        }
    }

    func testARunReportDocumentReadsBackAndPrintsTheSameText() throws {
        let mapping = WorkflowMapping.standard
        let planner = DispatchPlanner(logLevel: "INFO")
        let repo = RepoConfig(
            name: "alpha", repoURLText: "https://github.com/acme/alpha.git", repo: try XCTUnwrap(RepoURL(parsing: "https://github.com/acme/alpha.git")),
            executorJobPath: "Coordinator/alpha/executor", githubCredentialsID: "github-pat")
        let route = try XCTUnwrap(mapping.route(forPickup: "status-05:plan-ready"))
        let issue = Issue(
            number: 2, title: "Two \"quoted\"", state: .open, labels: ["status-05:plan-ready"], updatedAt: now, url: "https://github.com/acme/alpha/issues/2")
        var alpha = RepoRunReport(repoName: "alpha")
        alpha.refresh = .notModified
        alpha.notice = "corrupt cache moved aside"
        alpha.conflicts = [Issue(number: 6, title: "Six", state: .open, labels: ["status-02:awaiting-planning", "status-03:planning"], updatedAt: now, url: "u")]
        alpha.finishing = [9]
        alpha.plans = [
            planner.plan(issue: issue, route: route, repo: repo, linkedBranches: ["2-feature"]),
            .skip(issue: 4, reason: .noLinkedBranch),
            .skip(issue: 5, reason: .severalLinkedBranches(["5-a", "5-b"])),
        ]
        alpha.outcomes = [.failed(DispatchFailure(issueNumber: 3, stage: .prepare, message: "linked branches could not be read: boom", jobStarted: false))]
        alpha.notTried = [1]
        var beta = RepoRunReport(repoName: "beta")
        beta.error = "GitHub refused the token"
        var gamma = RepoRunReport(repoName: "gamma")
        gamma.refresh = .reused
        gamma.outcomes = [
            .dispatched(DispatchReceipt(
                issueNumber: 1, jobPath: "J", labelMove: LabelMove(remove: "status-02:awaiting-planning", add: "status-03:planning"),
                queueID: 5, merged: false, labels: ["status-03:planning"], cacheUpdated: true, buildURL: "http://j/1/")),
            .recovered(DispatchReceipt(
                issueNumber: 8, jobPath: "J", labelMove: LabelMove(remove: "status-08:ready-pr", add: "status-09:pr-creating"), queueID: nil,
                merged: false, labels: [], cacheUpdated: false, cacheWarning: "disk full", evidence: .found(.queue))),
            .skipped(issue: 10, reason: .labelsChanged(live: ["bug"])),
        ]
        var report = RunReport()
        report.repos = [alpha, beta, gamma]
        report.stoppedEarly = true
        for dryRun in [true, false] {
            let document = RunReportDocument(report, dryRun: dryRun, mapping: mapping)
            let back = try roundTrip(document)
            XCTAssertEqual(RunReportText.render(back), RunReportText.render(document))
        }
        let document = RunReportDocument(report, dryRun: true, mapping: mapping)
        XCTAssertEqual(document.totals, .init(planned: 1, dispatched: 1, recovered: 1, skipped: 3, failed: 2))
        XCTAssertTrue(document.failed)
        let text = RunReportText.render(document)
        XCTAssertTrue(text.hasPrefix("alpha: cache notModified\n  notice: corrupt cache moved aside\n  #6 conflict: holds a pickup and a busy label"), text)
        XCTAssertTrue(text.contains("  #9 would be finished: an interrupted dispatch"), text)
        XCTAssertTrue(text.contains("  #2 Two \"quoted\"\n      workflow:  implement\n      branch:    2-feature\n"), text)
        XCTAssertTrue(text.contains("  #4 would be skipped: no branch is linked"), text)
        XCTAssertTrue(text.contains("  not tried: #1 ("), text)
        XCTAssertTrue(text.contains("beta: ERROR GitHub refused the token\n"), text)
        XCTAssertTrue(text.hasSuffix("dry run: 1 would be dispatched, 1 interrupted would be finished, 3 skipped, 2 failed, 1 not tried; nothing was changed (a run stops at the first failure; --keep-going continues)\n"), text)

        // Every key of an outcome is there, null when unknown; the others are not.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: JSONText.data(document)) as? [String: Any])
        let repos = try XCTUnwrap(json["repos"] as? [[String: Any]])
        let issues = try XCTUnwrap(repos.first?["issues"] as? [[String: Any]])
        XCTAssertEqual(Set(issues[0].keys), ["issue", "outcome", "summary"])
        XCTAssertEqual(Set(issues[1].keys), ["issue", "outcome", "summary", "title", "workflow", "branch", "job_path", "label_move", "parameters"])
        XCTAssertEqual(Set(issues[2].keys), ["issue", "outcome", "summary", "reason", "reason_code", "branches", "live_labels"])
        XCTAssertTrue(issues[2]["live_labels"] is NSNull)
        XCTAssertEqual(Set(repos[1].keys), ["name", "refresh", "notice", "error", "conflicts", "issues", "not_tried"])
        XCTAssertTrue(repos[1]["refresh"] is NSNull)
    }
}
