import Coordinator
import CoordinatorPostgres
import Foundation
import PostgresNIO
import TestSupport
import XCTest

/// The schema against a real PostgreSQL (one server per class, a fresh database per test):
/// applied once, idempotent, serialised between instances, and refused when newer than known.
final class PostgresMigrationsTests: PostgresTestCase {

    func testAFreshDatabaseGetsEveryTableOfTheLatestVersion() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let pool = PostgresTestServer.pool(settings)
        let applied = try await pool.withConnection { try await PostgresMigrations.migrate($0) }
        XCTAssertEqual(applied, [1, 2])
        let tables = try server.psql(
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
            database: settings.database)
        XCTAssertEqual(tables, [
            "coordinator_deliveries", "coordinator_history", "coordinator_history_checkpoint", "coordinator_idempotency",
            "coordinator_issue_cache", "coordinator_notes", "coordinator_schema_migrations",
        ].joined(separator: ","))
        let index = try server.psql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'coordinator_history_repo_seq'", database: settings.database)
        XCTAssertTrue(index.contains("(repo, seq)"), index)
        await pool.shutdown()
    }

    func testMigratingAgainChangesNothing() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let pool = PostgresTestServer.pool(settings)
        let first = try await pool.withConnection { try await PostgresMigrations.migrate($0) }
        let second = try await pool.withConnection { try await PostgresMigrations.migrate($0) }
        XCTAssertEqual(first, [1, 2])
        XCTAssertEqual(second, [])
        XCTAssertEqual(try server.psql("SELECT count(*) FROM coordinator_schema_migrations", database: settings.database), "2")
        await pool.shutdown()
    }

    func testTwoInstancesMigratingTogetherApplyEachVersionOnce() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let one = PostgresTestServer.pool(settings)
        let two = PostgresTestServer.pool(settings)
        // Both connected first, so the two migrations really start together.
        let a = try await one.take()
        let b = try await two.take()
        async let fromA = PostgresMigrations.migrate(a)
        async let fromB = PostgresMigrations.migrate(b)
        let results = try await [fromA, fromB]
        XCTAssertEqual(results.sorted { $0.count < $1.count }, [[], [1, 2]])
        XCTAssertEqual(try server.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM coordinator_schema_migrations", database: settings.database), "1,2")
        await one.give(back: a)
        await two.give(back: b)
        await one.shutdown()
        await two.shutdown()
    }

    func testStatusTellsAppliedAndPending() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let pool = PostgresTestServer.pool(settings)
        let before = try await pool.withConnection { try await PostgresMigrations.status($0) }
        XCTAssertEqual(before, PostgresSchemaStatus(applied: [], known: PostgresMigrations.latestVersion))
        XCTAssertNil(before.current)
        XCTAssertEqual(before.pending, [1, 2])
        XCTAssertEqual(before.description, "no schema; this coordinator knows 2, pending: 1, 2")
        try await pool.withConnection { _ = try await PostgresMigrations.migrate($0) }
        let after = try await pool.withConnection { try await PostgresMigrations.status($0) }
        XCTAssertEqual(after.current, 2)
        XCTAssertEqual(after.pending, [])
        XCTAssertEqual(after.description, "version 2, up to date")
        await pool.shutdown()
    }

    func testANewerSchemaIsRefusedAndLeftAlone() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let pool = PostgresTestServer.pool(settings)
        try await pool.withConnection { _ = try await PostgresMigrations.migrate($0) }
        try server.psql("INSERT INTO coordinator_schema_migrations (version) VALUES (7)", database: settings.database)
        do {
            try await pool.withConnection { _ = try await PostgresMigrations.migrate($0) }
            XCTFail("migrated a newer schema")
        } catch let error as SchemaTooNew {
            XCTAssertEqual("\(error)", "database schema version 7 is newer than this coordinator (2); upgrade coordinator")
        }
        let status = try await pool.withConnection { try await PostgresMigrations.status($0) }
        XCTAssertTrue(status.isNewerThanKnown)
        XCTAssertEqual(status.description, "version 7, newer than this coordinator (2); upgrade coordinator")
        XCTAssertEqual(try server.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM coordinator_schema_migrations", database: settings.database), "1,2,7")
        await pool.shutdown()
    }

    func testADatabaseAtVersionOneIsBroughtToTheLatest() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let pool = PostgresTestServer.pool(settings)
        let first = try await pool.withConnection { try await PostgresMigrations.migrate($0, migrations: Array(PostgresMigrations.all.prefix(1))) }
        XCTAssertEqual(first, [1])
        XCTAssertEqual(try server.psql("SELECT to_regclass('coordinator_lanes') IS NOT NULL", database: settings.database), "t")
        let rest = try await pool.withConnection { try await PostgresMigrations.migrate($0) }
        XCTAssertEqual(rest, [2])
        XCTAssertEqual(try server.psql("SELECT to_regclass('coordinator_lanes') IS NULL", database: settings.database), "t")
        let key = try server.psql(
            "SELECT string_agg(a.attname, ',' ORDER BY array_position(i.indkey, a.attnum)) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'coordinator_idempotency'::regclass AND i.indisprimary",
            database: settings.database)
        XCTAssertEqual(key, "operator,key")
        await pool.shutdown()
    }

    func testAFailingMigrationLeavesNothingBehind() async throws {
        let settings = try PostgresTestServer.freshDatabase(on: server)
        let pool = PostgresTestServer.pool(settings)
        let broken = PostgresMigrations.all + [
            PostgresMigration(version: 3, name: "broken", statements: ["CREATE TABLE coordinator_half (x int)", "SELECT no_such_function()"]),
        ]
        do {
            try await pool.withConnection { _ = try await PostgresMigrations.migrate($0, migrations: broken) }
            XCTFail("a broken migration applied")
        } catch let error as StoreQueryFailed {
            XCTAssertTrue("\(error)".contains("no_such_function"), "\(error)")
        }
        // One transaction: neither versions 1 and 2 nor the half of version 3 stayed.
        XCTAssertEqual(try server.psql("SELECT to_regclass('coordinator_schema_migrations') IS NULL AND to_regclass('coordinator_half') IS NULL", database: settings.database), "t")
        await pool.shutdown()
    }
}
