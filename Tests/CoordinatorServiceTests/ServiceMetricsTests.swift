import Coordinator
import Foundation
@testable import CoordinatorService
import Synchronization
import XCTest

final class ServiceMetricsTests: XCTestCase {
    static let allNames = [
        "coordinator_webhook_deliveries_total",
        "coordinator_dispatches_total",
        "coordinator_github_requests_total",
        "coordinator_github_rate_limit_remaining",
        "coordinator_last_poll_age_seconds",
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
            XCTAssertTrue(text.contains("# HELP \(name) "), "\(name) has no help in:\n\(text)")
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
        XCTAssertFalse(text.contains("coordinator_last_poll_age_seconds"))
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
        XCTAssertEqual(prometheusSample(metrics.render(), "coordinator_last_poll_age_seconds", #"repo="acme/widgets""#), 2.5)
        clock.advance(by: .seconds(60))
        XCTAssertEqual(prometheusSample(metrics.render(), "coordinator_last_poll_age_seconds", #"repo="acme/widgets""#), 62.5)
        metrics.polled(repo: "acme/widgets")
        XCTAssertEqual(prometheusSample(metrics.render(), "coordinator_last_poll_age_seconds", #"repo="acme/widgets""#), 0)
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

    func testEveryFamilyHasHelpAndTypeOnce() {
        let metrics = ServiceMetrics()
        metrics.dispatched(repo: "acme/widgets", outcome: .dispatched(Self.receipt))
        metrics.dispatched(repo: "acme/gadgets", outcome: .dispatched(Self.receipt))
        metrics.polled(repo: "acme/widgets")
        metrics.polled(repo: "acme/gadgets")
        let lines = metrics.render().split(separator: "\n")
        let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        let helped = lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] }
        XCTAssertEqual(typed.count, Set(typed).count, "one TYPE per family")
        XCTAssertEqual(Set(typed), Set(helped))
        XCTAssertEqual(helped.count, typed.count, "one HELP per family")
    }

    func testTheProcessMetricsAreRenderedOnLinux() throws {
        #if os(Linux)
        let text = ServiceMetrics().render()
        for name in [
            "process_cpu_seconds_total", "process_start_time_seconds", "process_resident_memory_bytes",
            "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        ] {
            XCTAssertTrue(text.contains("# HELP \(name) "), "\(name) missing from:\n\(text)")
            let value = try XCTUnwrap(prometheusSample(text, name), name)
            XCTAssertGreaterThan(value, 0, name)
        }
        let started = try XCTUnwrap(prometheusSample(text, "process_start_time_seconds"))
        let now = Date().timeIntervalSince1970
        XCTAssertLessThanOrEqual(started, now + 1)
        XCTAssertGreaterThan(started, now - 86_400, "this test process started today")
        #else
        throw XCTSkip("process metrics are read from /proc")
        #endif
    }

    func testProcessMetricsAreReadFromProcAndACommandNameCannotShiftTheFields() throws {
        let proc = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: proc) }
        try FileManager.default.createDirectory(at: proc.appendingPathComponent("fd"), withIntermediateDirectories: true)
        for fd in ["0", "1", "2", "7"] { try Data().write(to: proc.appendingPathComponent("fd/\(fd)")) }
        // proc(5): pid (comm) state ppid … utime(14) stime(15) … starttime(22) vsize(23) rss(24) …
        let fields = (3...30).map { field -> String in
            switch field {
            case 3: "S"
            case 14: "250"
            case 15: "50"
            case 22: "1000"
            case 23: "104857600"
            case 24: "2560"
            default: "0"
            }
        }
        try Data("4242 (serve) (x 1 2 3) \(fields.joined(separator: " "))\n".utf8).write(to: proc.appendingPathComponent("stat"))
        try Data("cpu  1 2 3\nbtime 1764000000\nprocesses 9\n".utf8).write(to: proc.appendingPathComponent("system-stat"))
        try Data(
            "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n"
                .utf8
        ).write(to: proc.appendingPathComponent("limits"))
        let process = ProcessMetrics(
            processDirectory: proc.path, systemStat: proc.appendingPathComponent("system-stat").path, ticksPerSecond: 100, pageSize: 4096)
        let text = process.render()
        XCTAssertEqual(prometheusSample(text, "process_cpu_seconds_total"), 3)
        XCTAssertEqual(prometheusSample(text, "process_start_time_seconds"), 1_764_000_010)
        XCTAssertEqual(prometheusSample(text, "process_resident_memory_bytes"), 10_485_760)
        XCTAssertEqual(prometheusSample(text, "process_virtual_memory_bytes"), 104_857_600)
        XCTAssertEqual(prometheusSample(text, "process_open_fds"), 4)
        XCTAssertEqual(prometheusSample(text, "process_max_fds"), 1024)
        XCTAssertTrue(text.contains("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"), text)
        XCTAssertTrue(text.contains("# TYPE process_cpu_seconds_total counter\n"), text)
    }

    func testNoProcMeansNoProcessMetricsRatherThanZeros() {
        let process = ProcessMetrics(processDirectory: "/nonexistent/proc/self", systemStat: "/nonexistent/proc/stat")
        XCTAssertEqual(process.render(), "")
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
