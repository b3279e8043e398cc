import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class PreviewReducerTests: XCTestCase {
    /// The eligible issues of the fixture in dispatch order, as they are live.
    private func eligible(_ numbers: [Int]) -> [Issue] {
        numbers.map { Fixtures.byNumber(Fixtures.live)[$0]! }
    }

    func testPTurnsThePreviewOnAndAsksForTheSelectedIssuesPlanWithTheRestOfTheRepoInOneBatch() {
        var state = Fixtures.loadedState()
        let effects = press(&state, .char("p"))
        XCTAssertTrue(state.showPreview)
        XCTAssertEqual(effects, [.preview(repo: "demo", issues: eligible([109, 104, 101, 102, 130]))])
        for number in [109, 104, 101, 102, 130] { XCTAssertEqual(state.currentRepo?.previews[number], .loading) }
        XCTAssertEqual(state.runningTasks.map(\.message), ["planning 5 issues"])
        XCTAssertEqual(press(&state, .char("p")), [])
        XCTAssertFalse(state.showPreview)
    }

    func testThePlanIsAskedForOncePerIssue() {
        var state = Fixtures.loadedState()
        press(&state, .char("p"))
        for number in [109, 104, 101, 102, 130] {
            _ = reduce(&state, .previewLoaded(repo: "demo", issue: number, .success(.ready(Fixtures.plan109))))
        }
        XCTAssertEqual(state.currentRepo?.previews[109], .ready(.ready(Fixtures.plan109)))
        XCTAssertEqual(state.runningTasks, [], "the batch is done")
        XCTAssertEqual(press(&state, .char("j")), [], "104 was planned in the same batch")
        XCTAssertEqual(press(&state, .char("k")), [], "109's plan is already known")
    }

    func testIneligibleIssuesNeedNoPlanCall() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"), .char("v"), .char("v"), .char("g"))
        XCTAssertEqual(state.selectedNumber, 1)
        XCTAssertEqual(press(&state, .char("p")), [])
        XCTAssertNil(state.currentRepo?.previews[1])
    }

    func testAFailedPlanIsShownInTheDetail() {
        var state = Fixtures.loadedState()
        press(&state, .char("p"))
        _ = reduce(&state, .previewLoaded(repo: "demo", issue: 109, .failure(ConsoleFailure("GraphQL error"))))
        XCTAssertEqual(state.currentRepo?.previews[109], .failed("GraphQL error"))
    }

    func testNewLiveDataDropsPlansMadeFromOldLabels() {
        var state = Fixtures.loadedState()
        press(&state, .char("p"))
        _ = reduce(&state, .previewLoaded(repo: "demo", issue: 109, .success(.ready(Fixtures.plan109))))
        press(&state, .char("r"))
        let effects = reduce(&state, .liveLoaded(repo: "demo", .success(Fixtures.live), at: Fixtures.t0))
        XCTAssertEqual(effects, [.fetchRateLimit, .preview(repo: "demo", issues: eligible([109, 104, 101, 102, 130]))])
    }
}
