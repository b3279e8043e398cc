import AsyncHTTPClient
import Coordinator
import Foundation
import Logging
import Sandbox
import XCTest

/// One running Sandbox plus the HTTP client the coordinator's clients share, for one test.
///
/// Start it with `SandboxHarness.start(_:)`, stop it in `tearDown` with `stop()`.
final class SandboxHarness: Sendable {
    static let token = "ghp_sandboxHarnessToken0123456789"
    static let owner = "acme"
    static let repo = "demo"
    static let jenkinsUser = "coordinator-bot"
    static let jenkinsAPIToken = "11aa22bb33cc44dd55ee66ff77aa88bb"
    static let jenkinsPassword = "correct horse battery staple"
    static let jobPath = "Coordinator/demo/executor"

    let server: SandboxServer
    let http: HTTPClient

    private init(server: SandboxServer, http: HTTPClient) {
        self.server = server
        self.http = http
    }

    static func start(_ scenario: Scenario) async throws -> SandboxHarness {
        let server = try await SandboxServer.start(scenario: scenario, host: "127.0.0.1", port: 0)
        return SandboxHarness(server: server, http: HTTPClientFactory.makeHTTPClient(connectTimeout: .seconds(2)))
    }

    func stop() async {
        try? await http.shutdown()
        await server.stop()
    }

    /// Retries fast enough for a test: three attempts 10 ms apart, rate-limit waits up to 3 s.
    static let fastRetries = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxRateLimitWait: .seconds(3))

    static var logger: Logger {
        var logger = Logger(label: "coordinator.tests")
        logger.logLevel = .critical
        return logger
    }

    func github(
        token: String = SandboxHarness.token, enterprise: Bool = false, writeSpacing: Duration = .zero,
        requestTimeout: Duration = .seconds(5), retryPolicy: RetryPolicy = SandboxHarness.fastRetries
    ) -> GitHubClient {
        GitHubClient(
            http: http,
            apiBase: enterprise ? server.githubEnterpriseAPIURL : server.githubAPIURL,
            graphQLURL: enterprise ? server.baseURL + "/api/graphql" : server.githubGraphQLURL,
            owner: Self.owner, repo: Self.repo, token: Secret(token),
            writeSpacing: writeSpacing, requestTimeout: requestTimeout, retryPolicy: retryPolicy,
            logger: Self.logger)
    }

    func jenkins(
        username: String = SandboxHarness.jenkinsUser, secret: String = SandboxHarness.jenkinsAPIToken,
        http: HTTPClient? = nil
    ) -> JenkinsClient {
        JenkinsClient(
            http: http ?? self.http, serverURL: server.jenkinsURL, username: username, apiToken: Secret(secret),
            requestTimeout: .seconds(5), logger: Self.logger)
    }

    /// Requests to the simulated GitHub/Jenkins whose raw path contains `fragment`, in order.
    func requests(containing fragment: String) async -> [SandboxRequestRecord] {
        await server.requests().filter { $0.path.contains(fragment) }
    }

    // MARK: Scenarios

    /// A scenario for `acme/demo` with `issues`, one token, and one Jenkins user that has both an
    /// API token and a password (the password is what makes the Sandbox demand a crumb).
    static func scenario(
        issues: [Scenario.Issue] = [], hourlyQuota: Int = 5000, crumb: Bool = false,
        startDelayMs: Int = 0, jobs: [String] = [SandboxHarness.jobPath]
    ) -> Scenario {
        Scenario(
            github: .init(
                tokens: [.init(token: token, login: "coordinator-bot", hourlyQuota: hourlyQuota)],
                repositories: [.init(owner: owner, name: repo, issues: issues)]),
            jenkins: .init(
                users: [.init(username: jenkinsUser, apiToken: jenkinsAPIToken, password: jenkinsPassword)],
                crumb: crumb, startDelayMs: startDelayMs, buildDurationMs: 0,
                jobs: jobs.map { .init(path: $0) }))
    }

    /// Issue `number`, created `number` minutes after 2026-11-20T08:00:00Z so that creation order
    /// is number order.
    static func issue(
        _ number: Int, labels: [String] = ["status-02:awaiting-planning"], pullRequest: Bool = false,
        updatedAt: String? = nil, linkedBranches: [String] = []
    ) -> Scenario.Issue {
        let created = Date(timeIntervalSince1970: 1_795_161_600 + Double(number) * 60)
        return Scenario.Issue(
            number: number, title: "Issue \(number)", body: number.isMultiple(of: 2) ? nil : "Body of \(number)",
            labels: labels, assignees: number == 1 ? ["alice", "bob"] : [], user: "octocat",
            createdAt: Timestamp.format(created), updatedAt: updatedAt, pullRequest: pullRequest,
            linkedBranches: linkedBranches)
    }
}

/// Asserts that `body` throws an error of type `E` and hands it to `check`.
func assertThrows<E: Error, T>(
    _ type: E.Type, _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line,
    _ check: (E) -> Void = { _ in }
) async {
    do {
        let value = try await body()
        XCTFail("expected \(E.self), got \(value)", file: file, line: line)
    } catch let error as E {
        check(error)
    } catch {
        XCTFail("expected \(E.self), got \(error)", file: file, line: line)
    }
}
