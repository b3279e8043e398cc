import Foundation
import Sandbox
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `coordinator` executable as a separate process against an in-process Sandbox,
/// with a config file and a cache directory of its own under a temporary directory.
///
/// Every command's output is kept, so a test (or `tearDown`) can check across all of them that no
/// secret was printed and no Swift crash report appeared.
final class CommandHarness: @unchecked Sendable {
    let server: SandboxServer
    let binary: URL
    /// Everything the harness writes lives under here; removed by `shutdown()`.
    let root: URL
    /// `$HOME` of the child processes: nothing of the machine's `~/.mcp_coder` is read or written.
    let home: URL
    let cacheDir: URL
    /// Strings that must never appear in any output, cache file or ledger.
    private(set) var secrets: [String]
    /// Added to (or replacing) the children's environment, e.g. `SSL_CERT_FILE`.
    var extraEnvironment: [String: String] {
        get { lock.withLock { _extraEnvironment } }
        set { lock.withLock { _extraEnvironment = newValue } }
    }
    private var _extraEnvironment: [String: String] = [:]

    private let lock = NSLock()
    private var results: [CommandResult] = []
    private var launched: [LaunchedCommand] = []

    private init(server: SandboxServer, binary: URL, root: URL, secrets: [String]) {
        self.server = server
        self.binary = binary
        self.root = root
        self.home = root.appendingPathComponent("home")
        self.cacheDir = root.appendingPathComponent("cache")
        self.secrets = secrets
    }

    /// Starts a Sandbox on an ephemeral loopback port (HTTPS with `tls`) and prepares a temporary
    /// directory.
    static func start(scenario: Scenario, secrets: [String], tls: SandboxTLS? = nil) async throws -> CommandHarness {
        let binary = try CommandHarness.locateBinary()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-headless-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("home"), withIntermediateDirectories: true)
        let server = try await SandboxServer.start(scenario: scenario, host: "127.0.0.1", port: 0, tls: tls)
        return CommandHarness(server: server, binary: binary, root: root, secrets: secrets)
    }

    /// Kills whatever is still running, stops the Sandbox and removes the temporary directory.
    func shutdown() async {
        let running = lock.withLock { launched }
        for command in running { await command.killAndReap() }
        await server.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func addSecret(_ secret: String) {
        lock.withLock { secrets.append(secret) }
    }

    var allResults: [CommandResult] { lock.withLock { results } }

    // MARK: The executable

    /// The `coordinator` built beside this test bundle (same configuration), else
    /// `<package>/.build/debug/coordinator`.
    ///
    /// The test target does not depend on the executable target, but `swift test` builds every
    /// target of the package first, so the binary is current. Building the tests alone (e.g.
    /// `swift build --product CoordinatorPackageTests`) does not rebuild it. (Comparing file dates
    /// cannot tell: SwiftPM does not relink a binary whose inputs compile to the same objects.)
    static func locateBinary() throws -> URL {
        try findBinary()
    }

    private static func findBinary() throws -> URL {
        var candidates: [URL] = []
        let testExecutable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testExecutable.deletingLastPathComponent()
        // On Linux the test binary is `<build>/debug/CoordinatorPackageTests.xctest`; on macOS it
        // is inside `<build>/debug/CoordinatorPackageTests.xctest/Contents/MacOS/`.
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("coordinator"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/coordinator"))
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        throw HarnessError(
            "the coordinator executable was not found (looked at \(candidates.map(\.path).joined(separator: ", "))); "
                + "run `swift build` in \(packageRoot.path) first")
    }

    /// The package root, from this file's location: `<root>/Tests/CoordinatorTests/Support/`.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The child's environment: nothing from this machine's GitHub or Jenkins settings.
    var environment: [String: String] {
        var env: [String: String] = [
            "HOME": home.path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "USER": "e2e",
            "LANG": "C.UTF-8",
        ]
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"] { env["TMPDIR"] = tmp }
        return env.merging(extraEnvironment) { $1 }
    }

    /// Starts `coordinator ARGS` and returns at once.
    func launch(_ arguments: [String]) throws -> LaunchedCommand {
        let command = try LaunchedCommand(
            executable: binary, arguments: arguments, environment: environment, directory: root)
        lock.withLock { launched.append(command) }
        return command
    }

    /// Runs `coordinator ARGS` to its end, or kills it after `timeout` (the result says so).
    @discardableResult
    func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> CommandResult {
        let command = try launch(arguments)
        return await finish(command, timeout: timeout)
    }

    /// Waits for a launched command and records its result.
    func finish(_ command: LaunchedCommand, timeout: Duration = .seconds(60)) async -> CommandResult {
        let result = await command.wait(timeout: timeout)
        lock.withLock { results.append(result) }
        return result
    }

    // MARK: Config and files

    @discardableResult
    func writeConfig(_ config: ConfigFile, name: String = "config.toml") throws -> URL {
        let url = root.appendingPathComponent(name)
        try Data(config.toml.utf8).write(to: url)
        return url
    }

    /// A config for `repos` against this Sandbox, with the cache under `cacheDir`.
    func config(
        repos: [ConfigFile.Repo], githubToken: String, jenkinsUser: String = "bot", jenkinsToken: String,
        duplicateWindowSeconds: Int? = nil
    ) -> ConfigFile {
        ConfigFile(
            githubToken: githubToken, apiURL: server.githubAPIURL, jenkinsURL: server.jenkinsURL,
            jenkinsUser: jenkinsUser, jenkinsToken: jenkinsToken, cacheDir: cacheDir.path,
            duplicateWindowSeconds: duplicateWindowSeconds, repos: repos)
    }

    func cacheFile(owner: String, repo: String) -> URL {
        cacheDir.appendingPathComponent("github_com_\(owner)_\(repo).issues.json")
    }

    func ledgerFile(owner: String, repo: String) -> URL {
        cacheDir.appendingPathComponent("github_com_\(owner)_\(repo).dispatches.jsonl")
    }

    func bytes(_ url: URL) -> Data? {
        try? Data(contentsOf: url)
    }

    /// Issue number → labels, as the cache file on disk has them.
    func cachedLabels(owner: String, repo: String) throws -> [Int: [String]] {
        let data = try Data(contentsOf: cacheFile(owner: owner, repo: repo))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let issues = try XCTUnwrap(object["issues"] as? [String: Any])
        var out: [Int: [String]] = [:]
        for (key, value) in issues {
            let entry = try XCTUnwrap(value as? [String: Any])
            out[try XCTUnwrap(Int(key))] = try XCTUnwrap(entry["labels"] as? [String])
        }
        return out
    }

    /// The ledger's records as JSON objects, oldest first.
    func ledger(owner: String, repo: String) -> [[String: Any]] {
        guard let data = bytes(ledgerFile(owner: owner, repo: repo)) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
        }
    }

    /// The ledger events of `issue`, oldest first.
    func ledgerEvents(owner: String, repo: String, issue: Int) -> [String] {
        ledger(owner: owner, repo: repo).filter { $0["issue"] as? Int == issue }.compactMap { $0["event"] as? String }
    }

    /// Every regular file under the cache directory (caches, ledgers, locks, corrupt copies).
    func cacheDirectoryFiles() -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: cacheDir, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { !$0.hasDirectoryPath }
    }

    // MARK: Sandbox helpers

    /// Requests that change something on GitHub or Jenkins: anything but a GET, except the
    /// GraphQL query (a POST that only reads).
    func changingRequests() async -> [SandboxRequestRecord] {
        await server.requests().filter { $0.method != "GET" && $0.method != "HEAD" && !$0.path.hasSuffix("/graphql") }
    }

    /// Label writes on GitHub (POST …/labels, DELETE …/labels/NAME).
    func labelWrites() async -> [SandboxRequestRecord] {
        await server.requests().filter { ($0.method == "POST" || $0.method == "DELETE") && $0.path.contains("/labels") }
    }

    /// The faults still armed, via the control API.
    func armedFaultCount() async throws -> Int {
        let url = URL(string: server.controlURL + "/faults")!
        let (data, _) = try await URLSession.shared.data(from: url)
        return (try JSONSerialization.jsonObject(with: data) as? [Any])?.count ?? 0
    }

    // MARK: Cross-cutting checks

    /// No secret in any output so far, nor in any file of the cache directory; no crash report in
    /// any output.
    func assertNothingLeaked(file: StaticString = #filePath, line: UInt = #line) {
        let secrets = lock.withLock { self.secrets }
        for result in allResults {
            for secret in secrets where result.output.contains(secret) {
                XCTFail("a secret appeared in the output of `coordinator \(result.arguments.joined(separator: " "))`", file: file, line: line)
            }
            for marker in ["Fatal error", "Stack dump", "Current stack trace", "Illegal instruction", "Segmentation fault", "💣"]
            where result.output.contains(marker) {
                XCTFail("`coordinator \(result.arguments.joined(separator: " "))` crashed (\(marker)):\n\(result)", file: file, line: line)
            }
            if let signal = result.signal, !result.killedOnPurpose {
                XCTFail("`coordinator \(result.arguments.joined(separator: " "))` died of signal \(signal):\n\(result)", file: file, line: line)
            }
        }
        for url in cacheDirectoryFiles() {
            guard let text = bytes(url).map({ String(decoding: $0, as: UTF8.self) }) else { continue }
            for secret in secrets where text.contains(secret) {
                XCTFail("a secret appeared in \(url.lastPathComponent)", file: file, line: line)
            }
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
