import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// The history view drawn: newest first, who made each, where it ended; the detail in full.
final class HistoryViewSnapshotTests: XCTestCase {
    private let large = ScreenSize(rows: 40, columns: 120)
    private let small = ScreenSize(rows: 24, columns: 80)

    func testHistoryAt120x40() {
        var state = Fixtures.historyState(size: large)
        press(&state, .char("j"))
        let grid = render(state, size: large)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "history-120x40")
        let text = grid.plainText
        XCTAssertTrue(text.contains("History · all repos (4)"), text)
        XCTAssertTrue(text.contains("(run) cron@build1"), text)
        XCTAssertTrue(text.contains("(console) ops@desk"), text)
        XCTAssertTrue(text.contains("#7 success"), text)
        XCTAssertTrue(text.contains("view: history"), text)
        XCTAssertTrue(text.contains("unstick   "), text)
        XCTAssertTrue(text.contains("queue      item 52"), text)
    }

    func testHistoryDetailAt80x24() {
        var state = Fixtures.historyState(size: small)
        press(&state, .char("G"), .enter)
        let grid = render(state, size: small)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "history-detail-80x24")
        let text = grid.plainText
        XCTAssertTrue(text.contains("(run) cro"), text)
        XCTAssertTrue(text.contains("demo #101 dispatch"), text)
    }

    func testAnEscapeInByIsDrawnAsSpacesNotSentToTheTerminal() {
        var state = Fixtures.historyState(size: large)
        press(&state, .char("j"), .char("j"))
        XCTAssertEqual(state.history?.selected?.issue, 104)
        let grid = render(state, size: large)
        let text = grid.plainText
        XCTAssertFalse(text.contains("\u{1B}"), text)
        XCTAssertFalse(text.contains("\u{07}"), text)
        XCTAssertTrue(text.contains("ops@desk ]2;pwned "), text)

        // A C1 CSI and a bidi override in a label or `by` do not reach the terminal either.
        state.history?.rows[2].by = "ops\u{9B}2J@desk\u{202E}evil (console)"
        state.history?.rows[2].busy = "status-06:\u{1B}[2Jimplementing"
        press(&state, .enter)
        let detail = render(state, size: large).plainText
        for bad in ["\u{9B}", "\u{202E}", "\u{1B}"] { XCTAssertFalse(detail.contains(bad), detail) }
        XCTAssertTrue(detail.contains("ops2J@deskevil (console)"), detail)
    }

    func testTheHelpListsHistoryAndOpen() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("?"))
        let text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("history: every repo's dispatches"), text)
        XCTAssertTrue(text.contains("open the issue"), text)
    }

    func testLinkOpenerStartsTheBrowserWithTheURLAsOneArgumentWithoutWaiting() async throws {
        let directory = NSTemporaryDirectory() + "link-opener-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A shell would split this at the spaces and run the `touch` after `;`.
        let url = directory + "/x; touch pwned $(id)"
        XCTAssertNil(LinkOpener.open(url, environment: ["BROWSER": "touch", "PATH": "/usr/bin:/bin"]))
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: url), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: url), "the URL was one argument")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["x; touch pwned $(id)"])
        XCTAssertEqual(LinkOpener.open("http://x", environment: ["BROWSER": "no-such-browser", "PATH": "/usr/bin:/bin"]), "no-such-browser: not found")
        XCTAssertEqual(LinkOpener.open("http://x", environment: ["PATH": directory]), "xdg-open: not found (set BROWSER)")
    }

    func testLinkOpenerNeverGoesThroughAShell() {
        XCTAssertEqual(LinkOpener.command(for: "http://x/a b;rm", environment: [:]), ["xdg-open", "http://x/a b;rm"])
        XCTAssertEqual(LinkOpener.command(for: "http://x", environment: ["BROWSER": "firefox --new-tab:lynx"]), ["firefox", "--new-tab", "http://x"])
        XCTAssertEqual(LinkOpener.command(for: "http://x", environment: ["BROWSER": "w3m %s"]), ["w3m", "http://x"])
        XCTAssertFalse(LinkOpener.hasDisplay([:]))
        XCTAssertFalse(LinkOpener.hasDisplay(["DISPLAY": ""]))
        XCTAssertTrue(LinkOpener.hasDisplay(["WAYLAND_DISPLAY": "wayland-0"]))
    }
}
