import Coordinator
@testable import CoordinatorService
import Synchronization
import XCTest

final class ServiceMetricsTests: XCTestCase {
    static let allNames = [
        "coordinator_webhook_deliveries_total",
        "coordinator_dispatches_total",
        "coordinator_github_requests_total",
        "coordinator_github_rate_limit_remaining",
        "coordinator_seconds_since_last_poll",
        "coordinator_webhook_to_jenkins_seconds",
        "coordinator_stuck_issues",
    ]

    static let receipt = DispatchReceipt(
        issueNumber: 7, jobPath: "Folder/Job", labelMove: LabelMove(remove: "status-02:awaiting-planning", add: "status-03:planning"),
        queueID: 1, merged: false, labels: ["status-03:planning"], cacheUpdated: true)

    func testEveryMetricIsRenderedOnceItHasAValue() {
        let metrics = ServiceMetrics()
        metrics.webhookDelivery(.accepted)
        metrics.dispatched(repo: "acme/widgets", outcome: .dispatched(Self.receipt))
        metrics.githubRequest(status: 200)
        metrics.githubRateLimit(remaining: 4_999)
        metrics.polled(repo: "acme/widgets")
        metrics.webhookToJenkins(.milliseconds(40))
        metrics.stuckIssues(repo: "acme/widgets", count: 2)
        let text = metrics.render()
        for name in Self.allNames {
            XCTAssertTrue(text.contains("# TYPE \(name) "), "\(name) missing from:\n\(text)")
        }
        XCTAssertTrue(text.contains("# TYPE coordinator_webhook_to_jenkins_seconds histogram"))
        XCTAssertTrue(text.contains("# TYPE coordinator_github_rate_limit_remaining gauge"))
        XCTAssertTrue(text.contains("# TYPE coordinator_dispatches_total counter"))
    }

    func testDeliveryAndRequestCountersStartAtZeroForEveryLabel() {
        let text = ServiceMetrics().render()
        for result in ["accepted", "bad_signature", "duplicate", "ignored", "too_large", "malformed"] {
            XCTAssertEqual(prometheusSample(text, "coordinator_webhook_deliveries_total", "result=\"\(result)\""), 0, result)
        }
        for statusClass in ["2xx", "3xx", "4xx", "5xx", "error"] {
            XCTAssertEqual(prometheusSample(text, "coordinator_github_requests_total", "status_class=\"\(statusClass)\""), 0)
        }
        // No made-up values before the daemon knows them: a remaining quota of 0 would page someone.
        XCTAssertNil(prometheusSample(text, "coordinator_github_rate_limit_remaining"))
        XCTAssertFalse(text.contains("coordinator_seconds_since_last_poll"))
    }

    func testDeliveriesAreCountedByResult() {
        let metrics = ServiceMetrics()
        metrics.webhookDelivery(.badSignature)
        metrics.webhookDelivery(.badSignature)
        metrics.webhookDelivery(.tooLarge)
        let text = metrics.render()
        XCTAssertEqual(prometheusSample(text, "coordinator_webhook_deliveries_total", #"result="bad_signature""#), 2)
        XCTAssertEqual(prometheusSample(text, "coordinator_webhook_deliveries_total", #"result="too_large""#), 1)
        XCTAssertEqual(prometheusSample(text, "coordinator_webhook_deliveries_total", #"result="accepted""#), 0)
    }

    func testDispatchesAreCountedByRepoAndOutcome() {
        let metrics = ServiceMetrics()
        metrics.dispatched(repo: "acme/widgets", outcome: .dispatched(Self.receipt))
        metrics.dispatched(repo: "acme/widgets", outcome: .dispatched(Self.receipt))
        metrics.dispatched(repo: "acme/widgets", outcome: .recovered(Self.receipt))
        metrics.dispatched(repo: "acme/gadgets", outcome: .skipped(issue: 3, reason: .noLinkedBranch))
        metrics.dispatched(
            repo: "acme/gadgets",
            outcome: .failed(DispatchFailure(issueNumber: 4, stage: .jenkins, message: "503", jobStarted: false)))
        let text = metrics.render()
        let name = "coordinator_dispatches_total"
        XCTAssertEqual(prometheusSample(text, name, #"repo="acme/widgets",outcome="dispatched""#), 2)
        XCTAssertEqual(prometheusSample(text, name, #"repo="acme/widgets",outcome="recovered""#), 1)
        XCTAssertEqual(prometheusSample(text, name, #"repo="acme/gadgets",outcome="skipped""#), 1)
        XCTAssertEqual(prometheusSample(text, name, #"repo="acme/gadgets",outcome="failed""#), 1)
        XCTAssertNil(prometheusSample(text, name, #"repo="acme/gadgets",outcome="dispatched""#))
    }

    func testGitHubRequestsAreCountedByStatusClass() {
        let metrics = ServiceMetrics()
        for status in [200, 201, 304, 404, 403, 502, 99, 600] { metrics.githubRequest(status: status) }
        metrics.githubRequest(status: nil)
        let text = metrics.render()
        let name = "coordinator_github_requests_total"
        XCTAssertEqual(prometheusSample(text, name, #"status_class="2xx""#), 2)
        XCTAssertEqual(prometheusSample(text, name, #"status_class="3xx""#), 1)
        XCTAssertEqual(prometheusSample(text, name, #"status_class="4xx""#), 2)
        XCTAssertEqual(prometheusSample(text, name, #"status_class="5xx""#), 1)
        XCTAssertEqual(prometheusSample(text, name, #"status_class="error""#), 3)
    }

    func testRateLimitAndStuckIssuesShowTheLatestValue() {
        let metrics = ServiceMetrics()
        metrics.githubRateLimit(remaining: 5_000)
        metrics.githubRateLimit(remaining: 4_321)
        metrics.stuckIssues(repo: "acme/widgets", count: 3)
        metrics.stuckIssues(repo: "acme/widgets", count: 1)
        let text = metrics.render()
        XCTAssertEqual(prometheusSample(text, "coordinator_github_rate_limit_remaining"), 4_321)
        XCTAssertEqual(prometheusSample(text, "coordinator_stuck_issues", #"repo="acme/widgets""#), 1)
    }

    func testThePollAgeIsComputedWhenScraped() {
        let clock = TestClock()
        let metrics = ServiceMetrics(now: { clock.now })
        metrics.polled(repo: "acme/widgets")
        clock.advance(by: .milliseconds(2_500))
        XCTAssertEqual(prometheusSample(metrics.render(), "coordinator_seconds_since_last_poll", #"repo="acme/widgets""#), 2.5)
        clock.advance(by: .seconds(60))
        XCTAssertEqual(prometheusSample(metrics.render(), "coordinator_seconds_since_last_poll", #"repo="acme/widgets""#), 62.5)
        metrics.polled(repo: "acme/widgets")
        XCTAssertEqual(prometheusSample(metrics.render(), "coordinator_seconds_since_last_poll", #"repo="acme/widgets""#), 0)
    }

    func testWebhookToJenkinsLatencyFallsIntoBucketsFromFiveMillisecondsToTenSeconds() {
        let metrics = ServiceMetrics()
        metrics.webhookToJenkins(.milliseconds(3))
        metrics.webhookToJenkins(.milliseconds(40))
        metrics.webhookToJenkins(.seconds(7))
        metrics.webhookToJenkins(.seconds(30))
        let text = metrics.render()
        let name = "coordinator_webhook_to_jenkins_seconds_bucket"
        XCTAssertEqual(prometheusSample(text, name, #"le="0.005""#), 1)
        XCTAssertEqual(prometheusSample(text, name, #"le="0.05""#), 2)
        XCTAssertEqual(prometheusSample(text, name, #"le="10.0""#) ?? prometheusSample(text, name, #"le="10""#), 3)
        XCTAssertEqual(prometheusSample(text, name, #"le="+Inf""#), 4)
        XCTAssertEqual(prometheusSample(text, "coordinator_webhook_to_jenkins_seconds_count"), 4)
        XCTAssertEqual(prometheusSample(text, "coordinator_webhook_to_jenkins_seconds_sum") ?? 0, 37.043, accuracy: 0.000_001)
    }

    func testTwoInstancesKeepSeparateCounts() {
        let first = ServiceMetrics()
        let second = ServiceMetrics()
        first.webhookDelivery(.accepted)
        XCTAssertEqual(prometheusSample(first.render(), "coordinator_webhook_deliveries_total", #"result="accepted""#), 1)
        XCTAssertEqual(prometheusSample(second.render(), "coordinator_webhook_deliveries_total", #"result="accepted""#), 0)
    }

    func testLabelValuesFromOutsideAreEscaped() {
        let metrics = ServiceMetrics()
        metrics.stuckIssues(repo: "a\"b\\c\nd", count: 1)
        XCTAssertEqual(prometheusSample(metrics.render(), "coordinator_stuck_issues", #"repo="a\"b\\c\nd""#), 1)
    }
}

/// A clock a test moves by hand.
private final class TestClock: Sendable {
    private let current = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { current.withLock { $0 } }
    func advance(by duration: Duration) { current.withLock { $0 += duration } }
}
