import _CryptoExtras
import AsyncHTTPClient
import Foundation
import Logging
import Sandbox
import XCTest
@testable import Coordinator

/// `GitHubAppAuth` against the Sandbox's App host over real HTTP: one token per installation,
/// renewed before it ends and once after a `401`, rate limits per installation, and an
/// uninstalled App named with the repository.
final class GitHubAppAuthTests: XCTestCase {
    static let appID = 424242
    static let alphaInstallation = 9001
    static let betaInstallation = 9002

    var server: SandboxServer?
    var http: HTTPClient?

    override func tearDown() async throws {
        try? await http?.shutdown()
        await server?.stop()
        try await super.tearDown()
    }

    struct Setup {
        var server: SandboxServer
        var auth: GitHubAppAuth
        var alpha: GitHubClient
        var beta: GitHubClient
    }

    /// The standard scenario with the App installed on acme/alpha and, separately, acme/beta.tools;
    /// the key is made here and only its public half goes to the Sandbox.
    func start(ttl: Int = 3600) async throws -> Setup {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var scenario = CommandTestCase.standardScenario()
        scenario.github.apps = [.init(
            id: Self.appID, slug: "coordinator-e2e", publicKeyPEM: key.publicKey.pemRepresentation,
            installations: [
                .init(id: Self.alphaInstallation, account: "acme", repositories: ["acme/alpha"]),
                .init(id: Self.betaInstallation, account: "acme", repositories: ["acme/beta.tools"]),
            ],
            tokenTTLSeconds: ttl)]
        let server = try await SandboxServer.start(scenario: scenario, host: "127.0.0.1", port: 0)
        self.server = server
        let http = HTTPClientFactory.makeHTTPClient()
        self.http = http
        var logger = Logger(label: "app-auth-test")
        logger.logLevel = .critical
        let settings = GitHubAppSettings(appID: Self.appID, privateKeyFile: "/test/app.pem", privateKeyPEM: Secret(key.pemRepresentation))
        let auth = GitHubAppAuth(settings: settings, http: http, retryPolicy: RetryPolicy(maxAttempts: 1), requests: GitHubTokenState(), logger: logger)
        func client(_ repo: String) -> GitHubClient {
            GitHubClient(
                http: http, apiBase: server.githubAPIURL, graphQLURL: server.githubGraphQLURL, owner: "acme", repo: repo,
                auth: auth, writeSpacing: .zero, retryPolicy: RetryPolicy(maxAttempts: 1), logger: logger)
        }
        return Setup(server: server, auth: auth, alpha: client("alpha"), beta: client("beta.tools"))
    }

    func tokenPurchases(_ server: SandboxServer) async -> [String] {
        await server.requests().filter { $0.method == "POST" && $0.path.hasSuffix("/access_tokens") }.map(\.path)
    }

    func testOneTokenPerInstallationServesEveryRequest() async throws {
        let s = try await start()
        _ = try await s.alpha.issue(number: 1)
        _ = try await s.alpha.addLabels(["enhancement"], toIssue: 1)
        _ = try await s.alpha.linkedBranches(issues: [2])
        _ = try await s.beta.issue(number: 1)
        let purchases = await tokenPurchases(s.server)
        XCTAssertEqual(purchases, [
            "/app/installations/\(Self.alphaInstallation)/access_tokens", "/app/installations/\(Self.betaInstallation)/access_tokens",
        ])
        let lookups = await s.server.requests().filter { $0.path.hasSuffix("/installation") }.map(\.path)
        XCTAssertEqual(lookups, ["/repos/acme/alpha/installation", "/repos/acme/beta.tools/installation"])
    }

    func testRateLimitsAreKeptPerInstallation() async throws {
        let s = try await start()
        for _ in 0..<3 { _ = try await s.alpha.issue(number: 1) }
        _ = try await s.beta.issue(number: 1)
        let alpha = await s.alpha.rateLimit()
        let beta = await s.beta.rateLimit()
        XCTAssertEqual(alpha?.remaining, 4997)
        XCTAssertEqual(beta?.remaining, 4999)
    }

    func testATokenAboutToEndIsRenewedBeforeItIsRefused() async throws {
        let s = try await start(ttl: 2)
        _ = try await s.alpha.issue(number: 1)
        try await Task.sleep(for: .milliseconds(2200))
        _ = try await s.alpha.issue(number: 2)
        let purchases = await tokenPurchases(s.server)
        XCTAssertEqual(purchases.count, 2)
        let refused = await s.server.requests().filter { $0.status == 401 }
        XCTAssertEqual(refused.map(\.path), [], "the token was renewed before GitHub could refuse it")
    }

    func testATokenRefusedEarlyIsRenewedOnceAndTheRequestSentAgain() async throws {
        let s = try await start(ttl: 60)
        _ = try await s.alpha.issue(number: 1)
        // GitHub's clock runs two minutes ahead: the token we hold has ended there.
        await s.server.setClockOffset(seconds: 120)
        let labels = try await s.alpha.addLabels(["enhancement"], toIssue: 2)
        XCTAssertTrue(labels.contains("enhancement"))
        let refused = await s.server.requests().filter { $0.status == 401 }.map(\.path)
        XCTAssertEqual(refused, ["/repos/acme/alpha/issues/2/labels"])
        let purchases = await tokenPurchases(s.server)
        XCTAssertEqual(purchases.count, 2)
    }

    func testAnUninstalledAppIsNamedWithTheRepository() async throws {
        let s = try await start()
        _ = try await s.alpha.issue(number: 1)
        let removed = await s.server.removeInstallation(Self.alphaInstallation, ofApp: Self.appID)
        XCTAssertTrue(removed)
        do {
            _ = try await s.alpha.issue(number: 1)
            XCTFail("an uninstalled App still read acme/alpha")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.contains("GitHub App 'coordinator-e2e' (id \(Self.appID)) is not installed on acme/alpha"), text)
            XCTAssertFalse(text.contains("ghs_"), text)
        }
        _ = try await s.beta.issue(number: 1)
    }

    func testAKeyThatIsNotTheAppsIsRefusedNamingTheApp() async throws {
        let s = try await start()
        let stranger = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let auth = GitHubAppAuth(
            settings: GitHubAppSettings(appID: Self.appID, privateKeyFile: "/test/old.pem", privateKeyPEM: Secret(stranger.pemRepresentation)),
            http: try XCTUnwrap(http), retryPolicy: RetryPolicy(maxAttempts: 1), requests: GitHubTokenState(), logger: Logger(label: "app-auth-test"))
        do {
            _ = try await auth.credential(for: GitHubTarget(apiBase: s.server.githubAPIURL, owner: "acme", repo: "alpha"))
            XCTFail("a stranger's key bought a token")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.contains("GitHub refused GitHub App \(Self.appID) (401 A JSON web token could not be decoded)"), text)
            XCTAssertTrue(text.contains("private_key_file"), text)
        }
    }
}
