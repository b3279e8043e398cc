import _CryptoExtras
import Foundation
import XCTest
@testable import Coordinator

/// `[serve] tls_cert_file` and `tls_key_file`: both or neither, resolved like `ca_file`; the files
/// read by `serve` at start-up (`ServeTLSFiles.load`), each problem naming the key and the file,
/// never the key's content.
final class ServeTLSConfigTests: XCTestCase {
    let base = MinimalConfig.toml + """
        [serve]
        webhook_secret = "whsec"

        """
    static let configPath = "/etc/coordinator/config.toml"
    /// The test CA's server certificate and its key (`Tests/Fixtures/tls/`).
    static let certificateFile = TLSFixtures.directory.appendingPathComponent("server.pem").path
    static let keyFile = TLSFixtures.directory.appendingPathComponent("server.key").path

    private var temporary: [URL] = []

    override func tearDown() {
        for url in temporary {
            _ = chmod(url.path, 0o700)
            try? FileManager.default.removeItem(at: url)
        }
        temporary = []
        super.tearDown()
    }

    private func serve(_ lines: String, environment: [String: String] = [:]) throws -> ServeSettings {
        try ConfigLoader.parse(base + lines, path: Self.configPath, environment: environment).serve
    }

    private func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-serve-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        temporary.append(url)
        return url
    }

    /// Writes `text` to a new file and returns its path.
    private func file(_ name: String, _ text: String) throws -> String {
        let url = try makeDirectory().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The error `load` throws for these files, as the user reads it.
    private func loadError(certificate: String = certificateFile, key: String = keyFile, file: StaticString = #filePath, line: UInt = #line)
        -> String
    {
        do {
            _ = try ServeTLSFiles(certificateFile: certificate, keyFile: key).load(configPath: Self.configPath)
            XCTFail("loaded", file: file, line: line)
            return ""
        } catch let error as ConfigError {
            return error.description
        } catch {
            XCTFail("not a ConfigError: \(error)", file: file, line: line)
            return ""
        }
    }

    // MARK: The keys

    func testWithoutEitherKeyServeSpeaksPlainHTTP() throws {
        XCTAssertNil(try serve("").tls)
        XCTAssertNil(try ConfigLoader.parse(base, path: Self.configPath).serve.tls)
    }

    func testEmptyStringsAreNotGiven() throws {
        XCTAssertNil(try serve("tls_cert_file = \"\"\ntls_key_file = \"\"\n").tls)
    }

    func testBothKeysAreResolvedLikeTheOtherPathsOfTheConfig() throws {
        let absolute = try serve("tls_cert_file = \"/srv/tls/cert.pem\"\ntls_key_file = \"/srv/tls/key.pem\"\n").tls
        XCTAssertEqual(absolute, ServeTLSFiles(certificateFile: "/srv/tls/cert.pem", keyFile: "/srv/tls/key.pem"))
        let relative = try serve("tls_cert_file = \"tls/cert.pem\"\ntls_key_file = \"~/key.pem\"\n", environment: ["HOME": "/home/svc"]).tls
        XCTAssertEqual(relative, ServeTLSFiles(certificateFile: "/etc/coordinator/tls/cert.pem", keyFile: "/home/svc/key.pem"))
    }

    func testParsingReadsNeitherFile() throws {
        // Other commands load the same config: a key only serve may read must not stop them.
        let tls = try serve("tls_cert_file = \"/nonexistent/cert.pem\"\ntls_key_file = \"/nonexistent/key.pem\"\n").tls
        XCTAssertEqual(tls?.keyFile, "/nonexistent/key.pem")
    }

    func testOneWithoutTheOtherNamesTheTableAndTheMissingKey() {
        for (line, missing) in [("tls_cert_file = \"cert.pem\"", "tls_key_file"), ("tls_key_file = \"key.pem\"", "tls_cert_file"),
                                ("tls_cert_file = \"cert.pem\"\ntls_key_file = \"\"", "tls_key_file")] {
            XCTAssertThrowsError(try serve(line + "\n"), line) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(Self.configPath) && text.contains("[serve] \(missing): missing"), "\(line): \(text)")
            }
        }
    }

    func testANonStringIsRefused() {
        XCTAssertThrowsError(try serve("tls_cert_file = 5\ntls_key_file = \"key.pem\"\n")) { error in
            XCTAssertTrue("\(error)".contains("[serve] tls_cert_file: must be a string"), "\(error)")
        }
    }

    func testTheTemplateShowsThem() {
        XCTAssertTrue(ConfigLoader.template.contains("# tls_cert_file = "), ConfigLoader.template)
        XCTAssertTrue(ConfigLoader.template.contains("# tls_key_file = "), ConfigLoader.template)
    }

    // MARK: The files

    func testACertificateChainAndItsKeyLoad() throws {
        let files = ServeTLSFiles(certificateFile: Self.certificateFile, keyFile: Self.keyFile)
        let identity = try files.load(configPath: Self.configPath)
        XCTAssertEqual(identity.files, files)
        XCTAssertEqual(identity.serverConfiguration.minimumTLSVersion, .tlsv12)
    }

    func testAMissingFileIsNamedWithItsKey() throws {
        let missing = try makeDirectory().appendingPathComponent("absent.pem").path
        let certificate = loadError(certificate: missing)
        XCTAssertEqual(certificate, "Config \(Self.configPath): [serve] tls_cert_file: \(missing): no such file")
        let key = loadError(key: missing)
        XCTAssertEqual(key, "Config \(Self.configPath): [serve] tls_key_file: \(missing): no such file")
    }

    func testADirectoryIsNotAPEMFile() throws {
        let directory = try makeDirectory().path
        XCTAssertEqual(loadError(key: directory), "Config \(Self.configPath): [serve] tls_key_file: \(directory): a directory, not a PEM file")
    }

    func testAnUnreadableKeyIsNamed() throws {
        try XCTSkipIf(geteuid() == 0, "permission bits do not stop root")
        let key = try file("key.pem", String(decoding: try Data(contentsOf: URL(fileURLWithPath: Self.keyFile)), as: UTF8.self))
        XCTAssertEqual(chmod(key, 0o000), 0)
        let text = loadError(key: key)
        XCTAssertTrue(text.hasPrefix("Config \(Self.configPath): [serve] tls_key_file: \(key): cannot be read ("), text)
        XCTAssertTrue(text.contains("the user serve runs as may read it"), text)
    }

    func testGarbageIsNotPEM() throws {
        let garbage = try file("garbage.pem", "this is not a certificate\n")
        XCTAssertEqual(
            loadError(certificate: garbage),
            "Config \(Self.configPath): [serve] tls_cert_file: \(garbage): no PEM certificate in it (-----BEGIN CERTIFICATE-----)")
        let secretLooking = "-----BEGIN PRIVATE KEY-----\nTOP-SECRET-NOT-BASE64-7f3a\n-----END PRIVATE KEY-----\n"
        let key = try file("key.pem", secretLooking)
        let text = loadError(key: key)
        XCTAssertTrue(text.hasPrefix("Config \(Self.configPath): [serve] tls_key_file: \(key): no PEM private key in it"), text)
        XCTAssertFalse(text.contains("TOP-SECRET"), text)
    }

    func testSwappedFilesAreSaidToBe() throws {
        XCTAssertTrue(
            loadError(certificate: Self.keyFile, key: Self.keyFile).contains("[serve] tls_cert_file: \(Self.keyFile): no PEM certificate"))
        let text = loadError(key: Self.certificateFile)
        XCTAssertTrue(text.contains("[serve] tls_key_file: \(Self.certificateFile): holds a certificate, not a private key"), text)
        XCTAssertTrue(text.contains("swapped"), text)
    }

    func testAnEncryptedKeyIsSaidToBe() throws {
        let key = try file("key.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n")
        let text = loadError(key: key)
        XCTAssertTrue(text.contains("[serve] tls_key_file: \(key): the private key is encrypted"), text)
        XCTAssertFalse(text.contains("MIIB"), text)
    }

    func testAKeyOfAnotherKindThanTheCertificatesIsRefused() throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let key = try file("rsa.key", rsa.pemRepresentation)
        let text = loadError(key: key)
        XCTAssertEqual(
            text,
            "Config \(Self.configPath): [serve] tls_key_file: \(key): not the private key of the first certificate in \(Self.certificateFile) "
                + "(that file must start with the server's own certificate, then its intermediates)")
    }

    func testACertificateFileStartingWithTheCAIsRefused() throws {
        // The CA first, then the server's certificate: the key is the second's, not the first's.
        let ca = String(decoding: try Data(contentsOf: URL(fileURLWithPath: TLSFixtures.caFile)), as: UTF8.self)
        let server = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Self.certificateFile)), as: UTF8.self)
        let reversed = try file("chain.pem", ca + server)
        XCTAssertTrue(loadError(certificate: reversed).contains("not the private key of the first certificate in \(reversed)"))
    }
}
