import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `coordinator demo` driven through tmux, which gives it a real terminal: the screen is read
/// with `capture-pane`, the Sandbox's `/_sandbox/` API and the cache file say what really happened.
final class ConsoleEndToEndTests: XCTestCase {
    private var tmuxSocket = "coordinator-e2e-\(UUID().uuidString.prefix(8))"
    private var workdir = ""

    private static var packageRoot: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    override func setUpWithError() throws {
        workdir = NSTemporaryDirectory() + "coordinator-e2e-\(UUID().uuidString)"
    }

    override func tearDown() {
        _ = try? tmux("kill-server")
        // tmux leaves the socket file of a killed server behind.
        let socketDirectory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(socketDirectory)/tmux-\(getuid())/\(tmuxSocket)")
        try? FileManager.default.removeItem(atPath: workdir)
    }

    func testDemoShowsStaleRowsDispatchesOnceAndRestoresTheTerminal() async throws {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let port = try LoopbackPort.free()
        let command = "env LANG=C.UTF-8 TERM=xterm-256color \(binary) demo --port \(port) --workdir \(workdir); echo \"demo exit status $?\"; sleep 600"
        try tmux("new-session", "-d", "-x", "120", "-y", "40", command)

        // The stale cache is visible as soon as the live data is in.
        var screen = try await waitFor("live data for every repo") { $0.components(separatedBy: "updated ").count > 3 }
        XCTAssertTrue(screen.contains("sandbox http://127.0.0.1:\(port)"), screen)
        XCTAssertTrue(screen.contains("≠ #104 Plan: split the dispatcher"), screen)
        XCTAssertTrue(screen.contains("(new)"), screen)
        XCTAssertTrue(screen.contains("🔁"), screen)
        try keys("v")
        // Wait for the whole frame, not just its header: tmux can show a frame half painted.
        screen = try await waitFor("stale view") { $0.contains("view: stale") && $0.contains("(gone)") }
        // Every repo's stale entries, most harmful first: the two the cache would dispatch again
        // (a closed issue, one a human took back to review), then the two it would miss.
        let rows = screen.split(separator: "\n").map(String.init)
        func row(_ text: String) -> Int? { rows.firstIndex { $0.contains(text) } }
        let closed = try XCTUnwrap(row("mcp_coder #118 Add --keep-going"), screen)
        let reviewed = try XCTUnwrap(row("web.site  #3   Fix broken"), screen)
        let approved = try XCTUnwrap(row("mcp_coder #104 Plan: split"), screen)
        XCTAssertTrue(rows[reviewed].contains("would dispatch again"), rows[reviewed])
        XCTAssertTrue(rows[closed].contains("would dispatch again"), rows[closed])
        XCTAssertTrue(rows[approved].contains("would miss"), rows[approved])
        XCTAssertLessThan(reviewed, closed, "by number within a consequence, across repos")
        XCTAssertLessThan(closed, approved)
        XCTAssertTrue(rows[closed].contains("(gone)"), rows[closed])
        XCTAssertTrue(screen.contains("impact  would dispatch again"), screen)
        try keys("v", "v", "v", "g")
        _ = try await waitFor("eligible view") { $0.contains("view: eligible") }

        // The dry-run plan of the first eligible issue.
        try keys("p")
        screen = try await waitFor("the plan") { $0.contains("BRANCH_NAME") && $0.contains("109-lock-handling") }
        XCTAssertTrue(screen.contains("#109 detail"), screen)

        // Dispatch it: a confirmation first, then y.
        try keys("d")
        // The whole dialog: a capture may land while curses is still drawing it.
        screen = try await waitFor("the confirmation, with its label move") {
            $0.contains("Confirm dispatch") && $0.contains("Dispatch #109") && $0.contains("status-08:ready-pr → status-09:pr-creating")
        }
        try keys("y")
        _ = try await waitFor("the dispatch result") { $0.contains("dispatched #109") }

        // Exactly one build, with the plan's parameters; the labels moved on GitHub and in the cache.
        let builds = try await sandboxJSON(port, "/_sandbox/builds") as? [[String: Any]] ?? []
        XCTAssertEqual(builds.count, 1)
        let build = try XCTUnwrap(builds.first)
        XCTAssertEqual(build["job_path"] as? String, "Coordinator/mcp_coder/executor")
        let parameters = build["parameters"] as? [String: String] ?? [:]
        XCTAssertEqual(parameters["BRANCH_NAME"], "109-lock-handling")
        XCTAssertEqual(parameters["REPO_URL"], "https://github.com/acme/mcp_coder.git")
        XCTAssertEqual(parameters["GITHUB_CREDENTIALS_ID"], "github-pat")
        XCTAssertTrue(parameters["COMMAND"]?.contains("mcp-coder --log-level INFO create-pr 109 ") ?? false, "\(parameters)")
        let issue = try await sandboxJSON(port, "/_sandbox/repos/acme/mcp_coder/issues/109") as? [String: Any]
        XCTAssertEqual(issue?["labels"] as? [String], ["status-09:pr-creating"])
        let cacheURL = URL(fileURLWithPath: workdir).appendingPathComponent("cache/github_com_acme_mcp_coder.issues.json")
        let cache = try JSONSerialization.jsonObject(with: Data(contentsOf: cacheURL)) as? [String: Any]
        let cachedIssue = (cache?["issues"] as? [String: Any])?["109"] as? [String: Any]
        XCTAssertEqual(cachedIssue?["labels"] as? [String], ["status-09:pr-creating"])

        // A second d on the same issue is refused, and nothing more is started.
        screen = try await waitFor("the dispatched marker") { $0.contains("→ #109") }
        try keys("d")
        screen = try await waitFor("the refusal") { $0.contains("#109 cannot be dispatched") }
        XCTAssertFalse(screen.contains("Confirm dispatch"), screen)
        let buildsAfter = try await sandboxJSON(port, "/_sandbox/builds") as? [[String: Any]] ?? []
        XCTAssertEqual(buildsAfter.count, 1)

        // Resizing redraws the layout, down to the "too small" screen and back.
        try tmux("resize-window", "-t", "0", "-x", "80", "-y", "24")
        screen = try await waitFor("the 80x24 layout") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count >= 24 && lines[1].hasSuffix("┐") && lines[1].count == 80 && screen.contains("Issues · mcp_coder")
        }
        try tmux("resize-window", "-t", "0", "-x", "50", "-y", "12")
        _ = try await waitFor("the too-small screen") { $0.contains("Terminal too small") }
        try tmux("resize-window", "-t", "0", "-x", "120", "-y", "40")
        _ = try await waitFor("the full layout again") { $0.contains("Issues · mcp_coder") && !$0.contains("too small") }

        // q restores the terminal: the console's screen is gone, the demo's closing message is there.
        try keys("q")
        screen = try await waitFor("the exit message") { $0.contains("demo exit status") }
        XCTAssertTrue(screen.contains("coordinator demo closed"), screen)
        XCTAssertTrue(screen.contains("demo exit status 0"), screen)
        XCTAssertFalse(screen.contains("┌─ Repos"), screen)
    }

    func testHListsADispatchOfCoordinatorRunAndOneOfTheConsoleWithWhoMadeEach() async throws {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let port = try LoopbackPort.free()
        // No display: `o` shows the URL in the footer instead of starting a browser.
        let command = "env -u DISPLAY -u WAYLAND_DISPLAY LANG=C.UTF-8 TERM=xterm-256color \(binary) demo --port \(port) --workdir \(workdir); echo \"demo exit status $?\"; sleep 600"
        try tmux("new-session", "-d", "-x", "160", "-y", "40", command)
        _ = try await waitFor("live data for every repo") { $0.components(separatedBy: "updated ").count > 3 }

        // The console dispatches #109.
        try keys("d")
        _ = try await waitFor("the confirmation") { $0.contains("Dispatch #109") }
        try keys("y")
        _ = try await waitFor("the dispatch result") { $0.contains("dispatched #109") }

        // ... and unsticks it from the busy view: back to its pickup label.
        try keys("v", "v", "/")
        try keys("1", "0", "9", "Enter")
        _ = try await waitFor("#109 in the busy view") { $0.contains("view: busy") && $0.contains("#109") }
        try keys("u")
        _ = try await waitFor("the unstick choice") { $0.contains("Unstick #109") }
        try keys("p")
        _ = try await waitFor("the confirmation") { $0.contains("Confirm unstick") }
        try keys("y")
        _ = try await waitFor("the unstick result") { $0.contains("#109 unstuck: status-09:pr-creating → status-08:ready-pr") }
        try keys("/", "Escape", "v", "v")
        _ = try await waitFor("the eligible view") { $0.contains("view: eligible") }

        // A cron-like `coordinator run` on the same config and cache dispatches what else is eligible.
        var environment = ProcessInfo.processInfo.environment
        for name in ["GITHUB_TOKEN", "JENKINS_URL", "JENKINS_USER", "JENKINS_TOKEN", "COORDINATOR_CONFIG"] { environment[name] = nil }
        let config = URL(fileURLWithPath: workdir).appendingPathComponent("config.toml").path
        let (status, output) = try ChildProcess.run([binary, "run", "--config", config, "--all", "--force-refresh"], environment: environment)
        XCTAssertEqual(status, 0, output)

        // H: both, newest first, each with who made it.
        try keys("H")
        var screen = try await waitFor("the history with both dispatches") { screen in
            screen.contains("view: history") && screen.contains("(run) ") && screen.contains("(console) ")
        }
        let rows = screen.split(separator: "\n").map(String.init)
        let console = try XCTUnwrap(rows.firstIndex { $0.contains("#109") && $0.contains("(console) ") && !$0.contains("unstick") }, screen)
        let unstick = try XCTUnwrap(rows.firstIndex { $0.contains("#109") && $0.contains("unstick") && $0.contains("(console) ") }, screen)
        let run = try XCTUnwrap(rows.firstIndex { $0.contains("(run) ") }, screen)
        XCTAssertLessThan(run, unstick, "newest first: the run came last")
        XCTAssertLessThan(unstick, console, "the unstick came after the console's dispatch")
        XCTAssertTrue(rows[console].contains("status-08:ready-pr → "), rows[console])

        // The filter narrows it to the run's dispatches; Enter shows one in full.
        try keys("/")
        try keys("(", "r", "u", "n", ")", "Enter")
        screen = try await waitFor("only the run's dispatches") { $0.contains("/(run)") && !$0.contains("(console) ") }
        try keys("Enter")
        screen = try await waitFor("the detail of the run's dispatch") { $0.contains("by ") && $0.contains("(run)") && $0.contains("dispatch   ") }

        // o without a display: the footer shows the URL.
        try keys("o")
        screen = try await waitFor("the URL in the footer") { screen in
            screen.split(separator: "\n").suffix(2).contains { $0.contains(": http") }
        }
        XCTAssertTrue(screen.contains("github.com/acme/") || screen.contains("/job/"), screen)

        // Esc twice: back to the issues.
        try keys("Escape", "Escape")
        _ = try await waitFor("the issues again") { $0.contains("view: eligible") && $0.contains("Issues · ") }
        try keys("q")
        screen = try await waitFor("the exit message") { $0.contains("demo exit status") }
        XCTAssertTrue(screen.contains("demo exit status 0"), screen)
    }

    func testDemoWithServeShowsAHumansRelabelDispatchedWithinSeconds() async throws {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let port = try LoopbackPort.free()
        let command = "env LANG=C.UTF-8 TERM=xterm-256color \(binary) demo --serve --port \(port) --workdir \(workdir); echo \"demo exit status $?\"; sleep 600"
        try tmux("new-session", "-d", "-x", "160", "-y", "40", command)
        var screen = try await waitFor("serve in the header") { $0.contains("serve http://127.0.0.1:") && $0.components(separatedBy: "updated ").count > 3 }

        // A human moves one triaged issue to a pickup label, as GitHub's web page would.
        let moved = try await sandboxJSON(port, "/_sandbox/relabel", method: "POST", body: #"{"repo":"acme/mcp_coder","number":112}"#)
        let number = try XCTUnwrap((moved as? [String: Any])?["number"] as? Int)
        XCTAssertEqual(number, 112)
        try keys("v", "v", "v")
        screen = try await waitFor("#112 busy, in the cache and live, without a key pressed") { screen in
            screen.contains("view: all") && screen.split(separator: "\n").contains { line in
                line.contains("#112") && line.components(separatedBy: "03:planning").count == 3
            }
        }
        let builds = try await sandboxJSON(port, "/_sandbox/builds") as? [[String: Any]] ?? []
        let for112 = builds.filter { (($0["parameters"] as? [String: String])?["COMMAND"] ?? "").contains("create-plan 112 ") }
        XCTAssertEqual(for112.count, 1, "\(builds)")
        let deliveries = try await sandboxJSON(port, "/_sandbox/webhooks/deliveries") as? [[String: Any]] ?? []
        XCTAssertTrue(deliveries.contains { $0["issue"] as? Int == 112 && $0["http_status"] as? Int == 202 }, "\(deliveries)")

        try keys("q")
        screen = try await waitFor("the exit message") { $0.contains("demo exit status") }
        XCTAssertTrue(screen.contains("demo exit status 0"), screen)
    }

    func testABuildThatFailedShowsStuckInTheBusyViewAndUnstickGivesThePickupLabelBack() async throws {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let port = try LoopbackPort.free()
        let command = "env -u NO_COLOR LANG=C.UTF-8 TERM=xterm-256color \(binary) demo --port \(port) --workdir \(workdir); echo \"demo exit status $?\"; sleep 600"
        try tmux("new-session", "-d", "-x", "120", "-y", "40", command)
        _ = try await waitFor("live data for every repo") { $0.components(separatedBy: "updated ").count > 3 }

        // Dispatch #109, and make its build fail the moment Jenkins has it (the demo's builds
        // succeed after 2.5 s unless told otherwise).
        try keys("d")
        _ = try await waitFor("the confirmation") { $0.contains("Dispatch #109") }
        try keys("y")
        var queueID: Int?
        try await waitUntil("the build of #109 in Jenkins", timeout: .seconds(60), interval: .milliseconds(20)) {
            let builds = (try? await self.sandboxJSON(port, "/_sandbox/builds")) as? [[String: Any]] ?? []
            queueID = builds.first { (($0["parameters"] as? [String: String])?["COMMAND"] ?? "").contains("create-pr 109 ") }?["queue_id"] as? Int
            return queueID != nil
        }
        let failed = try await sandboxJSON(
            port, "/_sandbox/jenkins/queue/\(try XCTUnwrap(queueID))/result", method: "POST", body: #"{"result":"FAILURE","finish":true}"#)
        XCTAssertEqual((failed as? [String: Any])?["result"] as? String, "FAILURE", "\(failed)")
        _ = try await waitFor("the dispatch result") { $0.contains("dispatched #109") }

        // The busy view: #109 holds status-09:pr-creating, its build failed, so it is stuck.
        try keys("v", "v", "/")
        try keys("1", "0", "9", "Enter")
        var screen = try await waitFor("#109 stuck after its failed build") { screen in
            // The whole filter typed and Enter taken, so #109 is the only row and the selected one.
            screen.contains("view: busy") && screen.contains("filter: 109") && !screen.contains("Enter keeps the filter")
                && screen.split(separator: "\n").contains { $0.contains("✗ failure") && $0.contains("#109") }
        }
        screen = try await waitFor("#109's detail") { $0.contains("stuck   ✗ build ended (failure)") }
        // The issue's URL is written over as an OSC 8 hyperlink (colour is on: `swift test` sets
        // NO_COLOR, the command unsets it; TERM is not a plain one): the text stays the same and
        // nothing of the sequence shows.
        XCTAssertTrue(screen.contains("links   https://github.com/acme/mcp_coder/issues/109  "), screen)
        XCTAssertFalse(screen.contains("8;;"), screen)

        // u, the pickup label, then y on the confirmation naming the exact move.
        try keys("u")
        // Each dialog whole: a capture may land while curses is still drawing it.
        _ = try await waitFor("the unstick choice, with both moves") {
            $0.contains("Unstick #109") && $0.contains("give the pickup label back")
                && $0.contains("status-09:pr-creating → status-09f:pr-creating-failed")
        }
        try keys("p")
        _ = try await waitFor("the confirmation, naming the move") {
            $0.contains("Confirm unstick") && $0.contains("#109 status-09:pr-creating → status-08:ready-pr")
        }
        try keys("y")
        _ = try await waitFor("the unstick result") { $0.contains("#109 unstuck: status-09:pr-creating → status-08:ready-pr") }

        // GitHub, the cache and the ledger agree; one build only.
        let issue = try await sandboxJSON(port, "/_sandbox/repos/acme/mcp_coder/issues/109") as? [String: Any]
        XCTAssertEqual(issue?["labels"] as? [String], ["status-08:ready-pr"])
        let cacheDirectory = URL(fileURLWithPath: workdir).appendingPathComponent("cache")
        let cache = try JSONSerialization.jsonObject(with: Data(contentsOf: cacheDirectory.appendingPathComponent("github_com_acme_mcp_coder.issues.json"))) as? [String: Any]
        XCTAssertEqual(((cache?["issues"] as? [String: Any])?["109"] as? [String: Any])?["labels"] as? [String], ["status-08:ready-pr"])
        let ledger = try String(contentsOf: cacheDirectory.appendingPathComponent("github_com_acme_mcp_coder.dispatches.jsonl"), encoding: .utf8)
        XCTAssertTrue(ledger.contains(#""event":"reset""#), ledger)
        let builds = try await sandboxJSON(port, "/_sandbox/builds") as? [[String: Any]] ?? []
        XCTAssertEqual(builds.count, 1)

        // It is eligible again: gone from the busy view, listed eligible with its pickup label live.
        screen = try await waitFor("#109 gone from the busy view") { $0.contains("view: busy") && $0.contains("no busy issue matches the filter") }
        try keys("v", "v")
        screen = try await waitFor("#109 eligible again") { screen in
            screen.contains("view: eligible") && screen.contains("rule    eligible → create-pr")
                && screen.split(separator: "\n").contains { $0.contains("#109") && $0.components(separatedBy: "08:ready-pr").count == 3 }
        }
        XCTAssertTrue(screen.contains("#109 detail"), screen)

        try keys("q")
        screen = try await waitFor("the exit message") { $0.contains("demo exit status") }
        XCTAssertTrue(screen.contains("demo exit status 0"), screen)
    }

    func testWithoutATerminalTheConsoleRefusesWithExitCode2() throws {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        for arguments in [[], ["console"], ["demo"]] {
            // Standard output is a file here, not a terminal.
            let (code, output) = try ChildProcess.run([binary] + arguments, environment: environment)
            XCTAssertEqual(code, 2, "\(arguments): \(output)")
            XCTAssertTrue(output.contains("the console needs a terminal"), output)
            XCTAssertTrue(output.contains("coordinator status"), output)
        }
        environment["TERM"] = "dumb"
        let (code, output) = try ChildProcess.run([binary], environment: environment)
        XCTAssertEqual(code, 2, output)
    }

    /// On a real terminal (tmux) with a `TERM` terminfo does not know, the console refuses as for
    /// `dumb` instead of ncurses printing "Error opening terminal" and exiting by itself.
    func testATermThatTerminfoDoesNotKnowIsRefusedWithExitCode2() async throws {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let command = "env TERM=nonexistent-term \(binary) console; echo \"console exit status $?\"; sleep 600"
        try tmux("new-session", "-d", "-x", "120", "-y", "40", command)
        let screen = try await waitFor("the refusal") { $0.contains("console exit status") }
        XCTAssertTrue(screen.contains("console exit status 2"), screen)
        XCTAssertTrue(screen.contains("the console needs a terminal (terminfo does not know TERM \"nonexistent-term\""), screen)
        XCTAssertFalse(screen.contains("Error opening terminal"), screen)
    }

    // MARK: - tmux and the sandbox

    /// Runs tmux on the test's private socket.
    @discardableResult
    private func tmux(_ arguments: String...) throws -> String {
        let (code, text) = try ChildProcess.run(["tmux", "-L", tmuxSocket] + arguments)
        if code != 0 { throw E2EError("tmux \(arguments.joined(separator: " ")) failed (\(code)): \(text)") }
        return text
    }

    private func keys(_ keys: String...) throws {
        for key in keys { try tmux("send-keys", "-t", "0", key) }
    }

    /// Polls the pane until `predicate` holds; bounded, no fixed sleeps.
    private func waitFor(_ what: String, timeout: TimeInterval = 60, _ predicate: (String) -> Bool) async throws -> String {
        var screen = ""
        try await waitUntil(what, timeout: .seconds(timeout), interval: .milliseconds(100), detail: "the screen was:\n\(screen)") {
            screen = (try? tmux("capture-pane", "-p", "-t", "0")) ?? ""
            guard predicate(screen) else { return false }
            // A capture may land while curses is still painting a frame: the screen returned (the
            // one the caller reads) is one taken a moment later, for which the predicate holds too.
            try? await Task.sleep(for: .milliseconds(40))
            screen = (try? tmux("capture-pane", "-p", "-t", "0")) ?? ""
            return predicate(screen)
        }
        return screen
    }

    private func sandboxJSON(_ port: Int, _ path: String, method: String = "GET", body: String? = nil) async throws -> Any {
        var request = URLRequest(url: try XCTUnwrap(URL(string: "http://127.0.0.1:\(port)\(path)")))
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONSerialization.jsonObject(with: data)
    }
}

private struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
