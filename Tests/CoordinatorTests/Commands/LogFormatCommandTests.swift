import Foundation
import XCTest
@testable import Coordinator

/// The headless commands end to end: `--log-format json`, one JSON object per line on stderr.
final class LogFormatCommandTests: CommandTestCase {
    /// Every non-empty stderr line as a JSON object of strings with the five fixed fields;
    /// fails on any line that is not one.
    private func jsonLines(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) -> [[String: String]] {
        var objects: [[String: String]] = []
        for text in result.stderr.split(separator: "\n") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                XCTFail("not a JSON object: \(text)\n\(result)", file: file, line: line)
                continue
            }
            guard let strings = object as? [String: String] else {
                XCTFail("a field that is not a string: \(text)", file: file, line: line)
                continue
            }
            for key in ["time", "level", "label", "message", "source"] where strings[key] == nil {
                XCTFail("no \(key): \(text)", file: file, line: line)
            }
            if let time = strings["time"] {
                XCTAssertNotNil(Timestamp.parse(time), "time is not ISO 8601: \(text)", file: file, line: line)
                XCTAssertTrue(time.hasSuffix("Z"), "time is not UTC: \(text)", file: file, line: line)
            }
            XCTAssertTrue(
                ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(strings["level"] ?? ""), "level: \(text)",
                file: file, line: line)
            objects.append(strings)
        }
        return objects
    }

    func testJSONLogFormatWritesOnlyJSONLinesOnStderrOfEveryCommand() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)

        let sync = try await h.run(["sync", "--all", "--log-format", "json", "--config", config])
        assertExit(sync, 0)
        _ = jsonLines(sync)

        let window0 = try writeStandardConfig(h, window: 0, name: "window0.toml")
        let run = try await h.run(["run", "--all", "--log-level", "DEBUG", "--log-format", "json", "--config", window0])
        assertExit(run, 0)
        let lines = jsonLines(run)
        // The report stays on stdout, as text.
        XCTAssertTrue(run.stdout.contains("5 dispatched, 0 recovered, 2 skipped, 0 failed"), "\(run)")
        // The dispatches are logged, at info, labelled, with the logger's metadata as fields.
        let queued = lines.filter { $0["message"]?.contains("queued as") == true }
        XCTAssertEqual(queued.count, 5, "\(run)")
        XCTAssertEqual(Set(queued.compactMap { $0["level"] }), ["info"])
        XCTAssertEqual(Set(queued.compactMap { $0["repo"] }), ["alpha", "beta.tools"], "\(queued)")
        XCTAssertTrue(queued.allSatisfy { $0["label"]?.isEmpty == false }, "\(queued)")
        // DEBUG: each HTTP exchange with its method, URL and status as fields of their own.
        let exchanges = lines.filter { $0["method"] != nil && $0["status"] != nil }
        XCTAssertTrue(exchanges.contains { $0["method"] == "POST" && $0["url"]?.contains("buildWithParameters") == true && $0["status"] == "201" },
                      "no Jenkins request logged with its fields:\n\(run.stderr)")
        XCTAssertTrue(exchanges.allSatisfy { $0["level"] == "debug" })

        for command in [["status"], ["diff"], ["run", "--all", "--dry-run"], ["status", "--json"]] {
            let result = try await h.run(command + ["--log-level", "DEBUG", "--log-format", "json", "--config", config])
            XCTAssertTrue([0, 3].contains(result.exitCode), "\(result)")
            _ = jsonLines(result)
        }
        // The secrets check of every output runs in tearDown.
    }

    func testAFailingCommandsErrorIsAJSONLineToo() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)

        let unknown = try await h.run(["run", "--repo", "nope", "--log-format", "json", "--config", config])
        assertExit(unknown, 1)
        let lines = jsonLines(unknown)
        let error = try XCTUnwrap(lines.last, "\(unknown)")
        XCTAssertEqual(error["level"], "error")
        XCTAssertTrue(error["message"]?.contains("No repository 'nope'") == true, "\(error)")

        // A missing config file is reported after logging is set up, so in JSON as well.
        let missing = h.root.appendingPathComponent("missing.toml").path
        let noConfig = try await h.run(["status", "--log-format", "json", "--config", missing])
        assertExit(noConfig, 1)
        XCTAssertTrue(jsonLines(noConfig).contains { $0["level"] == "error" && $0["message"]?.contains(missing) == true }, "\(noConfig)")

        // Wrong credentials: a repository error, one line per repository, all JSON.
        let wrong = try writeStandardConfig(h, name: "wrong.toml") { $0.githubToken = Self.wrongGithubToken }
        let denied = try await h.run(["run", "--all", "--keep-going", "--log-format", "json", "--config", wrong])
        assertExit(denied, 1)
        let errors = jsonLines(denied).filter { $0["level"] == "error" }
        XCTAssertTrue(errors.contains { $0["message"]?.hasPrefix("coordinator: beta.tools: ") == true }, "\(denied)")
    }

    func testTextIsTheDefaultAndAnUnknownFormatIsAUsageError() async throws {
        let h = try await start()
        let config = try writeStandardConfig(h)

        let text = try await h.run(["sync", "--all", "--log-level", "DEBUG", "--config", config])
        assertExit(text, 0)
        let lines = text.stderr.split(separator: "\n")
        XCTAssertFalse(lines.isEmpty, "\(text)")
        XCTAssertTrue(lines.allSatisfy { !$0.hasPrefix("{") }, "\(text)")
        XCTAssertTrue(lines.contains { $0.contains(" debug ") }, "\(text)")

        let bad = try await h.run(["sync", "--all", "--log-format", "xml", "--config", config])
        assertExit(bad, 2)
        assertContains(bad.stderr, ["--log-format", "text", "json"], bad)
    }
}
