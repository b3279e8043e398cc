import _CryptoExtras
import XCTest
@testable import Coordinator

/// `[github] app_id` + `private_key_file`: either a token or an App, the key read and checked at
/// start-up, errors naming the keys and the file and never quoting the key.
final class GitHubAppConfigTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("app-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func config(_ github: String) -> String {
        """
        [github]
        \(github)

        [jenkins]
        server_url = "https://jenkins.example.com"
        username = "bot"
        api_token = "jenkins_secret_value"

        [coordinator.repos.alpha]
        repo_url = "https://github.com/acme/alpha.git"
        executor_job_path = "Alpha"
        github_credentials_id = "pat"
        """
    }

    /// Writes a throw-away key (never committed) and returns its file name beside the config.
    func writeKey(pkcs8: Bool = false, mode: Int = 0o600) throws -> (name: String, pem: String) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let pem = pkcs8 ? key.pkcs8PEMRepresentation : key.pemRepresentation
        let url = directory.appendingPathComponent("app.pem")
        try pem.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return ("app.pem", pem)
    }

    var path: String { directory.appendingPathComponent("config.toml").path }

    func testAnAppWithAPKCS1KeyIsLoadedRelativeToTheConfig() throws {
        let key = try writeKey()
        let config = try ConfigLoader.parse(config("app_id = 123456\nprivate_key_file = \"\(key.name)\"\ninstallation_id = 789"), path: path)
        let app = try XCTUnwrap(config.github.app)
        XCTAssertEqual(app.appID, 123456)
        XCTAssertEqual(app.installationID, 789)
        XCTAssertEqual(app.privateKeyFile, directory.appendingPathComponent("app.pem").path)
        XCTAssertEqual(app.privateKeyPEM.reveal(), key.pem)
        XCTAssertFalse(app.keyReadableByOthers)
        XCTAssertTrue(config.github.token.isEmpty)
        XCTAssertFalse("\(config)".contains("PRIVATE KEY"), "the key must not show in a description")
    }

    func testAPKCS8KeyAndAReadableModeAreSeen() throws {
        let key = try writeKey(pkcs8: true, mode: 0o644)
        XCTAssertTrue(key.pem.contains("BEGIN PRIVATE KEY"))
        let config = try ConfigLoader.parse(config("app_id = 1\nprivate_key_file = \"\(key.name)\""), path: path)
        XCTAssertEqual(config.github.app?.privateKeyMode, 0o644)
        XCTAssertEqual(config.github.app?.keyReadableByOthers, true)
    }

    func testTheModeIsTheKeyFilesNotALinks() throws {
        _ = try writeKey(mode: 0o600)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link.pem").path, withDestinationPath: "app.pem")
        let config = try ConfigLoader.parse(config("app_id = 1\nprivate_key_file = \"link.pem\""), path: path)
        XCTAssertEqual(config.github.app?.privateKeyMode, 0o600)
    }

    func testATokenAndAnAppTogetherAreAnErrorNamingTheKeys() throws {
        let key = try writeKey()
        XCTAssertThrowsError(try ConfigLoader.parse(config("token = \"ghp_x\"\napp_id = 1\nprivate_key_file = \"\(key.name)\""), path: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("[github] token: set either token or app_id + private_key_file, not both"), text)
        }
    }

    func testNeitherTokenNorAppIsAnErrorNamingBoth() throws {
        XCTAssertThrowsError(try ConfigLoader.parse(config(""), path: path)) { error in
            XCTAssertTrue("\(error)".contains("[github] is missing token (or GITHUB_TOKEN), or app_id and private_key_file"), "\(error)")
        }
    }

    func testGITHUB_TOKENStillWorksWithoutAnAppAndIsIgnoredWithOne() throws {
        let env = ["GITHUB_TOKEN": "ghp_from_env"]
        XCTAssertEqual(try ConfigLoader.parse(config(""), path: path, environment: env).github.token.reveal(), "ghp_from_env")
        let key = try writeKey()
        let app = try ConfigLoader.parse(config("app_id = 1\nprivate_key_file = \"\(key.name)\""), path: path, environment: env)
        XCTAssertNotNil(app.github.app)
        XCTAssertTrue(app.github.token.isEmpty)
    }

    func testHalfAnAppNamesTheMissingKey() throws {
        XCTAssertThrowsError(try ConfigLoader.parse(config("app_id = 1"), path: path)) { error in
            XCTAssertTrue("\(error)".contains("[github] private_key_file: missing"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse(config("private_key_file = \"app.pem\""), path: path)) { error in
            XCTAssertTrue("\(error)".contains("[github] app_id: missing"), "\(error)")
        }
    }

    func testAnUnreadableOrInvalidKeyNamesTheFileAndNotItsContent() throws {
        XCTAssertThrowsError(try ConfigLoader.parse(config("app_id = 1\nprivate_key_file = \"absent.pem\""), path: path)) { error in
            XCTAssertTrue("\(error)".contains("cannot read \(self.directory.appendingPathComponent("absent.pem").path)"), "\(error)")
        }
        let bad = directory.appendingPathComponent("bad.pem")
        try "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWJ5dGVz\n-----END RSA PRIVATE KEY-----\n".write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigLoader.parse(config("app_id = 1\nprivate_key_file = \"bad.pem\""), path: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("\(bad.path) is not an RSA private key in PEM form"), text)
            XCTAssertFalse(text.contains("c2VjcmV0LWJ5dGVz"), text)
        }
    }
}
