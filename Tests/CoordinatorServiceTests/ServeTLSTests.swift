import AsyncHTTPClient
import Coordinator
import Crypto
@testable import CoordinatorService
import Foundation
import Sandbox
import XCTest

/// `serve` over HTTPS (`[serve] tls_cert_file` / `tls_key_file`): the whole daemon over the Sandbox
/// on 127.0.0.1, serving the test CA's certificate from `Tests/Fixtures/tls/` (test-only keys, see
/// its README). A client trusting that CA through the core's `HTTPClientFactory` — what an
/// operator's `ca_file` gives — reads `/healthz` and the operator API; a client without it is
/// refused, and so is plain HTTP.
final class ServeTLSTests: XCTestCase {
    static let aliceToken = "alice-operate-token-for-tls"
    static let operators = [ServeOperator(name: "alice", role: .operate, tokenDigest: TokenDigest(of: aliceToken))]

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
    /// The test CA's server certificate (SAN 127.0.0.1, localhost) and its key.
    static let serverFiles = ServeTLSFiles(certificateFile: fixture("server.pem"), keyFile: fixture("server.key"))

    private var daemon: DaemonHarness?
    private var clients: [HTTPClient] = []
    private var temporary: [URL] = []

    override func tearDown() async throws {
        for client in clients { try? await client.shutdown() }
        clients = []
        await daemon?.stop()
        daemon = nil
        for url in temporary { try? FileManager.default.removeItem(at: url) }
        temporary = []
        try await super.tearDown()
    }

    // MARK: Helpers

    private func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-serve-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        temporary.append(url)
        return url
    }

    /// Runs `openssl` from PATH with `arguments`; skips the test without OpenSSL 1.1.1 or later.
    private static func openssl(_ arguments: [String]) async throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/openssl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { throw XCTSkip("openssl is not on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        if status != 0 { throw XCTSkip("openssl could not make a certificate (exit \(status); -addext needs OpenSSL 1.1.1 or later)") }
    }

    private func startDaemon() async throws -> DaemonHarness {
        let tls = try Self.serverFiles.load(configPath: "/etc/coordinator/config.toml")
        let issues = (1...2).map { Scenario.Issue(number: $0, title: "Issue \($0)", createdAt: "2026-11-20T08:00:00Z") }
        let h = try await DaemonHarness.start(issues: issues, operators: Self.operators, tls: tls)
        daemon = h
        return h
    }

    /// A client made the way the core makes GitHub's and Jenkins' (`HTTPClientFactory`), trusting `trust`.
    private func client(trusting trust: TLSTrust) -> HTTPClient {
        let client = HTTPClientFactory.makeHTTPClient(connectTimeout: .seconds(2), trust: trust)
        clients.append(client)
        return client
    }

    /// The client of an operator with `ca_file` = the test CA.
    private func trustingClient() throws -> HTTPClient {
        client(trusting: try TLSTrust.caFile(Self.fixture("ca.pem"), section: "serve"))
    }

    private func get(_ client: HTTPClient, _ url: String, bearer: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await client.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    // MARK: HTTPS

    func testAClientTrustingTheCAReadsHealthzOverHTTPS() async throws {
        let h = try await startDaemon()
        XCTAssertTrue(h.url.hasPrefix("https://127.0.0.1:"), h.url)
        let reply = try await get(try trustingClient(), "\(h.url)/healthz")
        XCTAssertEqual(reply.status, 200, reply.body)
        XCTAssertEqual(reply.body, "ok\n")
    }

    func testAClientWithoutTheCAIsRefused() async throws {
        let h = try await startDaemon()
        let otherCA = try TLSTrust.caFile(Self.fixture("other-ca.pem"), section: "serve")
        for trust in [TLSTrust.system, otherCA] {
            do {
                let reply = try await get(client(trusting: trust), "\(h.url)/healthz")
                XCTFail("\(trust) was answered \(reply.status)")
            } catch {
                // The handshake fails on the certificate, not on anything else.
                XCTAssertTrue("\(error)".contains("CERTIFICATE_VERIFY_FAILED"), "\(trust): \(error)")
            }
        }
        let trusted = try await get(try trustingClient(), "\(h.url)/healthz")
        XCTAssertEqual(trusted.status, 200, "a refused client leaves the server serving")
    }

    func testPlainHTTPToTheHTTPSPortGetsNoAnswer() async throws {
        let h = try await startDaemon()
        let plain = client(trusting: .system)
        do {
            let reply = try await get(plain, "http://127.0.0.1:\(h.port)/healthz")
            XCTFail("plain HTTP was answered \(reply.status): \(reply.body)")
        } catch {
            // Nothing is served in the clear.
        }
    }

    func testTheOperatorAPIWorksOverHTTPS() async throws {
        let h = try await startDaemon()
        let http = try trustingClient()
        let repos = try await get(http, "\(h.url)/api/repos", bearer: Self.aliceToken)
        XCTAssertEqual(repos.status, 200, repos.body)
        let list = try JSONDecoder().decode(RepoListDocument.self, from: Data(repos.body.utf8))
        XCTAssertEqual(list.repos.map(\.name), ["demo"])
        XCTAssertEqual(list.repos.first?.openIssues, 2)
        let issue = try await get(http, "\(h.url)/api/repos/demo/issues/2", bearer: Self.aliceToken)
        XCTAssertEqual(issue.status, 200, issue.body)
        let refused = try await get(http, "\(h.url)/api/repos", bearer: "not-a-token")
        XCTAssertEqual(refused.status, 401, refused.body)
    }

    func testASelfSignedCertificateIsTrustedWithItselfAsTheCAFile() async throws {
        // What README's "Attach from anywhere" tells an operator to do, with OpenSSL as there.
        let directory = try makeDirectory()
        let certificate = directory.appendingPathComponent("fullchain.pem").path
        let key = directory.appendingPathComponent("privkey.pem").path
        try await Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        let tls = try ServeTLSFiles(certificateFile: certificate, keyFile: key).load(configPath: "/etc/coordinator/config.toml")
        let h = try await DaemonHarness.start(operators: Self.operators, tls: tls)
        daemon = h
        let reply = try await get(client(trusting: try TLSTrust.caFile(certificate, section: "serve")), "\(h.url)/api/repos", bearer: Self.aliceToken)
        XCTAssertEqual(reply.status, 200, reply.body)
        do {
            _ = try await get(try trustingClient(), "\(h.url)/healthz")
            XCTFail("the test CA did not sign this certificate")
        } catch {}
    }

    // MARK: The key

    func testAKeyOfAnotherCertificateIsRefusedNamingTheFiles() throws {
        let directory = try makeDirectory()
        // The same kind of key as the certificate's (EC P-256), just not its own: a renewal that
        // swapped one file and not the other.
        let stranger = P256.Signing.PrivateKey().pemRepresentation
        let keyFile = directory.appendingPathComponent("old.key").path
        try Data(stranger.utf8).write(to: URL(fileURLWithPath: keyFile))
        let files = ServeTLSFiles(certificateFile: Self.serverFiles.certificateFile, keyFile: keyFile)
        XCTAssertThrowsError(try files.load(configPath: "/etc/coordinator/config.toml")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("[serve] tls_key_file") && text.contains(keyFile), text)
            XCTAssertTrue(text.contains("not the private key of the first certificate in \(Self.serverFiles.certificateFile)"), text)
            let body = stranger.split(separator: "\n").dropFirst().first.map(String.init) ?? stranger
            XCTAssertFalse(text.contains(body), "the key's content is never shown")
        }
    }
}
