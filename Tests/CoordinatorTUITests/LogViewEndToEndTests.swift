import Foundation
import Sandbox
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The build log view (`l`) as an operator uses it: `coordinator console` in tmux against a
/// Sandbox whose build runs until the test ends it, its log growing on its own and through the
/// control API, hostile bytes included.
final class LogViewEndToEndTests: XCTestCase {
    static let token = "ghp_log_view_e2e_token_51c2"
    static let jenkinsToken = "jenkins-log-view-e2e-9d1e"
    private var server: SandboxServer?
    private var tmux: TmuxSession?
    private var directory: URL?

    private static var packageRoot: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    override func tearDown() async throws {
        tmux?.kill()
        await server?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func control(_ path: String, body: [UInt8]) async throws -> Any {
        let base = try XCTUnwrap(server?.baseURL)
        var request = URLRequest(url: try XCTUnwrap(URL(string: base + "/_sandbox/" + path)))
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        let (data, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, String(decoding: data, as: UTF8.self))
        return try JSONSerialization.jsonObject(with: data)
    }

    func testTheLogOfARunningBuildIsFollowedSearchedKeptInItsPaneAndShowsTheFailure() async throws {
        let binary = Self.packageRoot.appendingPathComponent(".build/debug/coordinator").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary)")
        let scenario = Scenario(
            github: .init(
                tokens: [.init(token: Self.token)],
                repositories: [.init(owner: "acme", name: "demo", issues: [
                    Scenario.Issue(number: 1, title: "Plan the retry queue", labels: ["status-02:awaiting-planning"], createdAt: "2026-11-20T08:00:00Z"),
                ])]),
            jenkins: .init(
                users: [.init(username: "bot", apiToken: Self.jenkinsToken)], buildDurationMs: 600_000,
                jobs: [.init(path: "Coordinator/demo/executor", log: .init(lines: [
                    "\u{1B}[32m[step]\u{1B}[0m checkout",
                    "\u{1B}[32m[step]\u{1B}[0m compiling module one",
                    "\u{1B}[32m[step]\u{1B}[0m compiling module two",
                ], linesPerSecond: 4))]))
        let server = try await SandboxServer.start(scenario: scenario, host: "127.0.0.1", port: 0)
        self.server = server
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-log-e2e-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("cache"), withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("config.toml").path
        try """
            [github]
            token = "\(Self.token)"
            api_url = "\(server.githubAPIURL)"

            [jenkins]
            server_url = "\(server.jenkinsURL)"
            username = "bot"
            api_token = "\(Self.jenkinsToken)"

            [coordinator]
            cache_dir = "\(directory.appendingPathComponent("cache").path)"
            write_spacing_ms = 0

            [coordinator.repos."demo"]
            repo_url = "https://github.com/acme/demo.git"
            executor_job_path = "Coordinator/demo/executor"
            github_credentials_id = "github-pat"

            """.write(toFile: configPath, atomically: true, encoding: .utf8)

        let tmux = TmuxSession(prefix: "coordinator-log-e2e")
        self.tmux = tmux
        // Colour on (`swift test` sets NO_COLOR), so SGR and hyperlinks take their real paths.
        try tmux.run("new-session", "-d", "-x", "120", "-y", "40",
                     "env -u NO_COLOR LANG=C.UTF-8 TERM=xterm-256color \(binary) console --config \(configPath); sleep 600")
        _ = try await tmux.waitFor("the issue listed") { $0.contains("#1 ") && $0.contains("Plan the retry queue") }
        let title = try tmux.format("#{pane_title}")

        try tmux.run("send-keys", "-t", "0", "d")
        _ = try await tmux.waitFor("the confirmation") { $0.contains("Dispatch #1") }
        try tmux.run("send-keys", "-t", "0", "y")
        _ = try await tmux.waitFor("the dispatch") { $0.contains("dispatched #1") }

        // l: the running build's log at its tail, followed: the scenario's lines arrive on their own.
        try tmux.run("send-keys", "-t", "0", "l")
        var screen = try await tmux.waitFor("the log, followed to its third line") {
            $0.contains("log · demo #1 · build #1 · following") && $0.contains("[step] compiling module two")
        }
        XCTAssertTrue(screen.contains("Started by user"), screen)
        XCTAssertTrue(screen.contains("view: build log"), screen)

        // Lines appended while it runs appear without a key, hostile bytes neutralised.
        let appended = try await control("jenkins/queue/1/log", body: Array("appended while following\n".utf8))
        XCTAssertNotNil((appended as? [String: Any])?["log_size"], "\(appended)")
        _ = try await tmux.waitFor("the appended line") { $0.contains("appended while following") }
        var hostile = Array("\u{1B}]2;pwned-title\u{07}\u{1B}[2J\u{1B}[Hafter the clear\n".utf8)
        hostile += [0x9B] + Array("2Jafter C1 \u{202E}reversed-tail\n".utf8)
        _ = try await control("jenkins/queue/1/log", body: hostile)
        screen = try await tmux.waitFor("the hostile lines, neutralised") { $0.contains("reversed-tail") }
        let lines = screen.components(separatedBy: "\n")
        XCTAssertTrue(lines.first?.contains("Coordinator console · view: build log") ?? false, "the header is untouched:\n\(screen)")
        XCTAssertTrue(screen.contains("after the clear"), screen)
        XCTAssertTrue(screen.contains("appended while following"), "the clear did not clear:\n\(screen)")
        XCTAssertFalse(screen.contains("pwned-title"), screen)
        XCTAssertEqual(try tmux.format("#{pane_title}"), title, "the OSC did not retitle the terminal")
        XCTAssertTrue(lines.contains { $0.hasPrefix("└") && $0.hasSuffix("┘") }, "the pane's bottom border stands:\n\(screen)")

        // / finds a line; the build ends as a failure and the log says so.
        try tmux.run("send-keys", "-t", "0", "/")
        try tmux.run("send-keys", "-t", "0", "-l", "module one")
        try tmux.run("send-keys", "-t", "0", "Enter")
        _ = try await tmux.waitFor("the search done") { !$0.contains("Enter finds it") && $0.contains("compiling module one") }
        _ = try await control("jenkins/queue/1/result", body: Array(#"{"result":"FAILURE","finish":true}"#.utf8))
        try tmux.run("send-keys", "-t", "0", "G")
        screen = try await tmux.waitFor("the failure") { $0.contains("Finished: FAILURE") && $0.contains("· finished") }

        // From the busy view, which lists #1 with its failed build: l shows the same end.
        try tmux.run("send-keys", "-t", "0", "Escape")
        try tmux.run("send-keys", "-t", "0", "v")
        try tmux.run("send-keys", "-t", "0", "v")
        _ = try await tmux.waitFor("#1's failed build in the busy view") { screen in
            screen.contains("view: busy") && screen.split(separator: "\n").contains { $0.contains("#1 failure") && $0.contains("Plan the retry queue") }
        }
        try tmux.run("send-keys", "-t", "0", "l")
        screen = try await tmux.waitFor("the failed build's log from the busy view") { $0.contains("Finished: FAILURE") && $0.contains("build #1 · finished") }
        try tmux.run("send-keys", "-t", "0", "Escape")
        try tmux.run("send-keys", "-t", "0", "q")
        _ = try await tmux.waitFor("the console gone") { !$0.contains("Coordinator console") }
    }
}
