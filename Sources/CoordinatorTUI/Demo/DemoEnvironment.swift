import Coordinator
import Foundation
import Logging
import Sandbox

/// Everything `coordinator demo` sets up: the Sandbox running the example scenario, a throw-away
/// config pointing at it, and a cache made stale on purpose.
struct DemoEnvironment {
    let sandbox: SandboxServer
    let directory: String
    let configPath: String
    let logPath: String
    let config: CoordinatorConfig

    var sandboxURL: String { sandbox.baseURL }

    static func start(port: Int, workdir: String?) async throws -> DemoEnvironment {
        let scenario = try Scenario.example()
        let directory = try workdir.map(prepare) ?? makeTemporaryDirectory()
        let logPath = (directory as NSString).appendingPathComponent("console.log")
        ConsoleLogFile.routeProcessLogs(to: logPath, level: .info)
        let sandbox = try await SandboxServer.start(scenario: scenario, host: "127.0.0.1", port: port)
        do {
            let configPath = (directory as NSString).appendingPathComponent("config.toml")
            let cacheDirectory = (directory as NSString).appendingPathComponent("cache")
            let text = DemoConfig.text(scenario: scenario, sandbox: sandbox, cacheDirectory: cacheDirectory)
            try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configPath)
            // The operator's own GITHUB_TOKEN or JENKINS_* must not override the sandbox's credentials.
            var environment = ProcessInfo.processInfo.environment
            for key in ["GITHUB_TOKEN", "JENKINS_URL", "JENKINS_USER", "JENKINS_TOKEN"] { environment[key] = nil }
            let config = try ConfigLoader.load(path: configPath, environment: environment)
            let logger = ConsoleLogFile.logger(path: logPath, level: .info, label: "coordinator.demo")
            try await StaleCacheSeeder(sandbox: sandbox, config: config, logger: logger).seed()
            return DemoEnvironment(sandbox: sandbox, directory: directory, configPath: configPath, logPath: logPath, config: config)
        } catch {
            await sandbox.stop()
            throw error
        }
    }

    func stop() async {
        await sandbox.stop()
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func prepare(_ path: String) throws -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return absolute
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("coordinator-demo-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw DemoError("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
