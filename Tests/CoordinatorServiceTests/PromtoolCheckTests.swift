import Coordinator
import CoordinatorService
import Foundation
import Sandbox
import XCTest

/// `serve`'s `/metrics` as Prometheus' own linter sees it: `promtool check metrics` (Debian's
/// `prometheus` package) must print nothing and exit 0 — help on every metric, names and units by
/// the conventions. Scraped after a delivery and a dispatch, so the labelled series exist too.
///
/// Without promtool the test fails in CI (`CI` set, where `.ci/run` installs it) and is skipped
/// elsewhere.
final class PromtoolCheckTests: XCTestCase {
    private var harness: DaemonHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    func testServeMetricsPassPromtoolCheckMetrics() async throws {
        let promtool = try Self.promtool()
        let h = try await DaemonHarness.start(issues: [
            Scenario.Issue(number: 1, title: "Issue 1", createdAt: "2026-11-20T08:00:00Z"),
        ])
        harness = h
        _ = await h.server.setLabels(owner: "acme", repo: "demo", number: 1, labels: ["status-02:awaiting-planning"])
        try await waitUntil("#1 dispatched", timeout: .seconds(10)) {
            await h.base.labels(1) == ["status-03:planning"]
        }
        try await h.settle()

        let client = HTTPProbe()
        defer { client.shutdown() }
        let scraped = try await client.get(h.url + "/metrics")
        XCTAssertEqual(scraped.status, 200)
        for series in [
            "coordinator_dispatches_total{", "coordinator_webhook_deliveries_total{", "coordinator_last_poll_age_seconds{",
            "coordinator_webhook_to_jenkins_seconds_bucket{", "process_cpu_seconds_total ", "process_open_fds ",
        ] {
            XCTAssertTrue(scraped.body.contains(series), "\(series) missing from:\n\(scraped.body)")
        }

        let (status, output) = try Self.run(promtool, ["check", "metrics"], input: Data(scraped.body.utf8))
        XCTAssertEqual(status, 0, "promtool check metrics:\n\(output)\non:\n\(scraped.body)")
        XCTAssertEqual(output, "", "promtool check metrics:\n\(output)\non:\n\(scraped.body)")
    }

    /// promtool on `PATH`; a failure in CI, a skip elsewhere, when it is missing.
    static func promtool() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/promtool"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let message = "promtool is not installed (Debian: apt-get install prometheus; .ci/run installs it)"
        if let ci = ProcessInfo.processInfo.environment["CI"], !ci.isEmpty { throw PromtoolMissing(description: message) }
        throw XCTSkip(message)
    }

    /// Runs `executable` with `input` on stdin; its exit status and stdout + stderr together.
    /// Through files rather than pipes, so neither side can stall on a full pipe.
    static func run(_ executable: String, _ arguments: [String], input: Data) throws -> (Int32, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promtool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("metrics.txt")
        let outputFile = directory.appendingPathComponent("output.txt")
        try input.write(to: inputFile)
        try Data().write(to: outputFile)
        let stdin = try FileHandle(forReadingFrom: inputFile)
        let stdout = try FileHandle(forWritingTo: outputFile)
        defer {
            try? stdin.close()
            try? stdout.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: outputFile, encoding: .utf8))
    }
}

/// promtool is missing where it must be there (CI).
private struct PromtoolMissing: Error, CustomStringConvertible {
    var description: String
}
