import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class PreviewReducerTests: XCTestCase {
    func testPTurnsThePreviewOnAndAsksForTheSelectedIssuesPlan() {
        var state = Fixtures.loadedState()
        let effects = press(&state, .char("p"))
        XCTAssertTrue(state.showPreview)
        XCTAssertEqual(effects, [.preview(repo: "demo", issue: Fixtures.byNumber(Fixtures.live)[109]!)])
        XCTAssertEqual(state.currentRepo?.previews[109], .loading)
        XCTAssertEqual(press(&state, .char("p")), [])
        XCTAssertFalse(state.showPreview)
    }

    func testThePlanIsAskedForOncePerIssue() {
        var state = Fixtures.loadedState()
        press(&state, .char("p"))
        _ = reduce(&state, .previewLoaded(repo: "demo", issue: 109, .success(.ready(Fixtures.plan109))))
        XCTAssertEqual(state.currentRepo?.previews[109], .ready(.ready(Fixtures.plan109)))
        let down = press(&state, .char("j"))
        XCTAssertEqual(down, [.preview(repo: "demo", issue: Fixtures.byNumber(Fixtures.live)[104]!)])
        XCTAssertEqual(press(&state, .char("k")), [], "109's plan is already known")
    }

    func testIneligibleIssuesNeedNoPlanCall() {
        var state = Fixtures.loadedState()
        press(&state, .char("v"), .char("v"), .char("g"))
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
        XCTAssertEqual(effects, [.fetchRateLimit, .preview(repo: "demo", issue: Fixtures.byNumber(Fixtures.live)[109]!)])
    }
}
