import Foundation
import XCTest
@testable import Coordinator

/// Which listed queue items and builds are the job of a dispatch whose answer was lost.
final class JobLookupTests: XCTestCase {
    let parameters = [
        JobParameter("REPO_URL", "https://github.com/acme/demo.git"), JobParameter("BRANCH_NAME", "main"),
        JobParameter("COMMAND", "mcp-coder create-plan 7"), JobParameter("GITHUB_CREDENTIALS_ID", "github-pat"),
    ]
    let intent = Date(timeIntervalSince1970: 1_800_000_000)

    func candidate(_ id: Int, at seconds: TimeInterval, parameters: [String: String]? = nil, job: String? = "A/B") -> JobLookup.Candidate {
        JobLookup.Candidate(
            place: .queue, jobPath: job, queueID: id, createdAt: seconds,
            parameters: parameters ?? Dictionary(uniqueKeysWithValues: self.parameters.map { ($0.name, $0.value) }))
    }

    var query: JobQuery { JobQuery(jobPath: "/A/B/", parameters: parameters, notBefore: intent) }

    func testTheItemCreatedAfterTheIntentWithTheSameParametersMatches() {
        let t = intent.timeIntervalSince1970
        let found = JobLookup.match([candidate(1, at: t - 3600), candidate(2, at: t + 0.2), candidate(3, at: t + 5)], query: query, skew: 0)
        XCTAssertEqual(found?.queueID, 2, "the oldest since the intent; the one an hour older is an earlier dispatch's")
    }

    func testJenkinsClockSkewIsAppliedBothWays() {
        let t = intent.timeIntervalSince1970
        // Jenkins runs 10 minutes ahead: its item is dated t + 600.
        XCTAssertEqual(JobLookup.match([candidate(1, at: t + 600.5)], query: query, skew: 600)?.queueID, 1)
        XCTAssertNil(JobLookup.match([candidate(1, at: t + 10)], query: query, skew: 600), "ten seconds on Jenkins' clock is before the intent")
        // Jenkins runs 10 minutes behind.
        XCTAssertEqual(JobLookup.match([candidate(1, at: t - 599)], query: query, skew: -600)?.queueID, 1)
    }

    func testTheToleranceCoversAWholeSecondDateHeaderButNoMore() {
        let t = intent.timeIntervalSince1970
        XCTAssertEqual(JobLookup.match([candidate(1, at: t - 1.5)], query: query, skew: 0)?.queueID, 1)
        XCTAssertNil(JobLookup.match([candidate(1, at: t - JobLookup.clockTolerance - 0.5)], query: query, skew: 0))
    }

    func testEveryParameterSentMustBeThereExactlyExtraOnesAreJenkinsDefaults() {
        let t = intent.timeIntervalSince1970
        var extra = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
        extra["DRY_RUN"] = "false"
        XCTAssertEqual(JobLookup.match([candidate(1, at: t + 1, parameters: extra)], query: query, skew: 0)?.queueID, 1)
        var different = extra
        different["COMMAND"] = "mcp-coder create-plan 8"
        XCTAssertNil(JobLookup.match([candidate(1, at: t + 1, parameters: different)], query: query, skew: 0))
        var missing = extra
        missing["GITHUB_CREDENTIALS_ID"] = nil
        XCTAssertNil(JobLookup.match([candidate(1, at: t + 1, parameters: missing)], query: query, skew: 0))
    }

    func testOtherJobsUndatedAndExcludedItemsNeverMatch() {
        let t = intent.timeIntervalSince1970
        XCTAssertNil(JobLookup.match([candidate(1, at: t + 1, job: "A/C")], query: query, skew: 0))
        var undated = candidate(1, at: t + 1)
        undated.createdAt = nil
        XCTAssertNil(JobLookup.match([undated], query: query, skew: 0))
        var excluded = query
        excluded.excludedQueueIDs = [1]
        XCTAssertNil(JobLookup.match([candidate(1, at: t + 1)], query: excluded, skew: 0))
        var build = candidate(9, at: t + 1, job: nil)
        build.buildURL = "http://j/job/A/job/B/4/"
        excluded.excludedBuildURLs = ["http://j/job/A/job/B/4/"]
        XCTAssertNil(JobLookup.match([build], query: excluded, skew: 0))
        XCTAssertEqual(JobLookup.match([build], query: query, skew: 0)?.queueID, 9, "a build's job is the one asked")
    }

    func testJobPathFromATaskURL() {
        XCTAssertEqual(JobLookup.jobPath(fromURL: "http://h/jenkins/job/Coordinator/job/web.site/job/exec%20utor/"), "Coordinator/web.site/exec utor")
        XCTAssertEqual(JobLookup.jobPath(fromURL: "http://h/job/A/"), "A")
        XCTAssertNil(JobLookup.jobPath(fromURL: "http://h/view/all/"))
    }

    func testPayloadsDecodeWhatJenkinsSendsIncludingOddValues() throws {
        let queue = """
        {"_class":"hudson.model.Queue","items":[
          {"_class":"hudson.model.Queue$WaitingItem","id":5,"inQueueSince":1800000001000,"task":{"url":"http://h/job/A/job/B/"},
           "actions":[{},{"_class":"hudson.model.ParametersAction","parameters":[{"name":"REPO_URL","value":"r"},{"name":"FLAG","value":true},{"name":"N","value":3}]}]},
          {"_class":"hudson.model.Queue$WaitingItem","id":6,"cancelled":true,"inQueueSince":1800000002000}
        ]}
        """
        let items = try JSONDecoder().decode(JobLookup.QueuePayload.self, from: Data(queue.utf8)).candidates()
        XCTAssertEqual(items.count, 1, "a cancelled item is no job")
        XCTAssertEqual(items.first?.parameters, ["REPO_URL": "r", "FLAG": "true"])
        XCTAssertEqual(items.first?.jobPath, "A/B")
        XCTAssertEqual(items.first?.createdAt, 1_800_000_001)
        let builds = #"{"builds":[null,{"number":4,"url":"u","timestamp":1800000003000,"queueId":5,"actions":[]}]}"#
        let listed = try JSONDecoder().decode(JobLookup.BuildsPayload.self, from: Data(builds.utf8)).candidates()
        XCTAssertEqual(listed.map(\.buildNumber), [4])
    }
}
