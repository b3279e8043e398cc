import Coordinator
import CoordinatorPostgres
import Foundation
import Logging
import PostgresNIO
import TestSupport
import XCTest

/// `coordinator doctor`'s checks of the PostgreSQL store against a real server (one per class, a
/// fresh database per test): reachable and its version, the schema behind, equal and ahead of
/// this binary, who holds each repository's lock, and a server that cannot be reached — without
/// ever writing to the database or printing the password.
final class PostgresDoctorTests: PostgresTestCase {
    private var pools: [PostgresConnections] = []

    override func tearDown() async throws {
        for pool in pools { await pool.shutdown() }
        pools = []
    }

    static let demo = repo("demo", "https://github.com/acme/demo.git")
    static let tools = repo("tools", "https://github.com/acme/tools.git")

    static func repo(_ name: String, _ url: String) -> RepoConfig {
        RepoConfig(name: name, repoURLText: url, repo: RepoURL(parsing: url)!, executorJobPath: "Coordinator/\(name)/executor", githubCredentialsID: "pat")
    }

    /// The doctor's session names itself uniquely, so a test can look for it in pg_stat_activity.
    private func doctor(_ settings: PostgresStoreSettings, repos: [RepoConfig] = [demo, tools], name: String = "coordinator doctor-test") async -> [DoctorCheck] {
        await PostgresDoctor.checks(settings, repos: repos, connectTimeout: .seconds(5), applicationName: name, logger: PostgresMigrations.quietLogger)
    }

    private func check(_ checks: [DoctorCheck], _ id: String, repo: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> DoctorCheck {
        try XCTUnwrap(checks.first { $0.id == id && $0.repo == repo }, "no \(id) for \(repo ?? "the store") in \(checks)", file: file, line: line)
    }

    private func migrated() async throws -> PostgresStoreSettings {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let pool = PostgresTestServer.pool(settings)
        pools.append(pool)
        try await pool.withConnection { try await PostgresMigrations.migrate($0) }
        return settings
    }

    // MARK: Reachable, and the schema

    func testAFreshDatabaseIsReachableWithItsSchemaAtZeroAndDoctorCreatesNothing() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let name = "coordinator doctor-\(UUID().uuidString.prefix(8))"
        let checks = await doctor(settings, name: name)

        XCTAssertEqual(checks.map(\.id), ["store.connection", "store.schema", "store.lock", "store.lock"])
        XCTAssertEqual(checks.map(\.repo), [nil, nil, "demo", "tools"])
        XCTAssertEqual(checks.map(\.subject), ["store", "store", "demo", "tools"])
        let connection = try check(checks, "store.connection")
        XCTAssertEqual(connection.status, .ok)
        let version = try server.psql("SHOW server_version")
        XCTAssertEqual(
            connection.found,
            "postgres://coordinator@127.0.0.1:\(server.port)/\(settings.database)?sslmode=disable reachable (PostgreSQL \(version))")
        let schema = try check(checks, "store.schema")
        XCTAssertEqual(schema.status, .warning)
        XCTAssertEqual(schema.found, "schema at 0 (no coordinator tables yet), this binary migrates to \(PostgresMigrations.latestVersion) at its first command")
        XCTAssertTrue(schema.fix?.contains("coordinator store migrate") == true, "\(schema)")
        XCTAssertEqual(try check(checks, "store.lock", repo: "demo").status, .ok)

        // Read only: no table was made, and the session is gone.
        XCTAssertEqual(try server.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: settings.database), "0")
        try await waitUntil("doctor's session has ended", timeout: .seconds(10)) {
            try self.server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(name)'") == "0"
        }
    }

    func testAMigratedDatabaseIsOK() async throws {
        let settings = try await migrated()
        let checks = await doctor(settings)
        XCTAssertEqual(checks.filter { $0.status != .ok }, [], "\(checks)")
        XCTAssertEqual(
            try check(checks, "store.schema").found, "schema at \(PostgresMigrations.latestVersion), the version this binary works with")
    }

    func testASchemaBehindThisBinaryIsAWarningWithItsVersions() {
        // Pure: this binary knows one version, so "behind but not empty" needs a made-up status.
        let behind = PostgresDoctor.schemaCheck(PostgresSchemaStatus(applied: [1], known: 2))
        XCTAssertEqual(behind.status, .warning)
        XCTAssertEqual(behind.found, "schema at 1, this binary migrates to 2 at its first command")
        XCTAssertEqual(PostgresDoctor.schemaCheck(PostgresSchemaStatus(applied: [1, 2], known: 2)).status, .ok)
        XCTAssertEqual(PostgresDoctor.schemaCheck(PostgresSchemaStatus(applied: [1, 2, 3], known: 2)).status, .failed)
    }

    func testASchemaNewerThanThisBinaryFails() async throws {
        let settings = try await migrated()
        let newer = PostgresMigrations.latestVersion + 1
        try server.psql("INSERT INTO coordinator_schema_migrations (version) VALUES (\(newer))", database: settings.database)
        let checks = await doctor(settings)
        let schema = try check(checks, "store.schema")
        XCTAssertEqual(schema.status, .failed)
        XCTAssertEqual(
            schema.found,
            "the database was migrated by a newer coordinator (\(newer) > \(PostgresMigrations.latestVersion)): this binary refuses to work on it")
        XCTAssertEqual(schema.fix, "upgrade this binary to the version the other instances run")
        // The connection still is fine, and the locks are still asked.
        XCTAssertEqual(try check(checks, "store.connection").status, .ok)
        XCTAssertEqual(try check(checks, "store.lock", repo: "demo").status, .ok)
    }

    // MARK: Locks

    func testALockHeldByACoordinatorSessionIsReportedWithItsHolder() async throws {
        let settings = try await migrated()
        // The store every command opens, keyed as it keys a repository; its session holds the lock.
        let holderName = "coordinator 4242@doctor-test (serve)"
        let database = try await PostgresStore.open(PostgresEndpoint(settings: settings, applicationName: holderName), logger: PostgresMigrations.quietLogger)
        pools.append(database.connections)
        let store = database.stores.store(Self.demo, 90, PostgresMigrations.quietLogger)
        let session = try await store.lock(timeout: .seconds(5), waiting: { _ in })
        let holderPID = try server.psql("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted", database: settings.database)

        let checks = await doctor(settings)
        let held = try check(checks, "store.lock", repo: "demo")
        XCTAssertEqual(held.status, .ok, "held is information, not a problem")
        XCTAssertTrue(
            held.found.hasPrefix("lock of acme/demo held by \(holderName) (server pid \(holderPID), from 127.0.0.1, connected "),
            held.found)
        XCTAssertEqual(try check(checks, "store.lock", repo: "tools").found, "lock of acme/tools free (no coordinator is at work on it now)")

        await session.release()
        let after = await doctor(settings)
        XCTAssertEqual(try check(after, "store.lock", repo: "demo").found, "lock of acme/demo free (no coordinator is at work on it now)")
    }

    // MARK: Unreachable

    func testAServerThatCannotBeReachedFailsSkipsTheRestAndNeverShowsThePassword() async throws {
        let password = "pg-doctor-secret-7f3a"
        let port = try LoopbackPort.free()
        let settings = try PostgresTestServer.settings("postgres://coordinator:\(password)@127.0.0.1:\(port)/coordinator?sslmode=disable")
        let started = ContinuousClock.now
        let checks = await doctor(settings)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))

        XCTAssertEqual(checks.map(\.status), [.failed, .skipped, .skipped, .skipped], "\(checks)")
        let connection = try check(checks, "store.connection")
        XCTAssertTrue(
            connection.found.hasPrefix("postgres://coordinator:***@127.0.0.1:\(port)/coordinator?sslmode=disable is unavailable: "),
            connection.found)
        XCTAssertTrue(connection.found.contains("is PostgreSQL running"), connection.found)
        XCTAssertTrue(connection.fix?.hasPrefix("start PostgreSQL, or check the host and port in [store] postgres_url") == true, "\(connection)")
        XCTAssertEqual(try check(checks, "store.schema").found, "skipped: the store cannot be reached")
        XCTAssertEqual(try check(checks, "store.lock", repo: "tools").found, "skipped: the store cannot be reached")

        let json = String(decoding: try JSONEncoder().encode(DoctorReport(config: "c.toml", checks: checks)), as: UTF8.self)
        XCTAssertTrue(json.contains("127.0.0.1:\(port)"), json)
        XCTAssertFalse(json.contains(password), json)
    }

    func testADatabaseThatDoesNotExistFailsWithCreatedb() async throws {
        let missing = "absent_" + UUID().uuidString.prefix(8).lowercased()
        let settings = try PostgresTestServer.settings("postgres://\(TemporaryPostgres.user)@127.0.0.1:\(server.port)/\(missing)?sslmode=disable")
        let checks = await doctor(settings)
        let connection = try check(checks, "store.connection")
        XCTAssertEqual(connection.status, .failed)
        XCTAssertTrue(connection.found.contains("does not exist"), connection.found)
        XCTAssertEqual(
            connection.fix,
            "create the database (createdb -O coordinator \(missing)) or correct its name in [store] postgres_url (or COORDINATOR_POSTGRES_URL)")
        XCTAssertEqual(checks.dropFirst().map(\.status), [.skipped, .skipped, .skipped])
    }
}
