import Coordinator
import CoordinatorPostgres
import Foundation
import PostgresNIO
import TestSupport
import XCTest

/// What the PostgreSQL test classes share: settings for a URL, a fresh database, a pool on it.
enum PostgresTestServer {
    /// The settings `url` parses to (a test URL: no password file, no environment).
    static func settings(_ url: String) throws -> PostgresStoreSettings {
        PostgresStoreSettings(url: try PostgresURL(parsing: url))
    }

    /// A new, empty database on `server`, for a test that changes the schema.
    static func freshDatabase(on server: TemporaryPostgres) throws -> PostgresStoreSettings {
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try server.psql("CREATE DATABASE \(name)")
        return try settings("postgres://\(TemporaryPostgres.user)@127.0.0.1:\(server.port)/\(name)?sslmode=disable")
    }

    /// A pool whose connections name themselves `applicationName` (so a test can find them in
    /// pg_stat_activity), with a short connect timeout.
    static func pool(_ settings: PostgresStoreSettings, applicationName: String = "coordinator test \(UUID().uuidString.prefix(8))") -> PostgresConnections {
        PostgresConnections(
            endpoint: PostgresEndpoint(settings: settings, applicationName: applicationName), connectTimeout: .seconds(5))
    }

    static func backendPID(_ connection: PostgresConnection) async throws -> Int32 {
        try await single(connection, "SELECT pg_backend_pid()", as: Int32.self)
    }

    static func single<Value: PostgresDecodable & Sendable>(_ connection: PostgresConnection, _ query: PostgresQuery, as type: Value.Type) async throws -> Value {
        guard let value = try await connection.queryFirst(query, as: Value.self) else {
            throw TemporaryPostgresError("no row for \(query.sql)")
        }
        return value
    }
}

/// A test class against a real PostgreSQL: one server for the class's tests (started by the
/// first `setUp`), stopped after its last one; `server` is it.
class PostgresTestCase: XCTestCase {
    static let postgres = TemporaryPostgres.Shared()
    private(set) var server: TemporaryPostgres!

    override func setUp() async throws {
        try await super.setUp()
        server = try Self.postgres.server()
    }

    override class func tearDown() {
        postgres.stop()
        super.tearDown()
    }
}
