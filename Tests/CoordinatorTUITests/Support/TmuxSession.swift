import Foundation
import XCTest

/// A tmux server on a private socket (`tmux -L NAME`), so a test gives a program a real terminal
/// and reads the screen back, without touching the user's tmux. `kill()` removes it.
final class TmuxSession {
    let socketName: String

    init(prefix: String) {
        socketName = "\(prefix)-\(UUID().uuidString.prefix(8))"
    }

    /// Runs tmux on the private socket; throws when tmux fails.
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let (code, text) = try ChildProcess.run(["tmux", "-L", socketName] + arguments)
        if code != 0 { throw TmuxError("tmux \(arguments.joined(separator: " ")) failed (\(code)): \(text)") }
        return text
    }

    /// The visible screen of the first pane, wrapped lines joined.
    func screen() -> String {
        (try? run("capture-pane", "-p", "-J", "-t", "0")) ?? ""
    }

    /// A tmux format of the first pane, e.g. `#{alternate_on}`.
    func format(_ format: String) throws -> String {
        try run("display-message", "-p", "-t", "0", format).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `predicate` holds; bounded, no fixed sleeps.
    func waitFor(
        _ what: String, timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line,
        _ predicate: (String) -> Bool
    ) async throws -> String {
        var screen = ""
        try await waitUntil(what, timeout: .seconds(timeout), interval: .milliseconds(50), file: file, line: line,
                            detail: "the screen was:\n\(screen)") {
            screen = self.screen()
            guard predicate(screen) else { return false }
            // A capture may land while curses is still painting a frame: the screen returned (the
            // one the caller reads) is one taken a moment later, for which the predicate holds too.
            try? await Task.sleep(for: .milliseconds(40))
            screen = self.screen()
            return predicate(screen)
        }
        return screen
    }

    /// Stops the server and removes the socket file a killed server leaves behind.
    func kill() {
        _ = try? run("kill-server")
        let socketDirectory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(socketDirectory)/tmux-\(getuid())/\(socketName)")
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
