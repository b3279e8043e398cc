@testable import Coordinator
import Foundation
import XCTest

/// `[client]` and `ServerTarget.resolve`: where a machine that attaches finds `serve`, its token
/// and the CAs it trusts; a config holding `[client]` alone; every refusal worded to be fixed,
/// never with the token in it.
final class ClientSettingsTests: XCTestCase {
    static let token = "client-settings-secret-token-4d1e"
    private var directory: URL!

    override func setUp() async throws {
        try await super.setUp()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: directory)
        try await super.tearDown()
    }

    private func config(_ text: String) throws -> String {
        let url = directory.appendingPathComponent("config.toml")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private func resolve(server: String? = nil, configPath: String?, environment: [String: String] = ["COORDINATOR_API_TOKEN": token])
        throws -> ServerTarget?
    {
        try ServerTarget.resolve(server: server, configPath: configPath, environment: environment)
    }

    /// The error `body` throws, in words; fails when it throws none.
    private func message(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any?) -> String {
        do {
            let value = try body()
            XCTFail("no error; got \(String(describing: value))", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains(Self.token), text, file: file, line: line)
            return text
        }
    }

    func testAConfigHoldingOnlyAClientTableIsEnoughToAttach() throws {
        let path = try config("""
            [client]
            server_url = "https://coordinator.example.com/"
            token_env = "ALICE_COORDINATOR_TOKEN"
            """)
        let target = try XCTUnwrap(try resolve(configPath: path, environment: ["ALICE_COORDINATOR_TOKEN": Self.token]))
        XCTAssertEqual(target.url, "https://coordinator.example.com")
        XCTAssertEqual(target.token?.reveal(), Self.token)
        XCTAssertEqual(target.tokenVariable, "ALICE_COORDINATOR_TOKEN")
        XCTAssertEqual(target.trust, .system)
        XCTAssertFalse("\(target)".contains(Self.token), "\(target)")
    }

    func testTheServerOptionWinsOverServerURL() throws {
        let path = try config("[client]\nserver_url = \"https://far.example.com\"\n")
        XCTAssertEqual(try resolve(server: "http://127.0.0.1:8750", configPath: path)?.url, "http://127.0.0.1:8750")
        XCTAssertEqual(try resolve(configPath: path)?.url, "https://far.example.com")
    }

    func testWithoutServerOrServerURLTheCommandWorksLocally() throws {
        XCTAssertNil(try resolve(configPath: directory.appendingPathComponent("none.toml").path))
        XCTAssertNil(try resolve(configPath: nil))
        let local = try config("[github]\ntoken = \"x\"\n\n[client]\ntoken_env = \"MINE\"\n")
        XCTAssertNil(try resolve(configPath: local, environment: [:]), "no server: the token is not needed")
        let empty = try config("[client]\nserver_url = \"\"\n")
        XCTAssertNil(try resolve(configPath: empty))
    }

    func testAMissingConfigFileIsFineWithServerAndNoTemplateIsWritten() throws {
        let missing = directory.appendingPathComponent("sub/config.toml").path
        let target = try XCTUnwrap(try resolve(server: "http://127.0.0.1:8750", configPath: missing))
        XCTAssertEqual(target.tokenVariable, "COORDINATOR_API_TOKEN")
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
    }

    func testAMissingTokenNamesTheVariableToSet() throws {
        let plain = message { try self.resolve(server: "https://coordinator.example.com", configPath: nil, environment: [:]) }
        XCTAssertTrue(plain.contains("set COORDINATOR_API_TOKEN"), plain)
        XCTAssertTrue(plain.contains("https://coordinator.example.com"), plain)
        let empty = message { try self.resolve(server: "https://coordinator.example.com", configPath: nil, environment: ["COORDINATOR_API_TOKEN": ""]) }
        XCTAssertTrue(empty.contains("set COORDINATOR_API_TOKEN"), empty)

        let path = try config("[client]\nserver_url = \"https://coordinator.example.com\"\ntoken_env = \"OPS_TOKEN\"\n")
        let named = message { try self.resolve(configPath: path, environment: ["COORDINATOR_API_TOKEN": Self.token]) }
        XCTAssertTrue(named.contains("set OPS_TOKEN"), named)
        XCTAssertTrue(named.contains("[client] token_env in \(path)"), named)
    }

    func testATokenThatCannotBeSentIsRefusedWithoutBeingShown() {
        let text = message {
            try self.resolve(server: "http://127.0.0.1:8750", configPath: nil, environment: ["COORDINATOR_API_TOKEN": Self.token + "\n"])
        }
        XCTAssertTrue(text.contains("COORDINATOR_API_TOKEN does not hold a usable token"), text)
    }

    func testABadServerOptionIsAUsageErrorSayingWhatAURLNeeds() {
        for url in ["127.0.0.1:8750", "ftp://coordinator.example.com", "http://", "coordinator.example.com", ""] {
            do {
                _ = try resolve(server: url, configPath: nil)
                XCTFail("\(url) accepted")
            } catch let error as ServerTargetError {
                XCTAssertTrue(error.isUsage, url)
                XCTAssertTrue(error.message.hasPrefix("--server: "), error.message)
                XCTAssertTrue(error.message.contains("http:// or https:// URL with a host"), error.message)
            } catch {
                XCTFail("\(url): \(error)")
            }
        }
        let query = message { try self.resolve(server: "https://coordinator.example.com/?token=s3cr3t", configPath: nil) }
        XCTAssertTrue(query.contains("query or fragment"), query)
        XCTAssertFalse(query.contains("s3cr3t"), query)
        let password = message { try self.resolve(server: "https://alice:hunter2@coordinator.example.com", configPath: nil) }
        XCTAssertTrue(password.contains("must not carry a user or password"), password)
        XCTAssertFalse(password.contains("hunter2"), password)
        // Behind a proxy under a path: fine.
        XCTAssertEqual(try resolve(server: "https://proxy.example.com/coordinator/", configPath: nil)?.url, "https://proxy.example.com/coordinator")
    }

    func testABadServerURLInTheConfigNamesTheTableAndKey() throws {
        let path = try config("[client]\nserver_url = \"coordinator.example.com:8750\"\n")
        let text = message { try self.resolve(configPath: path) }
        XCTAssertTrue(text.contains("Config \(path): [client] server_url:"), text)
        XCTAssertTrue(text.contains("http:// or https://"), text)
    }

    func testACAFileThatIsNotThereNamesTheTableAndKey() throws {
        let path = try config("[client]\nserver_url = \"https://coordinator.example.com\"\nca_file = \"company-ca.pem\"\n")
        let text = message { try self.resolve(configPath: path) }
        let expected = directory.appendingPathComponent("company-ca.pem").path
        XCTAssertTrue(text.contains("[client] ca_file: \(expected): no such file"), text)
    }

    func testACAFileIsReadRelativeToTheConfigFile() throws {
        try FileManager.default.copyItem(atPath: TLSFixtures.caFile, toPath: directory.appendingPathComponent("ca.pem").path)
        let path = try config("[client]\nserver_url = \"https://127.0.0.1:8750\"\nca_file = \"ca.pem\"\n")
        let target = try XCTUnwrap(try resolve(configPath: path))
        XCTAssertEqual(target.trust.caFile, directory.appendingPathComponent("ca.pem").path)
        XCTAssertEqual(target.trust.certificateCount, 1)
    }

    func testWithoutACAFileTheTLSEnvironmentIsTrustedAsForGitHub() throws {
        let target = try XCTUnwrap(try resolve(
            server: "https://127.0.0.1:8750", configPath: nil,
            environment: ["COORDINATOR_API_TOKEN": Self.token, "SSL_CERT_FILE": TLSFixtures.caFile]))
        XCTAssertEqual(target.trust.certificateCount, 1)
        let text = message {
            try self.resolve(
                server: "https://127.0.0.1:8750", configPath: nil,
                environment: ["COORDINATOR_API_TOKEN": Self.token, "SSL_CERT_FILE": self.directory.appendingPathComponent("gone.pem").path])
        }
        XCTAssertTrue(text.hasPrefix("SSL_CERT_FILE: "), text)
    }

    func testAnUnknownKeyOrABadTokenEnvIsRefused() throws {
        let typo = message { try self.resolve(configPath: try self.config("[client]\nserver-url = \"https://coordinator.example.com\"\n")) }
        XCTAssertTrue(typo.contains("[client] server-url: unknown key; [client] has server_url, token_env, ca_file"), typo)
        let variable = message { try self.resolve(configPath: try self.config("[client]\ntoken_env = \"my token\"\n")) }
        XCTAssertTrue(variable.contains("[client] token_env: must name an environment variable"), variable)
        let notATable = message { try self.resolve(configPath: try self.config("client = \"https://coordinator.example.com\"\n")) }
        XCTAssertTrue(notATable.contains("must be a table"), notATable)
        let toml = message { try self.resolve(configPath: try self.config("[client\n")) }
        XCTAssertTrue(toml.contains("Invalid TOML"), toml)
    }
}
