import Coordinator
import CoordinatorPostgres
import PostgresNIO
import XCTest

/// `[store]` settings into postgres-nio's configuration: TCP or socket, TLS per sslmode, the
/// connect timeout, and the application name every connection carries.
final class PostgresEndpointTests: XCTestCase {
    private func endpoint(_ url: String) throws -> PostgresEndpoint {
        PostgresEndpoint(settings: PostgresStoreSettings(url: try PostgresURL(parsing: url)), applicationName: "coordinator test")
    }

    func testATCPURLConnectsToItsHostAndPort() throws {
        let configuration = try endpoint("postgres://alice:pw@db.example.com:6543/coord?sslmode=disable").configuration()
        XCTAssertEqual(configuration.host, "db.example.com")
        XCTAssertEqual(configuration.port, 6543)
        XCTAssertNil(configuration.unixSocketPath)
        XCTAssertEqual(configuration.username, "alice")
        XCTAssertEqual(configuration.password, "pw")
        XCTAssertEqual(configuration.database, "coord")
        XCTAssertFalse(configuration.tls.isAllowed)
    }

    func testASocketURLConnectsToTheSocketFile() throws {
        let configuration = try endpoint("postgres://alice@/coord?host=/run/postgresql").configuration()
        XCTAssertEqual(configuration.unixSocketPath, "/run/postgresql/.s.PGSQL.5432")
        XCTAssertNil(configuration.host)
        XCTAssertNil(configuration.password)
        XCTAssertFalse(configuration.tls.isAllowed)
    }

    func testSSLModesBecomeTLSModes() throws {
        XCTAssertFalse(try endpoint("postgres://u@h/d?sslmode=disable").configuration().tls.isAllowed)
        let prefer = try endpoint("postgres://u@h/d?sslmode=prefer").configuration().tls
        XCTAssertTrue(prefer.isAllowed)
        XCTAssertFalse(prefer.isEnforced)
        for mode in ["require", "verify-ca", "verify-full"] {
            let tls = try endpoint("postgres://u@h/d?sslmode=\(mode)").configuration().tls
            XCTAssertTrue(tls.isEnforced, mode)
        }
    }

    func testAnUnusableRootCertificateIsUnavailableNamingTheFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(UUID().uuidString).pem")
        try Data("not a certificate\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = PostgresStoreSettings(
            url: try PostgresURL(parsing: "postgres://u:hunter2-secret@h/d?sslmode=verify-full"), trustRoots: .file(file.path))
        XCTAssertThrowsError(try PostgresEndpoint(settings: settings).configuration()) { error in
            XCTAssertTrue(error is StoreUnavailable, "\(error)")
            XCTAssertTrue("\(error)".contains("sslrootcert \(file.path)"), "\(error)")
            XCTAssertFalse("\(error)".contains("hunter2-secret"))
        }
    }

    func testTheConnectTimeoutAndApplicationNameAreSet() throws {
        let configuration = try endpoint("postgres://u@h/d").configuration(connectTimeout: .milliseconds(2500))
        XCTAssertEqual(configuration.options.connectTimeout, .milliseconds(2500))
        XCTAssertEqual(configuration.options.additionalStartupParameters.first?.0, "application_name")
        XCTAssertEqual(configuration.options.additionalStartupParameters.first?.1, "coordinator test")
        XCTAssertEqual(try endpoint("postgres://u@h/d").configuration(connectTimeout: .seconds(1_000_000)).options.connectTimeout, .seconds(86_400))
    }

    func testTheApplicationNameSaysProcessHostAndCommandInSixtyThreeASCIIBytes() {
        XCTAssertEqual(PostgresEndpoint.applicationName(command: "serve", processID: 4242, hostName: "web-1"), "coordinator 4242@web-1 (serve)")
        XCTAssertEqual(PostgresEndpoint.applicationName(command: nil, processID: 7, hostName: "h"), "coordinator 7@h")
        let long = PostgresEndpoint.applicationName(command: "run", processID: 1, hostName: String(repeating: "ä", count: 100))
        XCTAssertEqual(long.utf8.count, 63)
        XCTAssertTrue(long.allSatisfy(\.isASCII))
    }

    func testTheDescriptionNamesAddressAndDatabase() throws {
        XCTAssertEqual("\(try endpoint("postgres://u:pw@db:6000/coord"))", "db:6000, database coord")
        XCTAssertEqual("\(try endpoint("postgres://u@/coord?host=/run/pg"))", "/run/pg/.s.PGSQL.5432, database coord")
    }
}
