import Foundation
import XCTest

/// The headless commands end to end against the Sandbox serving HTTPS with the test CA's
/// certificate (`Tests/Fixtures/tls/`): trusted through `ca_file` or `SSL_CERT_FILE`, refused
/// without, with the fix in the message, exit 1 and nothing written.
final class TLSCommandTests: CommandTestCase {
    private func startHTTPS() async throws -> CommandHarness {
        let h = try await start(tls: try TLSFixtures.sandboxTLS())
        XCTAssertTrue(h.server.baseURL.hasPrefix("https://127.0.0.1:"), h.server.baseURL)
        return h
    }

    func testRunWithTheCAInTheConfigDispatchesOverHTTPS() async throws {
        let h = try await startHTTPS()
        let config = try writeStandardConfig(h) {
            $0.githubCAFile = TLSFixtures.caFile
            $0.jenkinsCAFile = TLSFixtures.caFile
        }

        let result = try await h.run(["run", "--all", "--config", config])

        assertExit(result, 0)
        XCTAssertTrue(result.stdout.contains("5 dispatched"), "\(result)")
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 5)
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "alpha")[3], [Self.b09])
    }

    func testSyncWithSSLCertFileInTheEnvironment() async throws {
        let h = try await startHTTPS()
        let config = try writeStandardConfig(h)
        h.extraEnvironment = ["SSL_CERT_FILE": TLSFixtures.caFile]

        let result = try await h.run(["sync", "--all", "--config", config])

        assertExit(result, 0)
        XCTAssertNotNil(h.bytes(h.cacheFile(owner: "acme", repo: "alpha")))
        XCTAssertEqual(try h.cachedLabels(owner: "acme", repo: "beta.tools").keys.sorted(), [1, 2])
    }

    func testWithoutTheCAItFailsNamingHostCertificateAndFixAndWritesNothing() async throws {
        let h = try await startHTTPS()
        let config = try writeStandardConfig(h)

        for arguments in [["sync", "--all"], ["run", "--all"]] {
            let result = try await h.run(arguments + ["--config", config])
            assertExit(result, 1)
            assertContains(
                result.output,
                ["TLS certificate of 127.0.0.1 not trusted (certificate verify failed): set [github] ca_file to the CA bundle, or SSL_CERT_FILE"],
                result)
        }
        XCTAssertEqual(h.cacheDirectoryFiles().filter { $0.lastPathComponent.hasSuffix(".issues.json") }, [], "no cache was written")
        XCTAssertNil(h.bytes(h.ledgerFile(owner: "acme", repo: "alpha")))
        let requests = await h.server.requests()
        XCTAssertEqual(requests.count, 0, "no request got through")
    }

    func testAJenkinsWithoutItsCAFailsNamingTheJenkinsSection() async throws {
        let h = try await startHTTPS()
        let config = try writeStandardConfig(h) { $0.githubCAFile = TLSFixtures.caFile }

        let result = try await h.run(["run", "--all", "--config", config])

        assertExit(result, 1)
        assertContains(
            result.output,
            ["Jenkins could not be reached", "TLS certificate of 127.0.0.1 not trusted", "set [jenkins] ca_file to the CA bundle, or SSL_CERT_FILE"],
            result)
        XCTAssertNil(h.bytes(h.ledgerFile(owner: "acme", repo: "alpha")), "no dispatch intent was recorded")
        let writes = await h.labelWrites()
        XCTAssertEqual(writes.count, 0)
        let builds = await h.server.builds()
        XCTAssertEqual(builds.count, 0)
    }

    func testAnUnusableCAFileIsAConfigError() async throws {
        let h = try await startHTTPS()
        let missing = h.root.appendingPathComponent("nowhere/ca.pem").path
        let config = try writeStandardConfig(h) { $0.jenkinsCAFile = missing }

        let result = try await h.run(["sync", "--all", "--config", config])

        assertExit(result, 1)
        assertContains(result.output, ["Config \(config): [jenkins] ca_file: \(missing): no such file"], result)
        XCTAssertEqual(h.cacheDirectoryFiles(), [])
    }
}
