import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// OSC 8 hyperlinks over URLs the detail shows whole.
final class HyperlinkTests: XCTestCase {
    func testOnlyOfferedURLsStandingWholeOnARowBecomeLinks() {
        var grid = Grid(size: ScreenSize(rows: 3, columns: 40))
        grid.put("build http://j.test/job/a/7/ ok", row: 0, column: 0)
        grid.put("cut http://j.test/job/a/7…", row: 1, column: 0)
        grid.put("日本 http://j.test/job/a/7/", row: 2, column: 0)
        grid.offerLink("http://j.test/job/a/7/")
        grid.offerLink("http://evil.test/\u{1B}]2;owned\u{07}")
        grid.offerLink("http://with space/")
        XCTAssertEqual(grid.links, [
            GridLink(row: 0, column: 6, url: "http://j.test/job/a/7/"),
            GridLink(row: 2, column: 5, url: "http://j.test/job/a/7/"),
        ], "a URL with an escape or a space is never offered; a cut one is not found; wide characters count two columns")
        XCTAssertEqual(
            HyperlinkOverlay.sequence(for: [GridLink(row: 0, column: 6, url: "http://j.test/7/")]),
            "\u{1B}7\u{1B}[1;7H\u{1B}]8;;http://j.test/7/\u{1B}\\http://j.test/7/\u{1B}]8;;\u{1B}\\\u{1B}8")
        XCTAssertEqual(HyperlinkOverlay.sequence(for: []), "")
    }

    func testHyperlinksAreOffWithoutColourOnPlainTerminalsOrWhenAskedTo() {
        XCTAssertTrue(HyperlinkOverlay.enabled(color: true, environment: ["TERM": "xterm-256color"]))
        XCTAssertFalse(HyperlinkOverlay.enabled(color: false, environment: ["TERM": "xterm-256color"]))
        XCTAssertFalse(HyperlinkOverlay.enabled(color: true, environment: ["TERM": "linux"]))
        XCTAssertFalse(HyperlinkOverlay.enabled(color: true, environment: ["TERM": "vt100"]))
        XCTAssertFalse(HyperlinkOverlay.enabled(color: true, environment: ["TERM": "xterm", "COORDINATOR_HYPERLINKS": "0"]))
    }

    func testTheHistoryDetailOffersTheBuildURL() {
        var state = Fixtures.historyState()
        let urls = state.history?.entries.compactMap(\.buildURL) ?? []
        guard let index = state.history?.rows.firstIndex(where: { $0.buildURL != nil }) else { return XCTFail("fixture has no build URL") }
        state.history?.cursor = index
        state.detailScroll = 5
        let grid = render(state, size: state.size)
        XCTAssertFalse(urls.isEmpty)
        XCTAssertEqual(grid.links.map(\.url).first, state.history?.rows[index].buildURL, grid.plainText)
    }
}
