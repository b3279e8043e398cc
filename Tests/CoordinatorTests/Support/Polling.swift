import XCTest

/// Polls `condition` every 20 ms until it holds or `timeout` passes; tests wait on state, never on
/// fixed sleeps.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), file: StaticString = #filePath, line: UInt = #line,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    XCTFail("timed out after \(timeout) waiting until \(what)", file: file, line: line)
    throw HarnessError("timed out waiting until \(what)")
}
