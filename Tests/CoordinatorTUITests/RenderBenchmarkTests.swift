import Coordinator
import Foundation
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// A benchmark, not a timed test: it prints how long `render` takes for a repo of 10 000 issues
/// and asserts only that exactly the visible rows were drawn.
final class RenderBenchmarkTests: XCTestCase {
    func testBenchmarkRender10kIssues() {
        let count = 10_000
        let size = ScreenSize(rows: 40, columns: 120)
        let labels = ["status-02:awaiting-planning", "status-05:plan-ready", "status-08:ready-pr", "status-04:plan-review"]
        let cached = (1...count).map { Fixtures.issue($0, "Issue number \($0) with a title 🔁 キュー", [labels[$0 % labels.count]]) }
        var live = cached
        for index in stride(from: 0, to: count, by: 7) { live[index].labels = ["status-03:planning"] }

        var state = ConsoleState(repos: [Fixtures.demo], now: Fixtures.t0, size: size)
        let rebuildStart = DispatchTime.now()
        _ = reduce(&state, .cacheLoaded(repo: "demo", .success(CacheSnapshot(issues: Fixtures.byNumber(cached)))))
        _ = reduce(&state, .liveLoaded(repo: "demo", .success(live), at: Fixtures.t0))
        let rebuildMs = Double(DispatchTime.now().uptimeNanoseconds - rebuildStart.uptimeNanoseconds) / 1e6
        press(&state, .char("v"), .char("v"), .char("v"))
        XCTAssertEqual(state.currentRepo?.rows.count, count)

        let iterations = 200
        var frames: [Double] = []
        frames.reserveCapacity(iterations)
        let layout = ConsoleLayout(size: size, showPreview: false)
        let listHeight = layout.issueListHeight
        for iteration in 0..<iterations {
            // Scroll through the list like an operator holding PgDn.
            press(&state, iteration % 50 == 0 ? .char("g") : .pageDown)
            let start = DispatchTime.now()
            let grid = render(state, size: size)
            frames.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
            let paneRows = layout.issues.row..<(layout.issues.row + layout.issues.height)
            let drawnRows = paneRows.filter { row in grid.text(row: row).contains("Issue number ") }.count
            XCTAssertEqual(drawnRows, listHeight)
        }
        frames.sort()
        let mean = frames.reduce(0, +) / Double(frames.count)
        let p95 = frames[Int(Double(frames.count - 1) * 0.95)]
        print(String(
            format: "render benchmark: %d issues, %dx%d, %d frames: mean %.2f ms, p95 %.2f ms, max %.2f ms; row rebuild after load %.1f ms",
            count, size.columns, size.rows, iterations, mean, p95, frames.last ?? 0, rebuildMs))
    }
}
