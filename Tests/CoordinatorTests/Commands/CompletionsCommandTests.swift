import Foundation
import XCTest

/// The headless commands end to end: `coordinator completions bash|zsh|fish`.
final class CompletionsCommandTests: CommandTestCase {
    func testEachShellGetsItsScriptNamingTheCommandsAndOptions() async throws {
        let h = try await start()
        // What each shell's script opens with, as ArgumentParser writes it.
        let openings = ["bash": "#!/bin/bash", "zsh": "#compdef coordinator", "fish": "function "]
        var scripts: [String: String] = [:]
        for (shell, opening) in openings {
            let result = try await h.run(["completions", shell])
            assertExit(result, 0)
            XCTAssertTrue(result.stdout.hasPrefix(opening), "\(shell):\n\(result.stdout.prefix(300))")
            XCTAssertEqual(result.stderr, "", "\(result)")
            // Generated from the commands themselves: every subcommand and their options (fish
            // names options without their dashes).
            assertContains(result.stdout, ["completions", "sync", "status", "diff", "log-format", "dry-run", "keep-going", "branch-name"], shell)
            scripts[shell] = result.stdout
        }
        XCTAssertEqual(Set(scripts.values).count, 3, "two shells got the same script")
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0)
    }

    func testBashAcceptsTheScript() async throws {
        let h = try await start()
        let result = try await h.run(["completions", "bash"])
        assertExit(result, 0)
        let script = h.root.appendingPathComponent("coordinator.bash")
        try Data(result.stdout.utf8).write(to: script)
        // `bash -n` parses without running: the script is valid bash.
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/bin/bash")
        bash.arguments = ["-n", script.path]
        let errors = Pipe()
        bash.standardError = errors
        try bash.run()
        bash.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(bash.terminationStatus, 0, message)
    }

    func testAnUnknownOrMissingShellIsAUsageError() async throws {
        let h = try await start()
        let unknown = try await h.run(["completions", "tcsh"])
        assertExit(unknown, 2)
        assertContains(unknown.stderr, ["tcsh", "bash", "zsh", "fish"], unknown)
        XCTAssertEqual(unknown.stdout, "")
        let missing = try await h.run(["completions"])
        assertExit(missing, 2)
    }
}
