import Foundation
import XCTest

/// The mouse in `coordinator demo` through tmux: tmux writes the terminal's own mouse report
/// (SGR, `ESC [ < button ; column ; row M`, what xterm sends with the mode ncurses asks for under
/// TERM=xterm-256color) into the pane, so curses decodes a real click.
final class ConsoleMouseEndToEndTests: XCTestCase {
    private let tmux = TmuxSession(prefix: "coordinator-mouse")
    private var workdir = ""

    private static var binary: String {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/coordinator").path
    }

    override func setUpWithError() throws {
        workdir = NSTemporaryDirectory() + "coordinator-mouse-\(UUID().uuidString)"
    }

    override func tearDown() {
        tmux.kill()
        try? FileManager.default.removeItem(atPath: workdir)
    }

    private func startDemo(_ extra: String = "") async throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first: \(Self.binary)")
        let port = try LoopbackPort.free()
        let command = "env LANG=C.UTF-8 TERM=xterm-256color \(Self.binary) demo \(extra) --port \(port) --workdir \(workdir); echo \"demo exit status $?\"; sleep 600"
        try tmux.run("new-session", "-d", "-x", "120", "-y", "40", command)
        _ = try await tmux.waitFor("live data for every repo") { $0.components(separatedBy: "updated ").count > 3 }
    }

    /// Sends a click of the first button at a 0-based cell as the terminal reports it (1-based):
    /// press (`M`) and release (`m`). Without the release curses takes a second press for a drag.
    private func click(row: Int, column: Int) throws {
        let cell = "\(column + 1);\(row + 1)"
        try tmux.run("send-keys", "-t", "0", "-l", "\u{1B}[<0;\(cell)M\u{1B}[<0;\(cell)m")
    }

    func testAClickOnARowSelectsItAndAClickOnAHintRunsIt() async throws {
        try await startDemo()
        XCTAssertEqual(try tmux.format("#{mouse_standard_flag}#{mouse_sgr_flag}"), "11", "the console asked the terminal for mouse reports")
        var screen = try await tmux.waitFor("#109 selected first") { $0.contains("#109 detail") }
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try XCTUnwrap(lines.firstIndex { $0.contains("#105 Support Windows executors") }, screen)
        try click(row: row, column: 45)
        screen = try await tmux.waitFor("#105 selected by the click") { $0.contains("#105 detail") }

        // The footer's "? help" hint, where it is drawn.
        let footer = try XCTUnwrap(screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).last { !$0.isEmpty })
        let hint = try XCTUnwrap(footer.range(of: "? help"), footer)
        try click(row: 39, column: footer.distance(from: footer.startIndex, to: hint.lowerBound) + 2)
        _ = try await tmux.waitFor("the help") { $0.contains("any key closes this help") && $0.contains("Shift+drag selects text") }
        try tmux.run("send-keys", "-t", "0", "Escape")
        _ = try await tmux.waitFor("the help closed") { !$0.contains("any key closes this help") }

        try tmux.run("send-keys", "-t", "0", "q")
        screen = try await tmux.waitFor("the exit message") { $0.contains("demo exit status") }
        XCTAssertTrue(screen.contains("demo exit status 0"), screen)
    }

    func testNoMouseLeavesClicksToTheTerminal() async throws {
        try await startDemo("--no-mouse")
        XCTAssertEqual(try tmux.format("#{mouse_any_flag}#{mouse_standard_flag}#{mouse_sgr_flag}"), "000")
        try tmux.run("send-keys", "-t", "0", "q")
        let screen = try await tmux.waitFor("the exit message") { $0.contains("demo exit status") }
        XCTAssertTrue(screen.contains("demo exit status 0"), screen)
    }
}
