import XCTest

/// The process ended on its own (no time-out, no signal) with `code`.
func assertExit(_ result: CommandResult, _ code: Int32, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(result.timedOut, "timed out:\n\(result)", file: file, line: line)
    XCTAssertNil(result.signal, "died of a signal:\n\(result)", file: file, line: line)
    XCTAssertEqual(result.exitCode, code, "\(result)", file: file, line: line)
}

/// `text` contains every one of `parts`; `context` is shown when one is missing.
func assertContains(
    _ text: String, _ parts: [String], _ context: CustomStringConvertible, file: StaticString = #filePath, line: UInt = #line
) {
    for part in parts where !text.contains(part) {
        XCTFail("missing \"\(part)\" in:\n\(context)", file: file, line: line)
    }
}
