@testable import Coordinator
import Foundation
import XCTest

/// Which build an issue's newest dispatch leads to (`BuildLogTarget`), against a fake Jenkins.
final class BuildLogTargetTests: XCTestCase {
    /// Answers queue items and the builds forgotten items became; counts what it was asked.
    private final class FakeJenkins: BuildLogReading, @unchecked Sendable {
        var items: [Int: QueueItem] = [:]
        var forgottenBuilds: [Int: Int] = [:]
        var queueReads = 0
        var buildsReads = 0

        func logText(path: String, number: Int, start: Int, limit: Int) async throws -> BuildLogPiece? { nil }
        func logSize(path: String, number: Int) async throws -> Int? { nil }

        func queueItem(id: Int) async throws -> QueueItem {
            queueReads += 1
            guard let item = items[id] else { throw JenkinsError.http(status: 404, url: "queue/item/\(id)", message: "Not Found") }
            return item
        }

        func buildNumber(path: String, queueItem id: Int) async throws -> Int? {
            buildsReads += 1
            return forgottenBuilds[id]
        }
    }

    private let job = "Coordinator/demo/executor"

    private func dispatch(
        _ step: HistoryStep.Kind = .done, queueID: Int? = nil, buildNumber: Int? = nil, buildURL: String? = nil,
        jobPath: String? = "Coordinator/demo/executor", sequence: Int = 1, issue: Int = 7
    ) -> DispatchSummary {
        var summary = DispatchSummary(
            dispatchID: "d\(sequence)", issue: issue, pickup: "status-05:plan-ready", busy: "status-06:implementing",
            sequence: sequence, startedAt: Date(timeIntervalSince1970: 1_800_000_000), lastStep: step,
            lastStepAt: Date(timeIntervalSince1970: 1_800_000_000))
        summary.jobPath = jobPath
        summary.queueID = queueID
        summary.buildNumber = buildNumber
        summary.buildURL = buildURL
        return summary
    }

    func testNoDispatchHasNoBuild() async throws {
        let target = try await BuildLogTarget.resolve(nil, jenkins: FakeJenkins())
        XCTAssertEqual(target, .none(reason: "no dispatch recorded for this issue"))
    }

    func testARecordedBuildNumberIsUsedWithoutAskingJenkins() async throws {
        let jenkins = FakeJenkins()
        let target = try await BuildLogTarget.resolve(dispatch(queueID: 3, buildNumber: 12), jenkins: jenkins)
        XCTAssertEqual(target, .build(jobPath: job, number: 12))
        XCTAssertEqual(jenkins.queueReads, 0)
    }

    func testABuildURLGivesOnlyItsNumberNeverItsHost() async throws {
        let target = try await BuildLogTarget.resolve(
            dispatch(buildURL: "https://elsewhere.example/job/X/job/Y/41/"), jenkins: FakeJenkins())
        XCTAssertEqual(target, .build(jobPath: job, number: 41), "the job path is the recorded one")
    }

    func testAWaitingQueueItemIsQueuedWithJenkinsReason() async throws {
        let jenkins = FakeJenkins()
        jenkins.items[3] = QueueItem(id: 3, why: "Waiting for next available executor", cancelled: false, buildNumber: nil, buildURL: nil)
        let target = try await BuildLogTarget.resolve(dispatch(queueID: 3), jenkins: jenkins)
        XCTAssertEqual(target, .queued(why: "Waiting for next available executor"))
    }

    func testAQueueItemThatBecameABuildLeadsToIt() async throws {
        let jenkins = FakeJenkins()
        jenkins.items[3] = QueueItem(id: 3, why: nil, cancelled: false, buildNumber: 9, buildURL: "http://x/job/a/9/")
        let target = try await BuildLogTarget.resolve(dispatch(queueID: 3), jenkins: jenkins)
        XCTAssertEqual(target, .build(jobPath: job, number: 9))
    }

    func testACancelledQueueItemIsCancelled() async throws {
        let jenkins = FakeJenkins()
        jenkins.items[3] = QueueItem(id: 3, why: nil, cancelled: true, buildNumber: nil, buildURL: nil)
        let cancelled = try await BuildLogTarget.resolve(dispatch(queueID: 3), jenkins: jenkins)
        XCTAssertEqual(cancelled, .cancelled)
        var recorded = dispatch(queueID: 4)
        recorded.buildEnd = HistoryStep.BuildEnd(buildNumber: nil, result: "CANCELLED")
        let fromHistory = try await BuildLogTarget.resolve(recorded, jenkins: jenkins)
        XCTAssertEqual(fromHistory, .cancelled)
    }

    func testAForgottenQueueItemIsLookedForAmongTheJobsBuilds() async throws {
        let jenkins = FakeJenkins()
        jenkins.forgottenBuilds[3] = 17
        let found = try await BuildLogTarget.resolve(dispatch(queueID: 3), jenkins: jenkins)
        XCTAssertEqual(found, .build(jobPath: job, number: 17))
        let lost = try await BuildLogTarget.resolve(dispatch(queueID: 5), jenkins: jenkins)
        guard case .none(let reason) = lost else { return XCTFail("\(lost)") }
        XCTAssertTrue(reason.contains("forgot queue item 5"), reason)
    }

    func testAJobThatNeverStartedHasNoBuild() async throws {
        let lost = try await BuildLogTarget.resolve(dispatch(.answerLost), jenkins: FakeJenkins())
        XCTAssertEqual(lost, .none(reason: "not known whether the job started: Jenkins' answer to the dispatch was lost"))
        let absent = try await BuildLogTarget.resolve(dispatch(.jobAbsent), jenkins: FakeJenkins())
        XCTAssertEqual(absent, .none(reason: "the dispatch started no job"))
        let noJob = try await BuildLogTarget.resolve(dispatch(jobPath: nil), jenkins: FakeJenkins())
        XCTAssertEqual(noJob, .none(reason: "the dispatch recorded no Jenkins job (done)"))
    }

    func testOtherJenkinsFailuresAreThrown() async throws {
        final class Down: BuildLogReading {
            func logText(path: String, number: Int, start: Int, limit: Int) async throws -> BuildLogPiece? { nil }
            func logSize(path: String, number: Int) async throws -> Int? { nil }
            func queueItem(id: Int) async throws -> QueueItem { throw JenkinsError.transport(url: "u", message: "connection refused") }
            func buildNumber(path: String, queueItem id: Int) async throws -> Int? { nil }
        }
        do {
            _ = try await BuildLogTarget.resolve(dispatch(queueID: 3), jenkins: Down())
            XCTFail("expected a failure")
        } catch let error as JenkinsError {
            XCTAssertEqual(error, .transport(url: "u", message: "connection refused"))
        }
    }

    func testTheNewestDispatchIsChosenAndUnsticksAreSkipped() {
        var projection = HistoryProjection()
        let records = [
            HistoryRecord(time: Date(timeIntervalSince1970: 1_800_000_000), dispatchID: "a", issue: 7, pickup: "p", busy: "b",
                          step: .intent(.init(workflow: "implement", by: "tester", jobPath: job))),
            HistoryRecord(time: Date(timeIntervalSince1970: 1_800_000_100), dispatchID: "b", issue: 7, pickup: "p", busy: "b",
                          step: .intent(.init(workflow: "implement", by: "tester", jobPath: job))),
            HistoryRecord(time: Date(timeIntervalSince1970: 1_800_000_200), dispatchID: "c", issue: 7, pickup: "p", busy: "b",
                          step: .reset(workflow: "implement", by: "ops", message: nil)),
            HistoryRecord(time: Date(timeIntervalSince1970: 1_800_000_300), dispatchID: "d", issue: 8, pickup: "p", busy: "b",
                          step: .intent(.init(workflow: "implement", by: "tester", jobPath: job))),
        ]
        for record in records { projection.apply(record) }
        XCTAssertEqual(BuildLogTarget.newestDispatch(of: 7, in: projection)?.dispatchID, "b")
        XCTAssertNil(BuildLogTarget.newestDispatch(of: 9, in: projection))
    }
}
