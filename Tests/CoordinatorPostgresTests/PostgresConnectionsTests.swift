import Coordinator
import CoordinatorPostgres
import Foundation
import PostgresNIO
import TestSupport
import XCTest

/// The pool against a real PostgreSQL (one per class): TCP and the unix socket, reuse, a
/// terminated connection replaced, and what a caller sees when the server is down or says no.
final class PostgresConnectionsTests: PostgresTestCase {

    func testConnectsOverTCP() async throws {
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings(server.url))
        let database = try await pool.withConnection { connection in
            try await PostgresTestServer.single(connection, "SELECT current_database() || ' ' || (inet_server_addr() IS NOT NULL)::text", as: String.self)
        }
        XCTAssertEqual(database, "\(server.database) true")
        await pool.shutdown()
    }

    func testConnectsOverTheUnixSocket() async throws {
        let settings = try PostgresTestServer.settings(server.socketURL)
        XCTAssertEqual(settings.address, .unixSocket(directory: server.socketDirectory, port: server.port))
        let pool = PostgresTestServer.pool(settings)
        // Over a unix socket the server has no address of its own.
        let overSocket = try await pool.withConnection { connection in
            try await PostgresTestServer.single(connection, "SELECT inet_server_addr() IS NULL", as: Bool.self)
        }
        XCTAssertTrue(overSocket)
        await pool.shutdown()
    }

    func testAMissingSocketFileIsUnavailableNamingIt() async throws {
        let directory = server.directory + "/no-socket-here"
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings("postgres://coordinator@:\(server.port)/db?host=\(directory)"))
        do {
            _ = try await pool.take()
            XCTFail("connected through no socket")
        } catch let error as StoreUnavailable {
            XCTAssertEqual(
                "\(error)",
                "PostgreSQL store at \(directory)/.s.PGSQL.\(server.port), database db is unavailable: cannot connect: no such file or directory; "
                    + "no socket file there: is PostgreSQL running, with that directory in its unix_socket_directories?")
        }
        await pool.shutdown()
    }

    func testEachConnectionNamesItselfToTheServer() async throws {
        let name = "coordinator 4242@testhost (serve)"
        let pool = PostgresConnections(endpoint: PostgresEndpoint(settings: try PostgresTestServer.settings(server.url), applicationName: name))
        let seen = try await pool.withConnection { connection in
            try await PostgresTestServer.single(connection, "SELECT current_setting('application_name')", as: String.self)
        }
        XCTAssertEqual(seen, name)
        await pool.shutdown()
    }

    func testAReturnedConnectionIsReused() async throws {
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings(server.url))
        let first = try await pool.withConnection { try await PostgresTestServer.backendPID($0) }
        let second = try await pool.withConnection { try await PostgresTestServer.backendPID($0) }
        XCTAssertEqual(first, second)
        let opened = await pool.connectionsOpened
        XCTAssertEqual(opened, 1)
        let idle = await pool.idleCount
        XCTAssertEqual(idle, 1)
        await pool.shutdown()
    }

    func testAtMostMaxIdleConnectionsAreKept() async throws {
        let pool = PostgresConnections(
            endpoint: PostgresEndpoint(settings: try PostgresTestServer.settings(server.url)), maxIdle: 2)
        var lent: [PostgresConnection] = []
        for _ in 0..<3 { lent.append(try await pool.take()) }
        for connection in lent { await pool.give(back: connection) }
        let idle = await pool.idleCount
        XCTAssertEqual(idle, 2)
        try await waitUntil("the third connection is closed") { lent.filter(\.isClosed).count == 1 }
        await pool.shutdown()
        try await waitUntil("shutdown closed the idle connections") { lent.allSatisfy(\.isClosed) }
    }

    func testAQueryOnATerminatedConnectionIsUnavailableAndTheNextTakeWorks() async throws {
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings(server.url))
        let server = try XCTUnwrap(self.server)
        var terminated: Int32 = 0
        do {
            try await pool.withConnection { connection in
                terminated = try await PostgresTestServer.backendPID(connection)
                try server.psql("SELECT pg_terminate_backend(\(terminated), 5000)")
                _ = try await PostgresTestServer.backendPID(connection)
            }
            XCTFail("a query on a terminated connection succeeded")
        } catch let error as StoreUnavailable {
            XCTAssertTrue("\(error)".hasPrefix("PostgreSQL store at 127.0.0.1:\(server.port), database \(server.database) is unavailable: "), "\(error)")
        }
        let next = try await pool.withConnection { try await PostgresTestServer.backendPID($0) }
        XCTAssertNotEqual(next, terminated)
        let opened = await pool.connectionsOpened
        XCTAssertEqual(opened, 2)
        await pool.shutdown()
    }

    func testAnIdleConnectionTerminatedByTheServerIsReplaced() async throws {
        let name = "coordinator idle \(UUID().uuidString.prefix(8))"
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings(server.url), applicationName: name)
        let first = try await pool.withConnection { try await PostgresTestServer.backendPID($0) }
        XCTAssertEqual(try server.terminateBackends(applicationLike: name), 1)
        // The pool notices the closed connection when it lends it, or its first query fails and
        // the connection is dropped: at most one caller sees StoreUnavailable.
        var pid: Int32?
        for _ in 0..<2 where pid == nil {
            pid = try? await pool.withConnection { try await PostgresTestServer.backendPID($0) }
        }
        XCTAssertNotNil(pid)
        XCTAssertNotEqual(pid, first)
        await pool.shutdown()
    }

    func testAServerThatIsDownIsUnavailableNamingTheAddressNeverThePassword() async throws {
        let port = try LoopbackPort.free()
        let settings = try PostgresTestServer.settings("postgres://coordinator:hunter2-secret@127.0.0.1:\(port)/coordination?sslmode=disable")
        let pool = PostgresTestServer.pool(settings)
        do {
            _ = try await pool.take()
            XCTFail("connected to nothing")
        } catch let error as StoreUnavailable {
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("PostgreSQL store at 127.0.0.1:\(port), database coordination is unavailable: "), text)
            XCTAssertTrue(text.hasSuffix("is unavailable: cannot connect: connection refused; is PostgreSQL running and listening there?"), text)
            XCTAssertFalse(text.contains("hunter2-secret"), text)
            XCTAssertFalse(String(reflecting: error).contains("hunter2-secret"))
        }
        await pool.shutdown()
    }

    func testAMissingDatabaseIsUnavailableWithPostgresMessage() async throws {
        let settings = try PostgresTestServer.settings("postgres://coordinator:hunter2-secret@127.0.0.1:\(server.port)/no_such_db?sslmode=disable")
        let pool = PostgresTestServer.pool(settings)
        do {
            _ = try await pool.take()
            XCTFail("connected to a missing database")
        } catch let error as StoreUnavailable {
            XCTAssertEqual(error.sqlState, "3D000")
            XCTAssertTrue("\(error)".contains("database \"no_such_db\" does not exist"), "\(error)")
            XCTAssertFalse("\(error)".contains("hunter2-secret"), "\(error)")
        }
        await pool.shutdown()
    }

    func testTLSRequiredOfAServerWithoutItIsUnavailable() async throws {
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings("postgres://coordinator@127.0.0.1:\(server.port)/\(server.database)?sslmode=require"))
        do {
            _ = try await pool.take()
            XCTFail("connected without TLS")
        } catch let error as StoreUnavailable {
            XCTAssertTrue("\(error)".contains("does not offer TLS"), "\(error)")
        }
        await pool.shutdown()
    }

    func testSSLModePreferFallsBackToPlainWhenTheServerHasNoTLS() async throws {
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings("postgres://coordinator@127.0.0.1:\(server.port)/\(server.database)"))
        let one = try await pool.withConnection { try await PostgresTestServer.single($0, "SELECT 1", as: Int32.self) }
        XCTAssertEqual(one, 1)
        await pool.shutdown()
    }

    func testARefusedStatementIsAQueryFailureAndItsConnectionIsNotReused() async throws {
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings(server.url))
        do {
            try await pool.withConnection { connection in
                try await connection.queryRows("SELECT * FROM no_such_table")
            }
            XCTFail("a query on a missing table succeeded")
        } catch let error as StoreQueryFailed {
            XCTAssertEqual(error.sqlState, "42P01")
            XCTAssertTrue("\(error)".contains("relation \"no_such_table\" does not exist"), "\(error)")
        }
        let idle = await pool.idleCount
        XCTAssertEqual(idle, 0)
        await pool.shutdown()
    }

    func testACallersOwnErrorPassesThrough() async throws {
        struct Mine: Error {}
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings(server.url))
        do {
            try await pool.withConnection { _ in throw Mine() }
            XCTFail("no error")
        } catch is Mine {}
        await pool.shutdown()
    }

    func testAShutDownPoolLendsNothing() async throws {
        let pool = PostgresTestServer.pool(try PostgresTestServer.settings(server.url))
        await pool.shutdown()
        do {
            _ = try await pool.take()
            XCTFail("lent after shutdown")
        } catch let error as StoreUnavailable {
            XCTAssertTrue("\(error)".contains("shut down"), "\(error)")
        }
    }
}
