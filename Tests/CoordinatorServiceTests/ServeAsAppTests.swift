import Coordinator
import CoordinatorService
import Foundation
import Sandbox
import XCTest

/// `serve` as a GitHub App: the installation token ends again and again while the engine runs,
/// and every relabel is still dispatched once.
final class ServeAsAppTests: XCTestCase {
    private var harness: ServeHarness?

    override func tearDown() async throws {
        await harness?.stop()
        harness = nil
    }

    func testTokensEndingMidServeAreRenewedWithoutAFailedDispatch() async throws {
        let issues = (1...3).map { Scenario.Issue(number: $0, title: "Issue \($0)", createdAt: "2026-11-20T08:00:00Z") }
        let harness = try await ServeHarness.start(issues: issues, app: try ServeHarnessApp(tokenTTLSeconds: 1))
        self.harness = harness
        for number in 1...3 {
            // Each relabel comes after the token bought for the one before has ended.
            try await Task.sleep(for: .milliseconds(1100))
            _ = await harness.server.setLabels(owner: "acme", repo: "demo", number: number, labels: ["status-02:awaiting-planning"])
            harness.engine.submit(try await harness.event("labeled", issue: number))
            try await waitUntil("the busy label on #\(number)", timeout: .seconds(10)) {
                await harness.labels(number) == ["status-03:planning"]
            }
        }
        let builds = await harness.builds()
        XCTAssertEqual(builds.count, 3)
        try await waitUntil("three outcomes", timeout: .seconds(10)) { harness.monitor.outcomes.count >= 3 }
        for (_, outcome) in harness.monitor.outcomes {
            guard case .dispatched = outcome else { return XCTFail("expected dispatches only, got \(harness.monitor.outcomes)") }
        }
        let purchases = await harness.server.requests().filter { $0.path.hasSuffix("/access_tokens") }
        XCTAssertGreaterThanOrEqual(purchases.count, 4, "one at start-up, one per relabel at least")
        let events = await harness.server.issueEvents(owner: "acme", repo: "demo", number: 2) ?? []
        XCTAssertTrue(events.contains { $0.actor == "serve-harness[bot]" }, "\(events)")
    }
}
