import _CryptoExtras
import Foundation
import Sandbox
import XCTest
@testable import Coordinator

/// The `coordinator` executable as a GitHub App on the Sandbox: a run dispatches, `doctor`
/// reports the App, its installations and the key file's mode, an uninstalled App stops with an
/// error naming it and the repository. The base class checks every output and cache file for the
/// secrets, which here include the key, every JWT's fixed header and every `ghs_` token.
final class GitHubAppCommandTests: CommandTestCase {
    static let appID = 424242
    static let installationID = 9001
    /// `{"alg":"RS256","typ":"JWT"}` in base64url: the start of every JWT the App signs.
    static let jwtHeader = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"

    /// The labelled standard scenario with the App installed on `repositories`; the key is made
    /// per test and only its public half goes to the Sandbox.
    func startAsApp(
        repositories: [String] = ["acme/alpha", "acme/beta.tools"], ttl: Int = 3600, more: [Scenario.Installation] = []
    ) async throws -> (CommandHarness, _RSA.Signing.PrivateKey) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var scenario = DoctorCommandTests.labelledScenario()
        scenario.github.apps = [.init(
            id: Self.appID, slug: "coordinator-e2e", name: "Coordinator E2E", publicKeyPEM: key.publicKey.pemRepresentation,
            installations: [.init(id: Self.installationID, account: "acme", repositories: repositories)] + more, tokenTTLSeconds: ttl)]
        let h = try await start(scenario)
        h.addSecret("ghs_")
        h.addSecret(Self.jwtHeader)
        // A line from the middle of the key: any part of it showing up is a leak.
        let lines = key.pemRepresentation.split(separator: "\n")
        h.addSecret(String(lines[lines.count / 2]))
        return (h, key)
    }

    /// A config with `[github] app_id` and `private_key_file` (mode `mode`) instead of a token.
    func writeAppConfig(
        _ h: CommandHarness, key: _RSA.Signing.PrivateKey, mode: Int = 0o600, repos: [ConfigFile.Repo] = [alpha, beta],
        installationID: Int? = nil
    ) throws -> String {
        let keyFile = h.root.appendingPathComponent("app.pem")
        try key.pkcs8PEMRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: keyFile.path)
        return try writeStandardConfig(h, repos: repos) { config in
            config.githubToken = ""
            config.githubExtra = ["app_id = \(Self.appID)", "private_key_file = \"app.pem\""]
                + (installationID.map { ["installation_id = \($0)"] } ?? [])
        }
    }

    func testARunAsAnAppDispatchesAndMovesTheLabels() async throws {
        let (h, key) = try await startAsApp()
        let result = try await h.run(["run", "--all", "--config", try writeAppConfig(h, key: key)])
        assertExit(result, 0)
        let counts = await buildCounts(h)
        for expected in Self.expectedDispatches {
            let repo = expected.repo.config
            XCTAssertEqual(counts[BuildKey(job: repo.jobPath, issue: expected.issue)], 1, "\(repo.name)#\(expected.issue): \(counts)")
            let live = await liveLabels(h, expected.repo, expected.issue)
            let labels = try XCTUnwrap(live)
            XCTAssertTrue(labels.contains(expected.busy) && !labels.contains(expected.pickup), "\(repo.name)#\(expected.issue): \(labels)")
        }
        XCTAssertEqual(counts.values.reduce(0, +), Self.expectedDispatches.count)
        // One installation covers both repositories: one token for the whole run.
        let purchases = await h.server.requests().filter { $0.path.hasSuffix("/access_tokens") }
        XCTAssertEqual(purchases.map(\.status), [201])
        let events = await h.server.issueEvents(owner: "acme", repo: "alpha", number: 3) ?? []
        XCTAssertTrue(events.contains { $0.actor == "coordinator-e2e[bot]" }, "the label moves are the App's bot's: \(events)")
    }

    func testATokenEndingMidRunIsRenewedWithoutAFailedDispatch() async throws {
        // Tokens live one second; 400 ms between label writes stretch the run over several.
        let (h, key) = try await startAsApp(ttl: 1)
        let config = try writeAppConfig(h, key: key)
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "write_spacing_ms = 0", with: "write_spacing_ms = 400")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await h.run(["run", "--all", "--config", config], timeout: .seconds(120))
        assertExit(result, 0)
        let counts = await buildCounts(h)
        XCTAssertEqual(counts.values.reduce(0, +), Self.expectedDispatches.count, "\(counts)")
        XCTAssertTrue(counts.values.allSatisfy { $0 == 1 }, "\(counts)")
        let purchases = await h.server.requests().filter { $0.path.hasSuffix("/access_tokens") }
        XCTAssertGreaterThanOrEqual(purchases.count, 3, "the run outlived several tokens")
        XCTAssertTrue(purchases.allSatisfy { $0.status == 201 })
    }

    func testAnUninstalledAppStopsTheRunNamingTheAppAndTheRepository() async throws {
        let (h, key) = try await startAsApp()
        let config = try writeAppConfig(h, key: key)
        assertExit(try await h.run(["run", "--repo", "alpha", "--config", config]), 0)
        let removed = await h.server.removeInstallation(Self.installationID, ofApp: Self.appID)
        XCTAssertTrue(removed)
        let result = try await h.run(["run", "--repo", "alpha", "--force-refresh", "--config", config])
        assertExit(result, 1)
        assertContains(result.stderr, [
            "GitHub App 'coordinator-e2e' (id \(Self.appID)) is not installed on acme/alpha",
            "install the App on acme/alpha",
        ], result)
    }

    func testAWrongInstallationIDIsNamedByTheRunAndByDoctor() async throws {
        let (h, key) = try await startAsApp()
        let config = try writeAppConfig(h, key: key, repos: [Self.alpha], installationID: 77)
        let run = try await h.run(["run", "--all", "--config", config])
        assertExit(run, 1)
        assertContains(run.stderr, ["GitHub App 'coordinator-e2e' (id \(Self.appID)): installation 77 (for acme/alpha) no longer exists"], run)
        let doctor = try await h.run(["doctor", "--config", config])
        assertExit(doctor, 1)
        assertContains(doctor.stdout, [
            "✗ alpha: [github] installation_id is 77, but acme/alpha is covered by installation \(Self.installationID) (acme) — fix: set installation_id = \(Self.installationID), or remove it",
        ], doctor)
        let counts = await buildCounts(h)
        XCTAssertEqual(counts, [:], "nothing is dispatched without a token")
    }

    func testDoctorReportsTheAppItsInstallationAndWarnsOfAReadableKey() async throws {
        let (h, key) = try await startAsApp(repositories: ["acme/alpha"])
        let config = try writeAppConfig(h, key: key, mode: 0o644, repos: [Self.alpha, Self.beta])
        let result = try await h.run(["doctor", "--config", config])
        assertExit(result, 1)
        assertContains(result.stdout, [
            "can be read by group or others (mode 0644): anyone on this machine could act as the GitHub App — fix: chmod 600 ",
            "✓ github: GitHub App 'coordinator-e2e' (id \(Self.appID)), \"Coordinator E2E\" answers its JWT\n",
            "✓ alpha: installation \(Self.installationID) (acme) covers acme/alpha (issues: write, metadata: read, repository_hooks: read)\n",
            "✗ beta.tools: GitHub App 'coordinator-e2e' (id \(Self.appID)) is not installed on acme/beta.tools — fix: install it there",
        ], result)
        XCTAssertFalse(result.stdout.contains("github: token works"), "\(result)")
        let changes = await h.changingRequests()
        XCTAssertEqual(changes.map(\.path).filter { !$0.hasSuffix("/access_tokens") }, [], "doctor changed something")
    }

    func testDoctorJudgesEachInstallationsPermissions() async throws {
        // alpha: may label issues but not read webhooks (a warning); beta.tools: may only read issues.
        let (h, key) = try await startAsApp(repositories: [], more: [
            .init(id: 9101, account: "acme", repositories: ["acme/alpha"], permissions: ["issues": "write", "metadata": "read"]),
            .init(id: 9102, account: "acme", repositories: ["acme/beta.tools"], permissions: ["issues": "read", "metadata": "read"]),
        ])
        let result = try await h.run(["doctor", "--config", try writeAppConfig(h, key: key)])
        assertExit(result, 1)
        assertContains(result.stdout, [
            "is readable by its owner only (mode 0600)\n",
            "! alpha: installation 9101 (acme) covers acme/alpha and may label issues, but cannot read its webhooks (no repository_hooks: read), so the webhook checks cannot run — fix: give the App Webhooks: Read-only",
            "✗ beta.tools: installation 9102 (acme) on acme/beta.tools lacks issues: write (it has: issues: read, metadata: read) — fix: in the App's settings → Permissions & events → Repository permissions give Issues: Read and write",
        ], result)
    }
}
