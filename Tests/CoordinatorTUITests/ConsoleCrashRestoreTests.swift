import Foundation
import XCTest
@testable import CoordinatorTUI

/// The console gives the terminal back however it dies: `coordinator demo` in tmux is killed with
/// SIGABRT (a crash: restore, then die of the signal) or SIGHUP (restore and exit), and the shell
/// that started it must be usable afterwards — canonical input, echo, the main screen, a cursor.
final class ConsoleCrashRestoreTests: XCTestCase {
    private let tmux = TmuxSession(prefix: "coordinator-crash")
    private var workdir = ""

    private static var packageRoot: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    override func setUpWithError() throws {
        workdir = NSTemporaryDirectory() + "coordinator-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        tmux.kill()
        try? FileManager.default.removeItem(atPath: workdir)
    }

    // MARK: End to end

    func testAfterSIGABRTTheShellHasItsTerminalBackAndSeesTheAbort() async throws {
        let modes = try await killConsole(with: SIGABRT, expectedStatus: 134)
        XCTAssertTrue(modes.contains("icanon") && modes.contains("echo") && modes.contains("icrnl"), "\(modes)")
        XCTAssertFalse(modes.contains("-icanon") || modes.contains("-echo") || modes.contains("-icrnl"), "\(modes)")
    }

    func testAfterSIGHUPTheConsoleRestoresTheTerminalAndExits() async throws {
        let modes = try await killConsole(with: SIGHUP, expectedStatus: 129)
        XCTAssertTrue(modes.contains("icanon") && modes.contains("echo") && modes.contains("icrnl"), "\(modes)")
        XCTAssertFalse(modes.contains("-icanon") || modes.contains("-echo") || modes.contains("-icrnl"), "\(modes)")
    }

    /// Starts the demo console in a tmux pane, sends `signal` once it is drawn, and checks what the
    /// shell sees afterwards. Returns the pane's terminal modes as `stty -a` printed them (tokens).
    private func killConsole(with signal: Int32, expectedStatus: Int) async throws -> Set<String> {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let port = try LoopbackPort.free()
        let pidFile = "\(workdir)/console.pid"
        let sttyFile = "\(workdir)/stty.txt"
        // `exec` keeps the pid written to the file; the shell around it reports the status and then
        // uses the terminal the console left behind.
        let script = """
            ulimit -c 0
            sh -c 'echo $$ > "$0"; exec "$@"' \(quote(pidFile)) env LANG=C.UTF-8 TERM=xterm-256color \(quote(binary)) demo --port \(port) --workdir \(quote("\(workdir)/demo"))
            echo "rc=$?"
            stty -a > \(quote(sttyFile))
            printf 'type a line: '
            read line
            echo "got <$line>"
            exec sleep 600
            """
        let scriptPath = "\(workdir)/pane.sh"
        try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
        try tmux.run("new-session", "-d", "-x", "120", "-y", "40", "sh \(quote(scriptPath))")

        _ = try await tmux.waitFor("the console") { $0.contains("┌─ Repos") && $0.contains("sandbox http://127.0.0.1:\(port)") }
        XCTAssertEqual(try tmux.format("#{alternate_on}"), "1", "the console should be on the alternate screen")
        XCTAssertEqual(try tmux.format("#{mouse_standard_flag}#{mouse_sgr_flag}"), "11", "the console should report the mouse")
        let pidText = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try XCTUnwrap(pid_t(pidText), "pid file: \(pidText)")
        XCTAssertEqual(kill(pid, signal), 0)

        var screen = try await tmux.waitFor("the shell after the console") { $0.contains("type a line:") }
        XCTAssertTrue(screen.contains("rc=\(expectedStatus)"), screen)
        XCTAssertFalse(screen.contains("┌─ Repos"), "the console's screen is still there:\n\(screen)")
        XCTAssertEqual(try tmux.format("#{alternate_on}"), "0", "still on the alternate screen")
        XCTAssertEqual(try tmux.format("#{cursor_flag}"), "1", "the cursor is still hidden")
        XCTAssertEqual(try tmux.format("#{mouse_any_flag}#{mouse_standard_flag}#{mouse_sgr_flag}"), "000", "clicks would reach the shell as escape sequences")

        // Typed text is echoed and Enter ends the line: the shell can be used.
        try tmux.run("send-keys", "-t", "0", "-l", "hello")
        try tmux.run("send-keys", "-t", "0", "Enter")
        screen = try await tmux.waitFor("the typed line") { $0.contains("got <hello>") }
        XCTAssertTrue(screen.contains("type a line: hello"), "typing was not echoed:\n\(screen)")

        let stty = try String(contentsOfFile: sttyFile, encoding: .utf8)
        return Set(stty.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }).map(String.init))
    }

    private func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    // MARK: The restore sequence

    func testTheRestoreSequenceJoinsTheCapabilitiesInEndwinsOrder() {
        XCTAssertEqual(TerminalRestoreSequence.capabilities, ["sgr0", "rmkx", "cnorm", "rmcup"])
        let bytes = TerminalRestoreSequence.bytes(["\u{1B}(B\u{1B}[m", "\u{1B}[?1l\u{1B}>", "\u{1B}[?12l\u{1B}[?25h", "\u{1B}[?1049l"])
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "\u{1B}(B\u{1B}[m\u{1B}[?1l\u{1B}>\u{1B}[?12l\u{1B}[?25h\u{1B}[?1049l")
    }

    func testTheRestoreSequenceSkipsMissingCapabilitiesAndDropsPadding() {
        let bytes = TerminalRestoreSequence.bytes([nil, "\u{1B}[m$<2>", "\u{1B}[?25h$<5*/>x", nil, "$<>\u{1B}[?1049l"])
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "\u{1B}[m\u{1B}[?25hx\u{1B}[?1049l")
    }

    func testADollarThatIsNotPaddingIsKept() {
        let bytes = TerminalRestoreSequence.bytes(["a$<b>c", "$<1", "$"])
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "a$<b>c$<1$")
    }

    func testTheCrashSignalsIncludeEveryOneThatWouldLeaveTheTerminalBroken() {
        for number in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            XCTAssertTrue(CrashRestore.fatalSignals.contains(number), "signal \(number)")
        }
        // Those end the console through its loop instead (SignalTrap), with the orderly shutdown
        // a crash cannot have.
        for number in [SIGINT, SIGTERM, SIGHUP] {
            XCTAssertFalse(CrashRestore.fatalSignals.contains(number), "signal \(number)")
        }
    }
}
