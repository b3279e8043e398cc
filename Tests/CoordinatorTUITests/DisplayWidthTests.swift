import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

final class DisplayWidthTests: XCTestCase {
    func testASCIIIsOneColumnPerCharacter() {
        XCTAssertEqual(DisplayWidth.of("Open PR #109"), 12)
    }

    func testCJKIsTwoColumns() {
        XCTAssertEqual(DisplayWidth.of("再試行"), 6)
        XCTAssertEqual(DisplayWidth.of("キュー"), 6)
        XCTAssertEqual(DisplayWidth.of("한글"), 4)
        XCTAssertEqual(DisplayWidth.of("ＡＢ"), 4, "fullwidth forms")
    }

    func testEmojiAreTwoColumns() {
        XCTAssertEqual(DisplayWidth.of("🚀"), 2)
        XCTAssertEqual(DisplayWidth.of("🔁"), 2)
        XCTAssertEqual(DisplayWidth.of("👩‍👩‍👧"), 2, "a ZWJ sequence is one emoji")
        XCTAssertEqual(DisplayWidth.of("🇩🇪"), 2, "a flag")
        XCTAssertEqual(DisplayWidth.of("❤️"), 2, "text symbol with emoji presentation selector")
        XCTAssertEqual(DisplayWidth.of("❤"), 1, "the same symbol in text presentation")
    }

    func testCombiningMarksTakeNoColumn() {
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.of("Cafe\u{301}"), 4)
        XCTAssertEqual(DisplayWidth.of(Unicode.Scalar(0x301)!), 0)
    }

    func testBoxDrawingAndSymbolsAreOneColumn() {
        XCTAssertEqual(DisplayWidth.of("─│┌┐└┘≠→…✓✗"), 11)
    }

    func testTruncationCountsColumnsAndEndsWithAnEllipsis() {
        XCTAssertEqual(DisplayWidth.truncate("Retry queue reads", to: 8), "Retry q…")
        XCTAssertEqual(DisplayWidth.truncate("日本語のタイトル", to: 6), "日本…")
        XCTAssertEqual(DisplayWidth.truncate("日本語のタイトル", to: 5), "日本…")
        XCTAssertEqual(DisplayWidth.truncate("🚀🚀🚀", to: 4), "🚀…")
        XCTAssertEqual(DisplayWidth.truncate("short", to: 10), "short")
        XCTAssertEqual(DisplayWidth.truncate("abc", to: 0), "")
        XCTAssertEqual(DisplayWidth.truncate("abcdef", to: 4, ellipsis: "~"), "abc~")
    }

    func testFitPadsToTheExactWidth() {
        XCTAssertEqual(DisplayWidth.fit("日本", to: 6), "日本  ")
        XCTAssertEqual(DisplayWidth.of(DisplayWidth.fit("日本語のタイトル", to: 7)), 7)
    }

    func testWrapBreaksByColumns() {
        XCTAssertEqual(DisplayWidth.wrap("abcdefgh", to: 3), ["abc", "def", "gh"])
        XCTAssertEqual(DisplayWidth.wrap("日本語", to: 4), ["日本", "語"])
    }

    func testGridKeepsWideGraphemesWhole() {
        var grid = Grid(size: ScreenSize(rows: 1, columns: 6))
        XCTAssertEqual(grid.put("a日本語", row: 0, column: 0), 5, "the third wide grapheme does not fit")
        XCTAssertEqual(grid.text(row: 0), "a日本 ")
        grid.put("x", row: 0, column: 2)
        XCTAssertEqual(grid.text(row: 0), "a x本 ", "overwriting half of a wide grapheme blanks the other half")
        XCTAssertEqual(DisplayWidth.of(grid.text(row: 0)), 6)
    }

    func testGridReplacesControlCharactersAndNonASCIIWhenAsked() {
        var grid = Grid(size: ScreenSize(rows: 1, columns: 8), asciiOnly: true)
        grid.put("a\tb日", row: 0, column: 0)
        XCTAssertEqual(grid.text(row: 0), "a b?    ")
    }
}
