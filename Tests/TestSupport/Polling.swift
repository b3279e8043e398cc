import XCTest

/// Polls `condition` every `interval` until it holds or `timeout` passes: the one way every test
/// target waits on state instead of sleeping a fixed time. On time-out the test fails with `what`
/// and `detail` (evaluated then, e.g. the screen a tmux test saw) and the call throws.
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), interval: Duration = .milliseconds(20),
    file: StaticString = #filePath, line: UInt = #line, detail: @autoclosure () -> String = "",
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    let context = detail()
    XCTFail("timed out after \(timeout) waiting until \(what)" + (context.isEmpty ? "" : "\n\(context)"), file: file, line: line)
    throw WaitTimedOut(what: what)
}

/// What `waitUntil` throws when its condition never held.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting until \(what)" }
}
