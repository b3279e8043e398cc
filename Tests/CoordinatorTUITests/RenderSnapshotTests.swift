import Coordinator
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class RenderSnapshotTests: XCTestCase {
    private let large = ScreenSize(rows: 40, columns: 120)
    private let small = ScreenSize(rows: 24, columns: 80)

    func testLoadedConsoleAt120x40() {
        let state = Fixtures.loadedState(size: large)
        let grid = render(state, size: large)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "loaded-120x40")
    }

    func testLoadedConsoleAt80x24WithThePlanOpen() {
        var state = Fixtures.loadedState(size: small)
        press(&state, .char("p"))
        // The preview batch plans every eligible issue; once it is back, no task is running.
        for number in [109, 104, 101, 102, 130] {
            _ = reduce(&state, .previewLoaded(repo: "demo", issue: number, .success(.ready(Fixtures.plan109))))
        }
        _ = reduce(&state, .rateLimitLoaded(RateLimitSnapshot(limit: 5000, remaining: 4987, reset: nil)))
        let grid = render(state, size: small)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "plan-80x24")
    }

    func testAllCachedViewWithWideTitlesAt120x40() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("v"), .char("v"), .char("v"), .char("G"))
        let grid = render(state, size: large)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "all-cached-wide-120x40")
        XCTAssertTrue(grid.plainText.contains("≠ #130 🔁 キューの再試行: retry q… (new)"), grid.plainText)
    }

    func testTooSmallTerminal() {
        let size = ScreenSize(rows: 14, columns: 59)
        let grid = render(Fixtures.loadedState(size: size), size: size)
        assertSnapshot(grid.plainText, named: "too-small-59x14")
    }

    func testTheMinimumSizeStillDrawsThePanes() {
        let size = ConsoleLayout.minimum
        let grid = render(Fixtures.loadedState(size: size), size: size)
        assertRowsFill(grid)
        XCTAssertFalse(grid.plainText.contains("too small"))
        XCTAssertTrue(grid.plainText.contains("#109"))
    }

    func testDispatchConfirmationAt80x24() {
        var state = Fixtures.loadedState(size: small)
        press(&state, .char("d"))
        let grid = render(state, size: small)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "confirm-dispatch-80x24")
    }

    func testHelpIsGeneratedFromTheKeyMap() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("?"))
        let text = render(state, size: large).plainText
        for binding in KeyMap.standard.bindings {
            XCTAssertTrue(text.contains(binding.keyLabel), binding.keyLabel)
            XCTAssertTrue(text.contains(binding.help), binding.help)
        }
        var narrow = Fixtures.loadedState(size: small)
        press(&narrow, .char("?"))
        let grid = render(narrow, size: small)
        assertRowsFill(grid)
        assertSnapshot(grid.plainText, named: "help-80x24")
    }

    func testThePlanShowsEveryParameterAndTheCommandInFull() {
        let tall = ScreenSize(rows: 60, columns: 120)
        var state = Fixtures.loadedState(size: tall)
        press(&state, .char("p"), .tab)
        _ = reduce(&state, .previewLoaded(repo: "demo", issue: 109, .success(.ready(Fixtures.plan109))))
        let text = render(state, size: tall).plainText
        for parameter in Fixtures.plan109.parameters {
            XCTAssertTrue(text.contains(parameter.name), parameter.name)
            // Long lines are wrapped, never cut: both ends are on screen.
            for line in parameter.value.split(separator: "\n") {
                XCTAssertTrue(text.contains(line.prefix(60)), String(line))
                XCTAssertTrue(text.contains(line.suffix(20)), String(line))
            }
        }
        XCTAssertTrue(text.contains("status-08:ready-pr → status-09:pr-creating"))
    }

    func testASkippedPlanShowsTheReason() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("p"))
        _ = reduce(&state, .previewLoaded(repo: "demo", issue: 109, .success(.skip(issue: 109, reason: .noLinkedBranch))))
        XCTAssertTrue(render(state, size: large).plainText.contains("would be skipped: no branch is linked to the issue"))
    }

    func testTheDetailMarksLabelsOnlyLiveAndOnlyCached() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("j"))
        XCTAssertEqual(state.selectedNumber, 104)
        let text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("− status-04:plan-review  only cached"), text)
        XCTAssertTrue(text.contains("+ status-05:plan-ready  only live"), text)
        XCTAssertTrue(text.contains("labels differ: the cache is stale"))
    }

    func testAFailedRefreshIsShownAsOutdatedWithItsError() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("r"))
        _ = reduce(&state, .liveLoaded(repo: "demo", .failure(ConsoleFailure("GitHub answered 502")), at: state.now))
        let grid = render(state, size: large)
        assertSnapshot(grid.plainText, named: "refresh-failed-120x40")
        XCTAssertTrue(grid.plainText.contains("updated 10s ago (outdated)"))
        XCTAssertTrue(grid.plainText.contains("✗ demo: refresh failed: GitHub answered 502  (Esc dismisses)"))
    }

    func testBusyReposShowASpinnerAndTheTaskLine() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("R"))
        let text = render(state, size: large).plainText
        XCTAssertTrue(text.contains("refreshing demo · refreshing tools"), text)
        let demoLine = text.split(separator: "\n").first { $0.contains("▶ demo") } ?? ""
        XCTAssertTrue(Glyphs.unicode.spinner.contains { demoLine.contains($0) }, String(demoLine))
    }

    func testReadOnlyIsShownInTheHeader() {
        let state = Fixtures.loadedState(size: large, readOnly: true)
        XCTAssertTrue(render(state, size: large).text(row: 0).contains("READ-ONLY"))
    }

    func testASCIIFallbackWithoutAUTF8Locale() {
        var state = Fixtures.loadedState(size: large)
        press(&state, .char("v"), .char("v"), .char("v"))
        let grid = render(state, size: large, options: RenderOptions(unicode: false))
        assertSnapshot(grid.plainText, named: "ascii-120x40")
        XCTAssertTrue(grid.plainText.unicodeScalars.allSatisfy(\.isASCII))
        XCTAssertTrue(grid.plainText.contains("~ #104"))
        XCTAssertTrue(grid.plainText.contains("! #113"))
    }

    func testNoColorDrawsTheSameTextAndKeepsTheSelectionInReverseVideo() {
        let state = Fixtures.loadedState(size: large)
        let grid = render(state, size: large)
        let layout = ConsoleLayout(size: large, showPreview: false)
        // The selected row (#109, first in the list) is reverse video: visible without colour.
        let row = layout.issues.row + 2
        XCTAssertTrue(grid.text(row: row).contains("#109"))
        for column in layout.issues.inner.column..<(layout.issues.inner.column + layout.issues.inner.width) {
            XCTAssertTrue(grid[row, column].style.reverse, "column \(column)")
        }
        XCTAssertTrue(TerminalCheck.colorDisabledByEnvironment(["NO_COLOR": "1"]))
        XCTAssertFalse(TerminalCheck.colorDisabledByEnvironment(["NO_COLOR": ""]))
        XCTAssertFalse(TerminalCheck.colorDisabledByEnvironment([:]))
        let selected = ColorPalette.attributes(for: grid[row, layout.issues.inner.column].style, color: false)
        XCTAssertNotEqual(selected & (1 << 18), 0, "A_REVERSE in monochrome")
        let error = ColorPalette.attributes(for: CellStyle(.error), color: false)
        XCTAssertNotEqual(error & (1 << 21), 0, "errors are bold in monochrome")
        XCTAssertEqual(ColorPalette.attributes(for: CellStyle(.error), color: false) & 0xFF00, 0, "no colour pair")
    }
}
