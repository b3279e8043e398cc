import Foundation
import XCTest
@testable import Coordinator

/// `[store]`: files by default; a `postgres://` URL (`postgres_url`, `COORDINATOR_POSTGRES_URL`
/// wins) parsed fully, the password from the URL, else `PGPASSWORD`, else `password_file`, and no
/// password in any message or description.
final class StoreSettingsTests: XCTestCase {
    let base = MinimalConfig.toml
    static let configPath = "/etc/coordinator/config.toml"
    private var temporary: [URL] = []

    override func tearDown() {
        for url in temporary {
            _ = chmod(url.path, 0o700)
            try? FileManager.default.removeItem(at: url)
        }
        temporary = []
        super.tearDown()
    }

    private func store(_ table: String?, environment: [String: String] = [:], path: String = configPath) throws -> StoreSettings {
        let text = base + (table.map { "[store]\n" + $0 + "\n" } ?? "")
        return try ConfigLoader.parse(text, path: path, environment: environment).store
    }

    private func postgres(_ url: String, environment: [String: String] = [:]) throws -> PostgresStoreSettings {
        let settings = try store("postgres_url = \"\(url)\"", environment: environment)
        guard let postgres = settings.postgres else {
            XCTFail("not postgres: \(settings)")
            throw NotPostgres()
        }
        return postgres
    }

    /// The message of the ConfigError `url` gives, checked to hold no `secret`.
    private func urlError(_ url: String, secret: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let settings = try store("postgres_url = \"\(url)\"")
            XCTFail("accepted: \(settings)", file: file, line: line)
            return ""
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("Config \(Self.configPath): [store] postgres_url: "), message, file: file, line: line)
            if let secret { XCTAssertFalse(message.contains(secret), message, file: file, line: line) }
            return message
        }
    }

    private func temporaryFile(_ content: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        temporary.append(directory)
        let file = directory.appendingPathComponent("pgpassword")
        try Data(content.utf8).write(to: file)
        return file.path
    }

    // MARK: - Files or PostgreSQL

    func testWithoutAStoreTableTheStoreIsFiles() throws {
        XCTAssertEqual(try store(nil).backend, .files)
        XCTAssertEqual(try store(nil).description, "files")
        XCTAssertEqual(try store("").backend, .files)
    }

    func testAURLMakesThePostgresStore() throws {
        let settings = try postgres("postgres://coord@db.example.com:6543/coordination?sslmode=require")
        XCTAssertEqual(settings.address, .tcp(host: "db.example.com", port: 6543))
        XCTAssertEqual(settings.user, "coord")
        XCTAssertNil(settings.password)
        XCTAssertEqual(settings.passwordSource, .none)
        XCTAssertEqual(settings.database, "coordination")
        XCTAssertEqual(settings.sslMode, .require)
        XCTAssertEqual(settings.trustRoots, .system)
    }

    func testTheEnvironmentURLWinsOverTheFile() throws {
        let settings = try store(
            "postgres_url = \"postgres://file@filehost/db\"",
            environment: ["COORDINATOR_POSTGRES_URL": "postgresql://env@envhost/envdb"])
        XCTAssertEqual(settings.postgres?.address, .tcp(host: "envhost", port: 5432))
        XCTAssertEqual(settings.postgres?.user, "env")
    }

    func testTheEnvironmentURLAloneMakesThePostgresStore() throws {
        let settings = try store(nil, environment: ["COORDINATOR_POSTGRES_URL": "postgres://env@envhost/envdb"])
        XCTAssertEqual(settings.postgres?.database, "envdb")
    }

    func testAnErrorInTheEnvironmentURLSaysItCameFromThere() {
        XCTAssertThrowsError(try store(nil, environment: ["COORDINATOR_POSTGRES_URL": "mysql://u@h/d"])) { error in
            XCTAssertEqual(
                "\(error)",
                "Config \(Self.configPath): [store] postgres_url (from COORDINATOR_POSTGRES_URL): 'mysql' is not postgres:// or postgresql://")
        }
    }

    func testUnknownKeysAreRefused() {
        XCTAssertThrowsError(try store("postgres_url = \"postgres://u@h/d\"\npasword_file = \"x\"")) { error in
            XCTAssertEqual("\(error)", "Config \(Self.configPath): [store] pasword_file: unknown key; [store] has postgres_url, password_file")
        }
    }

    func testANonStringURLIsRefused() {
        XCTAssertThrowsError(try store("postgres_url = 5432")) { error in
            XCTAssertEqual("\(error)", "Config \(Self.configPath): [store] postgres_url: must be a string")
        }
    }

    func testStoreMustBeATable() {
        XCTAssertThrowsError(try ConfigLoader.parse(base.replacingOccurrences(of: "[github]", with: "store = 1\n[github]"), path: Self.configPath)) { error in
            XCTAssertEqual("\(error)", "Config \(Self.configPath): [store] store: must be a table: [store]")
        }
    }

    func testAPasswordFileWithoutAURLIsAMistake() {
        XCTAssertThrowsError(try store("password_file = \"/etc/pw\"")) { error in
            XCTAssertEqual(
                "\(error)",
                "Config \(Self.configPath): [store] password_file: is set but there is no postgres_url (nor COORDINATOR_POSTGRES_URL); add the URL, or remove password_file to keep the store in files")
        }
    }

    // MARK: - The URL

    func testDefaultsArePort5432TheUsersDatabaseAndSSLModePrefer() throws {
        let settings = try postgres("postgres://alice@db")
        XCTAssertEqual(settings.address, .tcp(host: "db", port: 5432))
        XCTAssertEqual(settings.database, "alice")
        XCTAssertEqual(settings.sslMode, .prefer)
        XCTAssertEqual(settings.tlsPolicy, .preferred)
        XCTAssertEqual(try postgres("postgres://alice@db/").database, "alice")
    }

    func testBothSchemesAreAccepted() throws {
        XCTAssertEqual(try postgres("postgresql://u@h/d").database, "d")
        XCTAssertEqual(try postgres("POSTGRES://u@h/d").database, "d")
    }

    func testOtherSchemesAreRefused() {
        XCTAssertEqual(
            urlError("https://u:topsecret@h/d", secret: "topsecret"),
            "Config \(Self.configPath): [store] postgres_url: 'https' is not postgres:// or postgresql://")
        XCTAssertTrue(urlError("u:topsecret@h/d", secret: "topsecret").hasSuffix("is not a URL of the form postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]"))
    }

    func testAUserIsRequired() {
        XCTAssertTrue(urlError("postgres://db.example.com/d").hasSuffix("names no user: write postgres://USER@HOST/DATABASE"))
        XCTAssertTrue(urlError("postgres://:topsecret@db/d", secret: "topsecret").hasSuffix("names no user: write postgres://USER@HOST/DATABASE"))
    }

    func testAHostIsRequired() {
        XCTAssertTrue(urlError("postgres://u@/d").contains("names no host"))
    }

    func testPortsOutsideOneTo65535AreRefusedWithoutTrapping() {
        for port in ["0", "65536", "99999999999999999999999", "-1", "54x2", "+5432"] {
            let message = urlError("postgres://u@h:\(port)/d")
            XCTAssertTrue(message.hasSuffix("is not a number from 1 to 65535"), message)
        }
        XCTAssertTrue(urlError("postgres://u@h:65536/d").hasSuffix("port '65536' is not a number from 1 to 65535"))
        XCTAssertEqual(try postgres("postgres://u@h:1/d").address.port, 1)
        XCTAssertEqual(try postgres("postgres://u@h:65535/d").address.port, 65535)
        XCTAssertEqual(try postgres("postgres://u@h:/d").address.port, 5432)
    }

    func testIPv6HostsAreBracketed() throws {
        let settings = try postgres("postgres://u@[::1]:6000/d")
        XCTAssertEqual(settings.address, .tcp(host: "::1", port: 6000))
        XCTAssertEqual(settings.address.description, "[::1]:6000")
        XCTAssertTrue(urlError("postgres://u@[::1/d").hasSuffix("has an IPv6 host without its closing ']'"))
    }

    func testSeveralHostsAreRefused() {
        XCTAssertTrue(urlError("postgres://u@h1,h2/d").hasSuffix("names several hosts; one is supported"))
    }

    func testAUnixSocketDirectoryComesFromTheHostParameter() throws {
        let settings = try postgres("postgres://u@/d?host=/var/run/postgresql")
        XCTAssertEqual(settings.address, .unixSocket(directory: "/var/run/postgresql", port: 5432))
        XCTAssertEqual(settings.address.socketPath, "/var/run/postgresql/.s.PGSQL.5432")
        let withPort = try postgres("postgres://u@:6001/d?host=%2Ftmp%2Fpg%20sock")
        XCTAssertEqual(withPort.address.socketPath, "/tmp/pg sock/.s.PGSQL.6001")
        // libpq also takes a percent-encoded directory as the host itself.
        XCTAssertEqual(try postgres("postgres://u@%2Fvar%2Frun%2Fpostgresql/d").address, .unixSocket(directory: "/var/run/postgresql", port: 5432))
    }

    func testTheHostParameterMayNameATCPHost() throws {
        XCTAssertEqual(try postgres("postgres://u@/d?host=db.internal").address, .tcp(host: "db.internal", port: 5432))
    }

    func testAHostGivenTwiceIsRefused() {
        XCTAssertTrue(urlError("postgres://u@h/d?host=/tmp").hasSuffix("names the host twice, before the path and as ?host=; keep one"))
    }

    func testTLSOverAUnixSocketIsRefused() {
        XCTAssertTrue(urlError("postgres://u@/d?host=/tmp&sslmode=require").contains("over a unix socket, which carries no TLS"))
        XCTAssertNoThrow(try postgres("postgres://u@/d?host=/tmp&sslmode=disable"))
    }

    func testEverySSLModeMapsAsLibpqDoes() throws {
        XCTAssertEqual(try postgres("postgres://u@h/d?sslmode=disable").tlsPolicy, .disabled)
        XCTAssertEqual(try postgres("postgres://u@h/d?sslmode=prefer").tlsPolicy, .preferred)
        XCTAssertEqual(try postgres("postgres://u@h/d?sslmode=require").tlsPolicy, .required(.none))
        XCTAssertEqual(try postgres("postgres://u@h/d?sslmode=verify-ca").tlsPolicy, .required(.chain))
        XCTAssertEqual(try postgres("postgres://u@h/d?sslmode=verify-full").tlsPolicy, .required(.chainAndHostName))
    }

    func testRequireWithARootCertificateChecksTheChain() throws {
        let file = try temporaryFile("-----BEGIN CERTIFICATE-----\n")
        let settings = try postgres("postgres://u@h/d?sslmode=require&sslrootcert=\(file)")
        XCTAssertEqual(settings.tlsPolicy, .required(.chain))
        XCTAssertEqual(settings.trustRoots, .file(file))
    }

    func testAnUnknownSSLModeIsNamed() {
        XCTAssertTrue(urlError("postgres://u@h/d?sslmode=allow").hasSuffix(
            "sslmode 'allow' is not one of disable, prefer, require, verify-ca, verify-full"))
    }

    func testSSLRootCertIsResolvedLikeOtherConfigPaths() throws {
        let file = try temporaryFile("pem")
        let directory = (file as NSString).deletingLastPathComponent
        let configPath = directory + "/config.toml"
        let relative = try store("postgres_url = \"postgres://u@h/d?sslmode=verify-full&sslrootcert=pgpassword\"", path: configPath)
        XCTAssertEqual(relative.postgres?.trustRoots, .file(file))
        let home = try store(
            "postgres_url = \"postgres://u@h/d?sslmode=verify-full&sslrootcert=~/pgpassword\"", environment: ["HOME": directory])
        XCTAssertEqual(home.postgres?.trustRoots, .file(file))
        XCTAssertEqual(try postgres("postgres://u@h/d?sslmode=verify-full&sslrootcert=system").trustRoots, .system)
    }

    func testAMissingSSLRootCertIsNamed() {
        XCTAssertTrue(urlError("postgres://u@h/d?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem").contains(
            "sslrootcert /nonexistent/ca.pem is not a readable file"))
    }

    func testUnknownParametersAreNamed() {
        let message = urlError("postgres://u:topsecret@h/d?sslmode=require&connect_timeout=5&password=hunter22&host=h2", secret: "hunter22")
        XCTAssertTrue(message.hasSuffix("has unknown parameters connect_timeout, password; known: host, sslmode, sslrootcert"), message)
        XCTAssertFalse(message.contains("topsecret"))
    }

    func testAParameterGivenTwiceIsRefused() {
        XCTAssertTrue(urlError("postgres://u@h/d?sslmode=require&sslmode=disable").hasSuffix("gives the parameter sslmode twice"))
    }

    func testUserPasswordAndDatabaseArePercentDecoded() throws {
        let settings = try postgres("postgres://svc%40corp:p%40ss%2Fw%3Ard@h/my%20db")
        XCTAssertEqual(settings.user, "svc@corp")
        XCTAssertEqual(settings.password?.reveal(), "p@ss/w:rd")
        XCTAssertEqual(settings.database, "my db")
        XCTAssertEqual(settings.passwordSource, .url)
    }

    func testAPasswordMayHoldQuestionMarksAndColonsAsTheyAre() throws {
        let settings = try postgres("postgres://u:a?b:c#d@h/d?sslmode=disable".replacingOccurrences(of: "#", with: "%23"))
        XCTAssertEqual(settings.password?.reveal(), "a?b:c#d")
        XCTAssertEqual(settings.sslMode, .disable)
    }

    func testMalformedPercentEncodingIsRefusedWithoutQuotingThePassword() {
        XCTAssertTrue(urlError("postgres://u:sec%zzret@h/d", secret: "sec").hasSuffix("has a malformed percent-encoding in the password"))
        XCTAssertTrue(urlError("postgres://u%zz@h/d").hasSuffix("has a malformed percent-encoding in the user name"))
    }

    func testAnUnencodedSlashInThePasswordIsExplainedNotQuoted() {
        let message = urlError("postgres://u:pa/zq9secret@h/d", secret: "zq9secret")
        XCTAssertTrue(message.hasSuffix("has an '@' after a '/': percent-encode a '/' in the user name or password as %2F"), message)
    }

    func testAPathOfSeveralSegmentsIsRefused() {
        XCTAssertTrue(urlError("postgres://u@h/d/e").contains("path of more than one segment"))
    }

    func testAFragmentIsRefused() {
        XCTAssertTrue(urlError("postgres://u@h/d#x").contains("'#' fragment"))
    }

    // MARK: - The password

    func testTheURLsPasswordComesFirst() throws {
        let file = try temporaryFile("from-file\n")
        let settings = try store(
            "postgres_url = \"postgres://u:from-url@h/d\"\npassword_file = \"\(file)\"", environment: ["PGPASSWORD": "from-env"])
        XCTAssertEqual(settings.postgres?.password?.reveal(), "from-url")
        XCTAssertEqual(settings.postgres?.passwordSource, .url)
    }

    func testPGPASSWORDComesBeforeTheFile() throws {
        let settings = try store(
            "postgres_url = \"postgres://u@h/d\"\npassword_file = \"/nonexistent/never-read\"", environment: ["PGPASSWORD": "from-env"])
        XCTAssertEqual(settings.postgres?.password?.reveal(), "from-env")
        XCTAssertEqual(settings.postgres?.passwordSource, .environment)
    }

    func testThePasswordFilesFirstLineWithoutItsLineBreak() throws {
        for content in ["from-file\n", "from-file\r\nsecond line\n", "from-file"] {
            let file = try temporaryFile(content)
            let settings = try store("postgres_url = \"postgres://u@h/d\"\npassword_file = \"\(file)\"")
            XCTAssertEqual(settings.postgres?.password?.reveal(), "from-file")
            XCTAssertEqual(settings.postgres?.passwordSource, .file(file))
        }
    }

    func testThePasswordFileIsResolvedLikeOtherConfigPaths() throws {
        let file = try temporaryFile("pw\n")
        let directory = (file as NSString).deletingLastPathComponent
        let relative = try store("postgres_url = \"postgres://u@h/d\"\npassword_file = \"pgpassword\"", path: directory + "/config.toml")
        XCTAssertEqual(relative.postgres?.passwordSource, .file(file))
        let home = try store("postgres_url = \"postgres://u@h/d\"\npassword_file = \"~/pgpassword\"", environment: ["HOME": directory])
        XCTAssertEqual(home.postgres?.password?.reveal(), "pw")
    }

    func testAMissingPasswordFileIsNamed() {
        XCTAssertThrowsError(try store("postgres_url = \"postgres://u@h/d\"\npassword_file = \"/nonexistent/pgpassword\"")) { error in
            XCTAssertEqual("\(error)", "Config \(Self.configPath): [store] password_file: /nonexistent/pgpassword: no such file")
        }
    }

    func testAnUnreadablePasswordFileIsNamedNeverQuoted() throws {
        let file = try temporaryFile("unreadable-secret\n")
        let directory = (file as NSString).deletingLastPathComponent
        // Root reads any file: a directory in its place is unreadable as a file for everyone.
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        XCTAssertThrowsError(try store("postgres_url = \"postgres://u@h/d\"\npassword_file = \"\(file)\"")) { error in
            XCTAssertEqual(
                "\(error)",
                "Config \(Self.configPath): [store] password_file: \(file) cannot be read (is it a file this user may read?)")
        }
        let secretFile = directory + "/secret"
        try Data("unreadable-secret\n".utf8).write(to: URL(fileURLWithPath: secretFile))
        _ = chmod(secretFile, 0o000)
        if getuid() != 0 {
            XCTAssertThrowsError(try store("postgres_url = \"postgres://u@h/d\"\npassword_file = \"\(secretFile)\"")) { error in
                XCTAssertTrue("\(error)".contains(secretFile), "\(error)")
                XCTAssertFalse("\(error)".contains("unreadable-secret"), "\(error)")
            }
        }
    }

    func testAnEmptyPasswordFileIsRefused() throws {
        let file = try temporaryFile("\nsecond-line-secret\n")
        XCTAssertThrowsError(try store("postgres_url = \"postgres://u@h/d\"\npassword_file = \"\(file)\"")) { error in
            XCTAssertEqual("\(error)", "Config \(Self.configPath): [store] password_file: \(file) holds no password: its first line is empty")
            XCTAssertFalse("\(error)".contains("second-line-secret"))
        }
    }

    // MARK: - Never the password

    func testTheDescriptionShowsTheURLWithThePasswordAsStars() throws {
        let settings = try store("postgres_url = \"postgres://svc%40corp:hunter22@db.example.com:6543/coord?sslmode=verify-full\"")
        XCTAssertEqual(settings.description, "postgres://svc%40corp:***@db.example.com:6543/coord?sslmode=verify-full")
        XCTAssertFalse("\(settings)".contains("hunter22"))
        XCTAssertFalse(String(reflecting: settings).contains("hunter22"))
        XCTAssertFalse("\(String(describing: settings.postgres))".contains("hunter22"))
    }

    func testTheDescriptionSaysWhereAnotherPasswordComesFrom() throws {
        let fromEnvironment = try store("postgres_url = \"postgres://u@h/d\"", environment: ["PGPASSWORD": "hunter22"])
        XCTAssertEqual(fromEnvironment.description, "postgres://u@h:5432/d?sslmode=prefer (password from PGPASSWORD)")
        let socket = try store("postgres_url = \"postgres://u@/d?host=/run/pg\"")
        XCTAssertEqual(socket.description, "postgres://u@:5432/d?host=/run/pg&sslmode=prefer")
    }

    func testTheWholeConfigNeverPrintsThePassword() throws {
        let file = try temporaryFile("file-secret-1\n")
        for (table, environment) in [
            ("postgres_url = \"postgres://u:url-secret-1@h/d\"", [String: String]()),
            ("postgres_url = \"postgres://u@h/d\"", ["PGPASSWORD": "env-secret-1"]),
            ("postgres_url = \"postgres://u@h/d\"\npassword_file = \"\(file)\"", [:]),
        ] {
            let config = try ConfigLoader.parse(base + "[store]\n" + table + "\n", path: Self.configPath, environment: environment)
            for text in ["\(config)", String(reflecting: config), "\(config.store)"] {
                for secret in ["url-secret-1", "env-secret-1", "file-secret-1"] {
                    XCTAssertFalse(text.contains(secret), text)
                }
            }
        }
    }

    func testTheTemplateShowsTheStoreTableCommentedOut() throws {
        XCTAssertTrue(ConfigLoader.template.contains("# [store]\n"), ConfigLoader.template)
        XCTAssertTrue(ConfigLoader.template.contains("# postgres_url = \"postgres://"), ConfigLoader.template)
        XCTAssertTrue(ConfigLoader.template.contains("# password_file = "), ConfigLoader.template)
        // The template's example URL parses.
        let line = try XCTUnwrap(ConfigLoader.template.split(separator: "\n").first { $0.hasPrefix("# postgres_url = ") })
        let url = try XCTUnwrap(line.split(separator: "\"").dropFirst().first)
        XCTAssertNoThrow(try PostgresURL(parsing: String(url)))
    }
}

private struct NotPostgres: Error {}
