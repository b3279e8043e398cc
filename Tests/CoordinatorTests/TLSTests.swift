import AsyncHTTPClient
@testable import Coordinator
import Foundation
import Sandbox
import XCTest

/// The test CA and server certificate under `Tests/Fixtures/tls/` (see its README: test-only keys).
enum TLSFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls")
    /// The CA that signed `server.pem`.
    static var caFile: String { directory.appendingPathComponent("ca.pem").path }
    /// A CA that signed nothing the Sandbox serves.
    static var otherCAFile: String { directory.appendingPathComponent("other-ca.pem").path }

    /// The Sandbox's certificate (SAN 127.0.0.1 and localhost) and key.
    static func sandboxTLS() throws -> SandboxTLS {
        try SandboxTLS(
            certificateFile: directory.appendingPathComponent("server.pem").path,
            keyFile: directory.appendingPathComponent("server.key").path)
    }
}

/// The GitHub and Jenkins clients over HTTPS against the Sandbox serving the test CA's
/// certificate: which CAs are trusted (`TLSTrust`: `ca_file`, `SSL_CERT_FILE`/`SSL_CERT_DIR`, the
/// system store), and how a refused certificate reads.
final class TLSTests: XCTestCase {
    private var servers: [SandboxServer] = []
    private var clients: [ServiceHTTPClients] = []
    private var temporary: [URL] = []

    override func tearDown() async throws {
        for client in clients { await client.shutdown() }
        for server in servers { await server.stop() }
        for url in temporary { try? FileManager.default.removeItem(at: url) }
        clients = []
        servers = []
        temporary = []
        try await super.tearDown()
    }

    // MARK: Helpers

    private func startSandbox(issues: Int = 3, host: String = "127.0.0.1") async throws -> SandboxServer {
        let scenario = SandboxHarness.scenario(issues: (1...issues).map { SandboxHarness.issue($0) })
        let server = try await SandboxServer.start(scenario: scenario, host: host, port: 0, tls: try TLSFixtures.sandboxTLS())
        servers.append(server)
        return server
    }

    private func httpClients(github: TLSTrust, jenkins: TLSTrust) -> ServiceHTTPClients {
        let made = HTTPClientFactory.makeHTTPClients(github: github, jenkins: jenkins, connectTimeout: .seconds(2))
        clients.append(made)
        return made
    }

    private func github(_ server: SandboxServer, _ http: HTTPClient) -> GitHubClient {
        GitHubClient(
            http: http, apiBase: server.githubAPIURL, graphQLURL: server.githubGraphQLURL,
            owner: SandboxHarness.owner, repo: SandboxHarness.repo, token: Secret(SandboxHarness.token),
            writeSpacing: .zero, requestTimeout: .seconds(5), retryPolicy: SandboxHarness.fastRetries, logger: SandboxHarness.logger)
    }

    private func jenkins(_ server: SandboxServer, _ http: HTTPClient) -> JenkinsClient {
        JenkinsClient(
            http: http, serverURL: server.jenkinsURL, username: SandboxHarness.jenkinsUser,
            apiToken: Secret(SandboxHarness.jenkinsAPIToken), requestTimeout: .seconds(5), logger: SandboxHarness.logger)
    }

    private let parameters = [JobParameter("REPO_URL", "https://github.com/acme/demo.git"), JobParameter("BRANCH_NAME", "main")]

    private func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        temporary.append(url)
        return url
    }

    // MARK: Trusted

    func testCAFileTrustsTheSandboxForGitHubAndJenkins() async throws {
        // 150 issues: two pages, so the Link to the second must be https too.
        let server = try await startSandbox(issues: 150)
        XCTAssertTrue(server.baseURL.hasPrefix("https://127.0.0.1:"), server.baseURL)
        let trust = try TLSTrust.caFile(TLSFixtures.caFile, section: "github")
        let http = httpClients(github: trust, jenkins: try TLSTrust.caFile(TLSFixtures.caFile, section: "jenkins"))

        let listing = try await github(server, http.github).listIssues(state: .open, since: nil, validator: nil)
        XCTAssertEqual(listing.issues.count, 150)
        let start = try await jenkins(server, http.jenkins).startJob(path: SandboxHarness.jobPath, parameters: parameters)
        XCTAssertEqual(start.queueURL, server.jenkinsURL + "/queue/item/1/", "Jenkins' Location is https too")
        let builds = await server.builds()
        XCTAssertEqual(builds.count, 1)
    }

    func testSSLCertFileTrustsTheSandbox() async throws {
        let server = try await startSandbox()
        let trust = try XCTUnwrap(try TLSTrust.environment(["SSL_CERT_FILE": TLSFixtures.caFile]))
        XCTAssertEqual(trust.source, .environment(file: TLSFixtures.caFile, directories: []))
        let http = httpClients(github: trust, jenkins: trust)
        XCTAssertTrue(http.github === http.jenkins, "one client when both services trust the same CAs")

        let issue = try await github(server, http.github).issue(number: 1)
        XCTAssertEqual(issue.number, 1)
    }

    func testSSLCertDirTrustsEveryPEMFileOfEachListedDirectory() async throws {
        let server = try await startSandbox()
        let empty = try makeDirectory()
        let withCA = try makeDirectory()
        try FileManager.default.copyItem(atPath: TLSFixtures.caFile, toPath: withCA.appendingPathComponent("test-ca.pem").path)
        try FileManager.default.copyItem(atPath: TLSFixtures.caFile, toPath: withCA.appendingPathComponent("5a1b2c3d.0").path)
        try Data("not a certificate\n".utf8).write(to: withCA.appendingPathComponent("README"))
        try FileManager.default.createDirectory(at: withCA.appendingPathComponent("sub"), withIntermediateDirectories: true)

        let trust = try XCTUnwrap(try TLSTrust.environment(["SSL_CERT_DIR": "\(empty.path):\(withCA.path)", "SSL_CERT_FILE": ""]))
        XCTAssertEqual(trust.certificateCount, 1, "the same CA twice (name and hash link) counts once; the README is passed over")
        let http = httpClients(github: trust, jenkins: trust)
        let issue = try await github(server, http.github).issue(number: 2)
        XCTAssertEqual(issue.number, 2)
    }

    // MARK: Refused

    func testSystemTrustRefusesTheTestCAWithTheFixForEachService() async throws {
        let server = try await startSandbox()
        let http = httpClients(github: .system, jenkins: .system)

        await assertThrows(GitHubError.self, { try await self.github(server, http.github).issue(number: 1) }) { error in
            let text = "\(error)"
            XCTAssertTrue(
                text.contains("TLS certificate of 127.0.0.1 not trusted (certificate verify failed): set [github] ca_file to the CA bundle, or SSL_CERT_FILE"),
                text)
            XCTAssertFalse(text.contains("after"), "a refused certificate is not tried again: \(text)")
        }
        await assertThrows(JenkinsError.self, { try await self.jenkins(server, http.jenkins).startJob(path: SandboxHarness.jobPath, parameters: self.parameters) }) { error in
            guard case let .transport(_, message) = error else { return XCTFail("a plain failure, never a lost answer: \(error)") }
            XCTAssertEqual(message, "TLS certificate of 127.0.0.1 not trusted (certificate verify failed): set [jenkins] ca_file to the CA bundle, or SSL_CERT_FILE")
        }
        let requests = await server.requests()
        XCTAssertEqual(requests.count, 0, "nothing reached the Sandbox")
        let builds = await server.builds()
        XCTAssertEqual(builds.count, 0)
    }

    func testTheWrongCARefusesAndCAFileWinsOverSSLCertFile() async throws {
        let server = try await startSandbox()
        // Jenkins has its ca_file; GitHub falls back to SSL_CERT_FILE, which names the wrong CA.
        let environment = try XCTUnwrap(try TLSTrust.environment(["SSL_CERT_FILE": TLSFixtures.otherCAFile]))
        let trust = try ConfigLoader.tlsTrust(
            githubCAFile: nil, jenkinsCAFile: TLSFixtures.caFile, path: "/nonexistent/config.toml",
            environment: ["SSL_CERT_FILE": TLSFixtures.otherCAFile])
        XCTAssertEqual(trust.github, environment)
        XCTAssertEqual(trust.jenkins.caFile, TLSFixtures.caFile)
        let http = httpClients(github: trust.github, jenkins: trust.jenkins)
        XCTAssertFalse(http.github === http.jenkins)

        _ = try await jenkins(server, http.jenkins).startJob(path: SandboxHarness.jobPath, parameters: parameters)
        await assertThrows(GitHubError.self, { try await self.github(server, http.github).issue(number: 1) }) { error in
            XCTAssertTrue("\(error)".contains("TLS certificate of 127.0.0.1 not trusted"), "\(error)")
        }
    }

    func testAHostTheCertificateDoesNotNameIsRefusedAsSuch() async throws {
        // 127.0.0.2 is loopback on Linux, and not in the certificate (127.0.0.1, localhost).
        let server: SandboxServer
        do {
            server = try await startSandbox(host: "127.0.0.2")
        } catch {
            throw XCTSkip("cannot listen on 127.0.0.2 here: \(error)")
        }
        let trust = try TLSTrust.caFile(TLSFixtures.caFile, section: "jenkins")
        let http = httpClients(github: trust, jenkins: trust)
        await assertThrows(JenkinsError.self, { try await self.jenkins(server, http.jenkins).prepareToStart() }) { error in
            XCTAssertTrue(
                "\(error)".contains("TLS certificate of 127.0.0.2 is not valid for that host name (it names other hosts): use a host name the certificate names in [jenkins] server_url"),
                "\(error)")
        }
    }

    // MARK: Loading

    func testUnusableBundlesAndDirectoriesAreRefusedWithTheReason() throws {
        let dir = try makeDirectory()
        let garbage = dir.appendingPathComponent("garbage.pem")
        try Data("-----BEGIN NOTHING-----\nxx\n".utf8).write(to: garbage)
        let cases: [(String, String)] = [
            (dir.appendingPathComponent("missing.pem").path, "missing.pem: no such file"),
            (dir.path, ": a directory, not a PEM bundle"),
            (garbage.path, "garbage.pem: no PEM certificate in it (-----BEGIN CERTIFICATE-----)"),
        ]
        for (path, expected) in cases {
            XCTAssertThrowsError(try TLSTrust.caFile(path, section: "jenkins"), path) { error in
                XCTAssertTrue("\(error)".hasSuffix(expected), "\(error)")
            }
        }
        XCTAssertThrowsError(try TLSTrust.environment(["SSL_CERT_FILE": garbage.path])) { error in
            XCTAssertEqual((error as? TLSTrustError)?.variable, "SSL_CERT_FILE")
        }
        XCTAssertThrowsError(try TLSTrust.environment(["SSL_CERT_DIR": dir.path])) { error in
            XCTAssertEqual("\(error)", "\(dir.path) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        XCTAssertThrowsError(try TLSTrust.environment(["SSL_CERT_DIR": garbage.path])) { error in
            XCTAssertEqual("\(error)", "\(garbage.path) is not a directory")
        }
        XCTAssertNil(try TLSTrust.environment(["SSL_CERT_FILE": "", "SSL_CERT_DIR": ""]))
        XCTAssertNil(try TLSTrust.environment([:]))
    }

    func testConfigCAFileIsResolvedLikeLabelsFileAndCheckedAtLoad() throws {
        let dir = try makeDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("home/certs"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TLSFixtures.caFile, toPath: dir.appendingPathComponent("company-ca.pem").path)
        try FileManager.default.copyItem(atPath: TLSFixtures.caFile, toPath: dir.appendingPathComponent("home/certs/jenkins.pem").path)
        let configPath = dir.appendingPathComponent("config.toml").path
        func config(github: String?, jenkins: String?) -> String {
            """
            [github]
            token = "t"
            \(github.map { "ca_file = \"\($0)\"" } ?? "")

            [jenkins]
            server_url = "https://jenkins.example.com"
            username = "bot"
            api_token = "j"
            \(jenkins.map { "ca_file = \"\($0)\"" } ?? "")

            [coordinator.repos.demo]
            repo_url = "https://github.com/acme/demo.git"
            executor_job_path = "A/B"
            github_credentials_id = "pat"
            """
        }
        let home = ["HOME": dir.appendingPathComponent("home").path]
        let loaded = try ConfigLoader.parse(config(github: "company-ca.pem", jenkins: "~/certs/jenkins.pem"), path: configPath, environment: home)
        XCTAssertEqual(loaded.github.trust.caFile, dir.appendingPathComponent("company-ca.pem").path)
        XCTAssertEqual(loaded.jenkins.trust.caFile, dir.appendingPathComponent("home/certs/jenkins.pem").path)
        XCTAssertEqual(loaded.jenkins.trust.certificateCount, 1)

        let plain = try ConfigLoader.parse(config(github: nil, jenkins: nil), path: configPath, environment: home)
        XCTAssertEqual(plain.github.trust, .system, "the system store by default")
        XCTAssertEqual(plain.jenkins.trust, .system)

        XCTAssertThrowsError(try ConfigLoader.parse(config(github: nil, jenkins: "missing.pem"), path: configPath, environment: home)) { error in
            XCTAssertEqual(
                "\(error)", "Config \(configPath): [jenkins] ca_file: \(dir.appendingPathComponent("missing.pem").path): no such file")
        }
        try Data(config(github: nil, jenkins: nil).utf8).write(to: URL(fileURLWithPath: configPath))
        XCTAssertThrowsError(try ConfigLoader.parse(config(github: "config.toml", jenkins: nil), path: configPath, environment: home)) { error in
            XCTAssertEqual(
                "\(error)",
                "Config \(configPath): [github] ca_file: \(configPath): no PEM certificate in it (-----BEGIN CERTIFICATE-----)")
        }

        // SSL_CERT_FILE applies only where no ca_file is set, and is read only then.
        var env = home
        env["SSL_CERT_FILE"] = dir.appendingPathComponent("gone.pem").path
        XCTAssertNoThrow(try ConfigLoader.parse(config(github: "company-ca.pem", jenkins: "company-ca.pem"), path: configPath, environment: env))
        XCTAssertThrowsError(try ConfigLoader.parse(config(github: "company-ca.pem", jenkins: nil), path: configPath, environment: env)) { error in
            XCTAssertEqual(
                "\(error)",
                "SSL_CERT_FILE: \(dir.appendingPathComponent("gone.pem").path): no such file; point it to a PEM CA bundle, or unset it to trust the system store")
        }
        env["SSL_CERT_FILE"] = TLSFixtures.caFile
        let fromEnvironment = try ConfigLoader.parse(config(github: "company-ca.pem", jenkins: nil), path: configPath, environment: env)
        XCTAssertEqual(fromEnvironment.jenkins.trust.source, .environment(file: TLSFixtures.caFile, directories: []))
        XCTAssertEqual(fromEnvironment.github.trust.caFile, dir.appendingPathComponent("company-ca.pem").path)
    }

    func testTheTemplateDocumentsCAFile() {
        XCTAssertTrue(ConfigLoader.template.contains("# ca_file ="), ConfigLoader.template)
    }
}
