import _CryptoExtras
import Foundation
import Sandbox
import XCTest

/// Runs `Tests/Fidelity/fidelity.py` (PyGithub and python-jenkins) against an in-process
/// Sandbox: independent clients must agree with what the Sandbox serves.
final class SandboxFidelityTests: SandboxTestCase {
    private static let timeout: TimeInterval = 120
    private static let appID = 271828
    private static let appInstallation = 314159
    /// Made per run for githubkit's App login; only its public half is in the scenario, and the
    /// private half lives in a temporary file for the length of the test.
    private var appKey: _RSA.Signing.PrivateKey?

    override func adjust(_ scenario: inout Scenario) {
        guard let key = try? _RSA.Signing.PrivateKey(keySize: .bits2048) else { return }
        appKey = key
        scenario.github.apps = [.init(
            id: Self.appID, slug: "fidelity-app", publicKeyPEM: key.publicKey.pemRepresentation,
            installations: [.init(id: Self.appInstallation, account: "acme", repositories: ["acme/mcp_coder"])])]
    }

    private static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private static func python() -> String? {
        if let configured = ProcessInfo.processInfo.environment["COORDINATOR_FIDELITY_PYTHON"], !configured.isEmpty {
            return configured
        }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    func testThirdPartyClientsAgreeWithSandbox() async throws {
        guard let python = Self.python() else {
            XCTFail("""
                No Python with PyGithub and python-jenkins: set COORDINATOR_FIDELITY_PYTHON, or run `bash .ci/run` \
                (it creates .venv with: python3 -m venv .venv && .venv/bin/pip install -r Tests/Fidelity/requirements.txt)
                """)
            return
        }
        let key = try XCTUnwrap(appKey, "no RSA key could be made for the App")
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("fidelity-app-\(UUID().uuidString).pem")
        try key.pkcs8PEMRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        defer { try? FileManager.default.removeItem(at: keyFile) }
        let script = Self.packageRoot.appendingPathComponent("Tests/Fidelity/fidelity.py").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fidelity-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let log = try FileHandle(forWritingTo: output)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script,
            "--github", server.githubAPIURL,
            "--github-enterprise", server.githubEnterpriseAPIURL,
            "--jenkins", server.jenkinsURL,
            "--control", server.controlURL,
            "--scenario", Scenario.exampleURL.path,
            "--app-id", "\(Self.appID)", "--app-key", keyFile.path, "--app-installation", "\(Self.appInstallation)",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONIOENCODING"] = "utf-8"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()

        let deadline = Date().addingTimeInterval(Self.timeout)
        while process.isRunning, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let timedOut = process.isRunning
        if timedOut {
            process.terminate()
            try await Task.sleep(for: .seconds(2))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let transcript = (try? String(contentsOf: output, encoding: .utf8)) ?? "(no output)"
        XCTAssertFalse(timedOut, "fidelity.py did not finish within \(Int(Self.timeout)) s and was killed:\n\(transcript)")
        XCTAssertEqual(process.terminationStatus, 0, "fidelity.py failed:\n\(transcript)")
    }
}
