import Foundation
import XCTest

/// The headless commands end to end: `coordinator` without a terminal refuses, and every command
/// it offers instead works as printed.
final class NoTerminalCommandTests: CommandTestCase {
    func testEveryCommandTheRefusalPrintsWorksAsPrinted() async throws {
        let h = try await start()
        // A space in the path: the printed command lines must quote it.
        _ = try writeStandardConfig(h, name: "my config.toml")

        // Relative, as a user types it; the refusal prints it absolute.
        for arguments in [["--config", "my config.toml"], ["console", "--config", "my config.toml"]] {
            let refused = try await h.run(arguments)
            assertExit(refused, 2)
            XCTAssertTrue(refused.stderr.contains("the console needs a terminal (standard output is not a terminal)"), "\(refused)")
        }
        let refused = try await h.run(["--config", "my config.toml"])
        let commands = try offeredCommands(refused.stderr)
        let offered = commands.map { $0.filter { $0 != "--config" && !$0.hasSuffix("my config.toml") } }
        XCTAssertTrue(offered.contains(["coordinator", "status"]), "\(commands)")
        XCTAssertTrue(offered.contains(["coordinator", "diff"]), "\(commands)")
        XCTAssertTrue(offered.contains(["coordinator", "run", "--all", "--dry-run"]), "\(commands)")

        for command in commands {
            XCTAssertEqual(command.first, "coordinator", "\(command)")
            let configIndex = try XCTUnwrap(command.firstIndex(of: "--config"), "\(command) does not carry the user's --config")
            XCTAssertTrue(command[configIndex + 1].hasPrefix("/"), "not absolute: \(command)")
            let result = try await h.run(Array(command.dropFirst()))
            XCTAssertNotEqual(result.exitCode, 2, "refused as a usage error: \(result)")
            // 3: `diff` found the cache stale, a report, not a failure.
            XCTAssertTrue([0, 3].contains(result.exitCode), "\(result)")
            XCTAssertNil(result.signal)
            XCTAssertFalse(result.timedOut)
        }
        // They did what they say: `run --all` dispatched (the dry run before it nothing).
        if offered.contains(["coordinator", "run", "--all"]) {
            let builds = await h.server.builds()
            XCTAssertEqual(builds.count, Self.expectedDispatches.count)
        }
    }

    /// The indented `coordinator …` lines of the message, split into words as a POSIX shell
    /// would (plain words, single quotes, backslash escapes), the `# …` comment dropped.
    private func offeredCommands(_ message: String) throws -> [[String]] {
        try message.split(separator: "\n").filter { $0.hasPrefix("  coordinator ") }.map { try shellWords(String($0)) }
    }

    private func shellWords(_ line: String) throws -> [String] {
        var words: [String] = []
        var word: String?
        var characters = line.makeIterator()
        while let c = characters.next() {
            switch c {
            case " ", "\t":
                if let w = word { words.append(w) }
                word = nil
            case "#" where word == nil:
                return words
            case "'":
                var quoted = ""
                while let q = characters.next(), q != "'" { quoted.append(q) }
                word = (word ?? "") + quoted
            case "\\":
                word = (word ?? "") + String(try XCTUnwrap(characters.next()))
            case "\"", "$", "`", ";", "&", "|", "<", ">", "(", ")", "*", "?":
                throw HarnessError("a shell metacharacter unquoted in: \(line)")
            default:
                word = (word ?? "") + String(c)
            }
        }
        if let w = word { words.append(w) }
        return words
    }
}
