import Foundation
import Sandbox
import XCTest

/// `coordinator logs` end to end: the log of an issue's newest dispatch, sanitized (or raw);
/// `--follow` through the queue to the build's end; clear failures, never a secret.
final class LogsCommandTests: CommandTestCase {
    /// A log that tries to drive the terminal: a window title, a screen clear, a bidi override,
    /// an 8-bit CSI, and colours (which survive only on a terminal).
    static let hostileLines = [
        "\u{1B}]2;pwned\u{07}checking out",
        "\u{1B}[2J\u{1B}[32mtests passed\u{1B}[0m",
        "user\u{202E}nimda",
        "\u{9B}31mnot a colour",
    ]

    private func scenario(startDelayMs: Int = 0, buildDurationMs: Int = 0, linesPerSecond: Double? = nil) -> Scenario {
        var scenario = Self.standardScenario()
        scenario.jenkins.startDelayMs = startDelayMs
        scenario.jenkins.buildDurationMs = buildDurationMs
        scenario.jenkins.jobs[0].log = Scenario.Log(lines: Self.hostileLines, linesPerSecond: linesPerSecond)
        return scenario
    }

    func testPrintsTheSanitizedLogOfTheIssuesNewestDispatch() async throws {
        let h = try await start(scenario())
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        assertExit(try await h.run(["run", "--all", "--config", config]), 0)

        let result = try await h.run(["logs", "alpha", "2", "--config", config], timeout: .seconds(30))
        assertExit(result, 0)
        XCTAssertEqual(result.stdout, """
            Started by user bot
            checking out
            tests passed
            user\u{FFFD}nimda
            \u{FFFD}31mnot a colour
            Finished: SUCCESS

            """, "no colour when stdout is no terminal; every other control gone or shown as U+FFFD")
        XCTAssertFalse(result.stdout.contains("\u{1B}"))

        let raw = try await h.run(["logs", "alpha", "2", "--raw", "--config", config], timeout: .seconds(30))
        assertExit(raw, 0)
        assertContains(raw.stdout, ["\u{1B}]2;pwned\u{07}", "\u{1B}[2J", "\u{202E}", "Finished: SUCCESS"], raw)
    }

    func testFollowWaitsForTheQueuedBuildThenPrintsItUntilItEnds() async throws {
        // The item waits a minute, so it is surely still queued until the test moves the clock.
        let h = try await start(scenario(startDelayMs: 60_000, buildDurationMs: 6_000, linesPerSecond: 2))
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        assertExit(try await h.run(["run", "--all", "--config", config]), 0)

        let queued = try await h.run(["logs", "alpha", "1", "--config", config], timeout: .seconds(30))
        assertExit(queued, 0)
        XCTAssertEqual(queued.stderr, "queued: Waiting for next available executor\n", queued.description)
        XCTAssertEqual(queued.stdout, "")

        let follow = try h.launch(["logs", "alpha", "1", "--follow", "--config", config])
        try await waitUntil("--follow says the build is queued", detail: follow.stderrSoFar) {
            follow.stderrSoFar.contains("queued:")
        }
        try await Task.sleep(for: .milliseconds(1200))
        XCTAssertFalse(follow.isFinished, "--follow waits while the item is queued")
        // A minute later on the Sandbox's clock: the item has started, the build runs a few seconds more.
        await h.server.setClockOffset(seconds: 60)
        let followed = await h.finish(follow, timeout: .seconds(40))
        assertExit(followed, 0)
        XCTAssertEqual(followed.stderr, "queued: Waiting for next available executor\n", "said once: \(followed.description)")
        let lines = followed.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "Started by user bot", followed.description)
        XCTAssertEqual(lines.suffix(2), ["Finished: SUCCESS", ""], followed.description)
        XCTAssertEqual(lines.count, 2 + Self.hostileLines.count + 1, "every line once: \(followed.description)")
    }

    func testFailsClearlyWithoutABuildToShow() async throws {
        let h = try await start(scenario())
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        assertExit(try await h.run(["run", "--all", "--config", config]), 0)

        let unknownRepo = try await h.run(["logs", "nope", "2", "--config", config])
        assertExit(unknownRepo, 1)
        assertContains(unknownRepo.stderr, ["nope"], unknownRepo)

        let noDispatch = try await h.run(["logs", "alpha", "8", "--config", config])
        assertExit(noDispatch, 1)
        assertContains(noDispatch.stderr, ["alpha #8", "no dispatch recorded"], noDispatch)

        let deadJenkins = "http://127.0.0.1:\(try closedLoopbackPort())"
        let down = try writeStandardConfig(h, repos: [Self.alpha], name: "down.toml") { $0.jenkinsURL = deadJenkins }
        let unreachable = try await h.run(["logs", "alpha", "2", "--follow", "--config", down])
        assertExit(unreachable, 1)
        assertContains(unreachable.stderr, ["alpha #2", "Jenkins could not be reached", deadJenkins], unreachable)

        for result in [unknownRepo, noDispatch, unreachable] {
            XCTAssertFalse(result.output.contains("Fatal error"), result.description)
            XCTAssertEqual(result.stdout, "", result.description)
        }
    }

    func testABadIssueNumberIsAUsageError() async throws {
        let h = try await start(scenario())
        let config = try writeStandardConfig(h, repos: [Self.alpha])
        let result = try await h.run(["logs", "alpha", "0", "--config", config])
        assertExit(result, 2)
    }
}
