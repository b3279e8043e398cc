import Coordinator
import Foundation
import Sandbox
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `coordinator console --server` as operators use it: `coordinator serve` as its own process
/// with webhooks from an in-process Sandbox, and three consoles attached to it in tmux (alice and
/// bob may operate, rita may only read). Two operators race for one dispatch; a relabel on GitHub
/// reaches every console without a key; serve restarts under the consoles; a read token makes a
/// console read-only and a wrong one is refused; no token is ever shown or written.
final class ConsoleAttachEndToEndTests: XCTestCase {
    static let githubToken = "ghp_console_attach_e2e_7c41"
    static let jenkinsToken = "jenkins-console-attach-e2e-2b9d"
    static let webhookSecret = "console-attach-e2e-webhook-5e08"
    static let tokens = [
        "alice": "e2e-attach-alice-operate-4b1f93",
        "bob": "e2e-attach-bob-operate-8c2d17",
        "rita": "e2e-attach-rita-read-1e7a55",
    ]
    static let wrongToken = "e2e-attach-nobody-guess-9f30c2"
    static let pickup = "status-02:awaiting-planning"
    static let busy = "03:planning"
    static let titles = [1: "Plan the retry queue", 2: "Cache issues per repository", 3: "Add keep-going to runs"]

    private var server: SandboxServer?
    private var tmux: TmuxSession?
    private var directory: URL?
    private var serves: [ServeProcess] = []

    private static var packageRoot: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    override func tearDown() async throws {
        tmux?.kill()
        for serve in serves { await serve.killAndReap() }
        await server?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: The test

    func testTwoOperatorsRaceOneDispatchEveryConsoleFollowsServeAcrossARestartAndTokensStayHidden() async throws {
        let started = ContinuousClock.now
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let scenario = Scenario(
            github: .init(
                tokens: [.init(token: Self.githubToken)],
                repositories: [.init(owner: "acme", name: "demo", issues: [
                    Scenario.Issue(number: 1, title: Self.titles[1]!, labels: ["status-01:created"], createdAt: "2026-11-20T08:00:00Z"),
                    Scenario.Issue(number: 2, title: Self.titles[2]!, labels: ["status-01:created"], createdAt: "2026-11-20T08:01:00Z"),
                    Scenario.Issue(number: 3, title: Self.titles[3]!, labels: ["status-01:created"], createdAt: "2026-11-20T08:02:00Z"),
                ])]),
            jenkins: .init(
                users: [.init(username: "bot", apiToken: Self.jenkinsToken)], buildDurationMs: 600_000,
                jobs: [.init(path: "Coordinator/demo/executor")]))
        let server = try await SandboxServer.start(scenario: scenario, host: "127.0.0.1", port: 0)
        self.server = server
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-attach-e2e-\(UUID().uuidString)")
        self.directory = directory
        let cache = directory.appendingPathComponent("cache")
        let state = directory.appendingPathComponent("state")
        for folder in [cache, state, directory.appendingPathComponent("home")] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let configPath = directory.appendingPathComponent("config.toml").path
        try writeConfig(to: configPath, server: server, cache: cache)

        // serve, first start: it announces the port it got; its start-up poll fills the cache.
        let first = try await launchServe(binary: binary, config: configPath, listen: nil, log: directory.appendingPathComponent("serve-1.log"))
        let port = first.port
        let url = "http://127.0.0.1:\(port)"
        try await waitUntil("serve's start-up poll done", timeout: .seconds(20), detail: first.process.log) {
            try await self.startUpPollDone(url)
        }
        // #1 becomes eligible while no webhook is registered, so serve does not act on it: it is
        // the operators' to dispatch. From here on GitHub tells serve about every change.
        _ = await server.setLabels(owner: "acme", repo: "demo", number: 1, labels: [Self.pickup])
        try server.addWebhook(url: "\(url)/webhooks/github", secret: Self.webhookSecret)

        let tmux = TmuxSession(prefix: "coordinator-attach-e2e")
        self.tmux = tmux
        for name in ["alice", "bob", "rita"] {
            try openConsole(name, token: Self.tokens[name]!, url: url, binary: binary, state: state)
        }
        try openConsole("nobody", token: Self.wrongToken, url: url, binary: binary, state: state)

        // 1. Every console lists the eligible #1, attached to serve under its operator's name.
        for name in ["alice", "bob", "rita"] {
            _ = try await waitForScreen(name, "\(name)'s console listing #1, attached") { screen in
                Self.header(screen).contains("serve 127.0.0.1:\(port) as \(name)") && Self.row(screen, 1) != nil
            }
        }

        // 4. rita's token is read-only: the header says so and d is refused with the reason.
        var screen = self.screen("rita")
        XCTAssertTrue(Self.header(screen).contains("READ-ONLY"), screen)
        for name in ["alice", "bob"] { XCTAssertFalse(Self.header(self.screen(name)).contains("READ-ONLY"), self.screen(name)) }
        try tmux.run("send-keys", "-t", "rita", "d")
        _ = try await waitForScreen("rita", "rita's dispatch refused") {
            $0.contains("read-only: dispatch is disabled (operator rita has role read on serve)")
        }
        XCTAssertFalse(self.screen("rita").contains("Dispatch #1"), "no confirmation for a read-only console")
        // A wrong token: refused before the screen is taken, exit 1 (in tmux as well: without a
        // terminal the console stops earlier, with exit 2).
        screen = try await waitForScreen("nobody", "the wrong token refused", timeout: 15) { $0.contains("exit=") }
        XCTAssertTrue(screen.contains("refused the token"), screen)
        XCTAssertTrue(screen.contains("exit=1"), screen)

        // 1. alice and bob both confirm the dispatch of #1, the two `y` in one tmux command.
        try tmux.run("send-keys", "-t", "alice", "d", ";", "send-keys", "-t", "bob", "d")
        for name in ["alice", "bob"] {
            _ = try await waitForScreen(name, "\(name)'s confirmation") { $0.contains("Dispatch #1") }
        }
        try tmux.run("send-keys", "-t", "alice", "y", ";", "send-keys", "-t", "bob", "y")
        var outcomes: [String: String] = [:]
        try await waitUntil("both dispatches answered", timeout: .seconds(20), interval: .milliseconds(50),
                            detail: "alice:\n\(self.screen("alice"))\nbob:\n\(self.screen("bob"))") {
            for name in ["alice", "bob"] where outcomes[name] == nil {
                let screen = self.screen(name)
                if screen.contains("dispatched #1") { outcomes[name] = "dispatched" }
                if let line = screen.split(separator: "\n").first(where: { $0.contains("skipped #1") }) { outcomes[name] = String(line) }
            }
            return outcomes.count == 2
        }
        let winners = outcomes.filter { $0.value == "dispatched" }.map(\.key)
        XCTAssertEqual(winners.count, 1, "exactly one console dispatched: \(outcomes)")
        let winner = winners.first ?? "alice"
        let loser = winner == "alice" ? "bob" : "alice"
        XCTAssertTrue(outcomes[loser]?.contains("skipped #1") == true, "\(outcomes)")
        var builds = await server.builds()
        XCTAssertEqual(builds.count, 1, "one build for two confirmations: \(builds)")
        XCTAssertEqual(builds.first?.jobPath, "Coordinator/demo/executor")

        // The loser's detail of #1 (all view, first row) names who dispatched it.
        for name in ["alice", "bob"] {
            try tmux.run("send-keys", "-t", name, "v", "v", "v", "g")
        }
        let loserScreen = try await waitForScreen(loser, "\(loser)'s detail naming the dispatcher") { screen in
            screen.contains("view: all cached") && screen.contains("#1 detail") && screen.contains("by \(winner) (api)")
        }
        XCTAssertFalse(loserScreen.contains("by \(loser) (api)"), loserScreen)
        _ = try await waitForScreen(winner, "\(winner)'s own detail of #1") { screen in
            screen.contains("view: all cached") && screen.contains("#1 detail") && screen.contains("by \(winner) (api)")
        }
        let ledger = try Self.files(under: cache).filter { $0.lastPathComponent.hasSuffix(".dispatches.jsonl") }
        XCTAssertEqual(ledger.count, 1, "\(ledger)")
        let ledgerText = try ledger.map { try String(contentsOf: $0, encoding: .utf8) }.joined()
        XCTAssertTrue(ledgerText.contains("\"\(winner) (api)\""), ledgerText)
        XCTAssertFalse(ledgerText.contains("\(loser) (api)"), ledgerText)

        // 2. A relabel on GitHub: serve dispatches #2, and both consoles show it within a second.
        let relabelSeconds = try await relabelAndWatch(2, url: server.controlURL)
        XCTAssertLessThanOrEqual(relabelSeconds, 1.0, "#2's dispatch reached both consoles in \(relabelSeconds) s")
        builds = await server.builds()
        XCTAssertEqual(builds.count, 2, "\(builds)")

        // 3. serve stops: both consoles say their data is stale...
        first.process.send(SIGTERM)
        let stopped = await first.process.waitForExit(timeout: .seconds(20))
        XCTAssertEqual(stopped, 0, "serve's exit status after SIGTERM:\n\(first.process.log)")
        for name in ["alice", "bob"] {
            _ = try await waitForScreen(name, "\(name)'s header stale", timeout: 10) { Self.header($0).contains("STALE: serve lost") }
        }
        // ...serve starts again on the same port, and they come back by themselves.
        let second = try await launchServe(
            binary: binary, config: configPath, listen: "127.0.0.1:\(port)", log: directory.appendingPathComponent("serve-2.log"))
        XCTAssertEqual(second.port, port)
        for name in ["alice", "bob"] {
            _ = try await waitForScreen(name, "\(name) reattached", timeout: 20) { screen in
                let header = Self.header(screen)
                return header.contains("serve 127.0.0.1:\(port) as \(name)") && !header.contains("STALE")
            }
        }
        _ = try await relabelAndWatch(3, url: server.controlURL, timeout: 10)
        builds = await server.builds()
        XCTAssertEqual(builds.count, 3, "one build per issue across the restart: \(builds)")
        second.process.send(SIGTERM)
        let secondStopped = await second.process.waitForExit(timeout: .seconds(20))
        XCTAssertEqual(secondStopped, 0, "serve's exit status after SIGTERM:\n\(second.process.log)")

        // No token anywhere: screens, serve's output, the cache and state directories.
        var haystacks: [(String, String)] = ["alice", "bob", "rita", "nobody"].map { ("\($0)'s screen", self.screen($0)) }
        haystacks += seenScreens.enumerated().map { ("screen seen \($0.offset)", $0.element) }
        for serve in [first, second] { haystacks.append(("serve's output \(serve.process.logURL.lastPathComponent)", serve.process.log)) }
        for file in try Self.files(under: cache) + Self.files(under: state) {
            haystacks.append((file.path, String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)))
        }
        XCTAssertTrue(haystacks.contains { $0.0.hasSuffix("console.log") }, "the attached consoles log under XDG_STATE_HOME")
        for token in Array(Self.tokens.values) + [Self.wrongToken] {
            for (place, text) in haystacks where text.contains(token) {
                XCTFail("a token appears in \(place)")
            }
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(40))
    }

    // MARK: Consoles

    /// Every screen a wait ended on, checked for tokens at the end.
    private var seenScreens: [String] = []

    private func openConsole(_ name: String, token: String, url: String, binary: String, state: URL) throws {
        // Colour on (`swift test` sets NO_COLOR); the console's log goes under the test's directory.
        let command = "env -u NO_COLOR LANG=C.UTF-8 TERM=xterm-256color XDG_STATE_HOME=\(state.path) COORDINATOR_API_TOKEN=\(token) "
            + "\(binary) console --server \(url); echo exit=$?; sleep 600"
        try tmux!.run("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command)
    }

    private func screen(_ session: String) -> String {
        (try? tmux?.run("capture-pane", "-p", "-J", "-t", session)) ?? ""
    }

    private func waitForScreen(
        _ session: String, _ what: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line,
        _ predicate: (String) -> Bool
    ) async throws -> String {
        var screen = ""
        try await waitUntil(what, timeout: .seconds(timeout), interval: .milliseconds(50), file: file, line: line,
                            detail: "\(session)'s screen was:\n\(screen)") {
            screen = self.screen(session)
            guard predicate(screen) else { return false }
            // A capture may land while curses is still painting a frame: the screen returned is
            // one taken a moment later, for which the predicate holds too.
            try? await Task.sleep(for: .milliseconds(40))
            screen = self.screen(session)
            return predicate(screen)
        }
        seenScreens.append(screen)
        return screen
    }

    static func header(_ screen: String) -> String {
        String(screen.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// The issues pane's row of `number`, when listed.
    static func row(_ screen: String, _ number: Int) -> String? {
        screen.split(separator: "\n").first { $0.contains("#\(number) ") && $0.contains(titles[number]!.prefix(20)) && !$0.contains("detail") }
            .map(String.init)
    }

    /// Whether the row of `number` shows the busy label in both the Cached and the Live column.
    static func showsDispatched(_ screen: String, _ number: Int) -> Bool {
        guard let row = row(screen, number) else { return false }
        return row.components(separatedBy: busy).count - 1 >= 2
    }

    /// Relabels `number` to the pickup label through the Sandbox's control API, as a human on
    /// github.com would, and returns the seconds until both alice's and bob's consoles show it
    /// dispatched (polled every 50 ms, no key pressed).
    private func relabelAndWatch(_ number: Int, url controlURL: String, timeout: TimeInterval = 5) async throws -> Double {
        var request = URLRequest(url: try XCTUnwrap(URL(string: "\(controlURL)/repos/acme/demo/issues/\(number)/labels")))
        request.httpMethod = "PUT"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["labels": [Self.pickup]])
        let clock = ContinuousClock.now
        let (data, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, String(decoding: data, as: UTF8.self))
        var seen: [String: Double] = [:]
        try await waitUntil("#\(number) dispatched in both consoles", timeout: .seconds(timeout), interval: .milliseconds(50),
                            detail: "alice:\n\(self.screen("alice"))\nbob:\n\(self.screen("bob"))") {
            for name in ["alice", "bob"] where seen[name] == nil {
                let screen = self.screen(name)
                if Self.showsDispatched(screen, number) {
                    let elapsed = ContinuousClock.now - clock
                    seen[name] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    seenScreens.append(screen)
                }
            }
            return seen.count == 2
        }
        return seen.values.max() ?? .infinity
    }

    // MARK: serve

    private func writeConfig(to path: String, server: SandboxServer, cache: URL) throws {
        var operators = ""
        for (name, role) in [("alice", "operate"), ("bob", "operate"), ("rita", "read")] {
            let digest = TokenDigest(of: Self.tokens[name]!).bytes.map { String(format: "%02x", $0) }.joined()
            operators += "[serve.operators.\(name)]\ntoken_sha256 = \"\(digest)\"\nrole = \"\(role)\"\n"
        }
        try """
            [github]
            token = "\(Self.githubToken)"
            api_url = "\(server.githubAPIURL)"

            [jenkins]
            server_url = "\(server.jenkinsURL)"
            username = "bot"
            api_token = "\(Self.jenkinsToken)"

            [coordinator]
            cache_dir = "\(cache.path)"
            write_spacing_ms = 0

            [coordinator.repos."demo"]
            repo_url = "https://github.com/acme/demo.git"
            executor_job_path = "Coordinator/demo/executor"
            github_credentials_id = "github-pat"

            [serve]
            webhook_secret = "\(Self.webhookSecret)"
            listen = "127.0.0.1:0"
            poll_seconds = 0
            \(operators)
            """.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Starts `coordinator serve` and waits for the port it announces.
    private func launchServe(binary: String, config: String, listen: String?, log: URL) async throws -> (process: ServeProcess, port: Int) {
        var arguments = ["serve", "--config", config]
        if let listen { arguments += ["--listen", listen] }
        let home = directory!.appendingPathComponent("home").path
        let environment = [
            "HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "USER": "e2e", "LANG": "C.UTF-8",
        ]
        let serve = try ServeProcess(binary: binary, arguments: arguments, environment: environment, logURL: log)
        serves.append(serve)
        var port: Int?
        try await waitUntil("serve announces its port", timeout: .seconds(30), interval: .milliseconds(50), detail: serve.log) {
            if !serve.isRunning { return true }
            let text = serve.log
            guard let range = text.range(of: "serving on http://127.0.0.1:") else { return false }
            port = Int(text[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        guard let port else { throw TmuxError("serve did not start:\n\(serve.log)") }
        return (serve, port)
    }

    /// Whether serve's `/api/repos` reports a finished poll of demo.
    private func startUpPollDone(_ url: String) async throws -> Bool {
        var request = URLRequest(url: try XCTUnwrap(URL(string: "\(url)/api/repos")))
        request.setValue("Bearer \(Self.tokens["alice"]!)", forHTTPHeaderField: "Authorization")
        guard let answer = try? await URLSession.shared.data(for: request), (answer.1 as? HTTPURLResponse)?.statusCode == 200 else {
            return false
        }
        return Self.containsString(forKey: "last_poll", in: try JSONSerialization.jsonObject(with: answer.0))
    }

    private static func containsString(forKey key: String, in json: Any) -> Bool {
        if let object = json as? [String: Any] {
            if object[key] is String { return true }
            return object.values.contains { containsString(forKey: key, in: $0) }
        }
        if let array = json as? [Any] { return array.contains { containsString(forKey: key, in: $0) } }
        return false
    }

    static func files(under folder: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }
}

/// `coordinator serve` as a child process, its output going to a file the test reads while it
/// runs. Killed and reaped on teardown at the latest.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL

    init(binary: String, arguments: [String], environment: [String: String], logURL: URL) throws {
        self.logURL = logURL
        FileManager.default.createFile(atPath: logURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let output = try FileHandle(forWritingTo: logURL)
        defer { try? output.close() }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// The exit status once it ended (a signal's number when it died of one), nil after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    func killAndReap() async {
        send(SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
    }
}
