import Foundation
import XCTest
@testable import CoordinatorConsole
@testable import CoordinatorTUI

/// Compares `text` with `Snapshots/NAME.txt`. `RECORD_SNAPSHOTS=1` rewrites the file instead (then
/// review the diff before committing).
func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Snapshots").appendingPathComponent("\(name).txt")
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data((text + "\n").utf8).write(to: url)
        return
    }
    guard let data = try? Data(contentsOf: url), let expected = String(data: data, encoding: .utf8) else {
        XCTFail("no snapshot \(url.path); run with RECORD_SNAPSHOTS=1 to record it", file: file, line: line)
        return
    }
    let expectedText = expected.hasSuffix("\n") ? String(expected.dropLast()) : expected
    if text != expectedText {
        let actual = text.split(separator: "\n", omittingEmptySubsequences: false)
        let wanted = expectedText.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDifference = zip(actual, wanted).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(actual.count, wanted.count)
        XCTFail("snapshot \(name) differs from line \(firstDifference + 1):\n\(text)", file: file, line: line)
    }
}

/// Every row of a grid takes exactly the screen width: no wide grapheme spills or leaves a hole.
func assertRowsFill(_ grid: Grid, file: StaticString = #filePath, line: UInt = #line) {
    for row in 0..<grid.size.rows {
        let width = DisplayWidth.of(grid.text(row: row))
        XCTAssertEqual(width, grid.size.columns, "row \(row): \(grid.text(row: row))", file: file, line: line)
    }
}
