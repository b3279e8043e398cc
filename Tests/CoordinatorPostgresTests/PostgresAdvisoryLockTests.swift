import Coordinator
import CoordinatorPostgres
import Foundation
import PostgresNIO
import TestSupport
import XCTest

/// Repository locks against a real PostgreSQL (one server per class): exclusive between
/// connections, released by unlock, by a closed connection and by a terminated backend; `lock`
/// waits, tells who holds it, gives up on time and on cancellation.
final class PostgresAdvisoryLockTests: PostgresTestCase {
    private var pool: PostgresConnections!
    private var lent: [PostgresConnection] = []
    private let applicationName = "coordinator \(ProcessInfo.processInfo.processIdentifier)@locktest (test)"

    override func setUp() async throws {
        try await super.setUp()
        pool = PostgresConnections(
            endpoint: PostgresEndpoint(settings: try PostgresTestServer.settings(server.url), applicationName: applicationName),
            connectTimeout: .seconds(5))
    }

    override func tearDown() async throws {
        for connection in lent { try? await connection.close() }
        lent = []
        await pool?.shutdown()
    }

    /// Two connections of the pool, both lent (so distinct); tearDown closes them.
    private func twoConnections() async throws -> (PostgresConnection, PostgresConnection) {
        let pool = try XCTUnwrap(self.pool)
        let a = try await pool.take()
        let b = try await pool.take()
        lent += [a, b]
        return (a, b)
    }

    private func repo() -> String { "acme/repo-\(UUID().uuidString.prefix(8))" }

    func testASecondConnectionCannotTakeAHeldLockUntilItIsUnlocked() async throws {
        let (a, b) = try await twoConnections()
        let repo = repo()
        let firstTakes = try await PostgresAdvisoryLock.tryLock(a, repo: repo)
        XCTAssertTrue(firstTakes)
        let secondTakes = try await PostgresAdvisoryLock.tryLock(b, repo: repo)
        XCTAssertFalse(secondTakes)
        // Another repository is another lock.
        let otherRepo = try await PostgresAdvisoryLock.tryLock(b, repo: repo + "-other")
        XCTAssertTrue(otherRepo)
        let released = try await PostgresAdvisoryLock.unlock(a, repo: repo)
        XCTAssertTrue(released)
        let afterUnlock = try await PostgresAdvisoryLock.tryLock(b, repo: repo)
        XCTAssertTrue(afterUnlock)
        let notHeld = try await PostgresAdvisoryLock.unlock(a, repo: repo)
        XCTAssertFalse(notHeld)
    }

    func testTheHolderIsNamedFromPgLocksAndPgStatActivity() async throws {
        let (a, b) = try await twoConnections()
        let repo = repo()
        let nobody = try await PostgresAdvisoryLock.holder(b, repo: repo)
        XCTAssertNil(nobody)
        _ = try await PostgresAdvisoryLock.tryLock(a, repo: repo)
        let found = try await PostgresAdvisoryLock.holder(b, repo: repo)
        let holder = try XCTUnwrap(found)
        let pidOfA = try await PostgresTestServer.backendPID(a)
        XCTAssertEqual(holder.pid, pidOfA)
        XCTAssertEqual(holder.applicationName, applicationName)
        XCTAssertEqual(holder.clientAddress, "127.0.0.1")
        XCTAssertNotNil(holder.backendStart)
        XCTAssertTrue("\(holder)".hasPrefix("\(applicationName) (server pid \(pidOfA), from 127.0.0.1, connected "), "\(holder)")
    }

    func testATerminatedHolderReleasesTheLock() async throws {
        let (a, b) = try await twoConnections()
        let repo = repo()
        _ = try await PostgresAdvisoryLock.tryLock(a, repo: repo)
        let pidOfA = try await PostgresTestServer.backendPID(a)
        try server.psql("SELECT pg_terminate_backend(\(pidOfA), 5000)")
        try await PostgresAdvisoryLock.lock(b, repo: repo, timeout: .seconds(5))
        let holder = try await PostgresAdvisoryLock.holder(b, repo: repo)
        let pidOfB = try await PostgresTestServer.backendPID(b)
        XCTAssertEqual(holder?.pid, pidOfB)
    }

    func testAClosedHolderReleasesTheLock() async throws {
        let (a, b) = try await twoConnections()
        let repo = repo()
        _ = try await PostgresAdvisoryLock.tryLock(a, repo: repo)
        try await a.close()
        try await PostgresAdvisoryLock.lock(b, repo: repo, timeout: .seconds(5))
    }

    func testLockWaitsForTheHolderAndSaysWhoItIs() async throws {
        let (a, b) = try await twoConnections()
        let repo = repo()
        _ = try await PostgresAdvisoryLock.tryLock(a, repo: repo)
        let told = ToldHolders()
        let waiter = Task {
            try await PostgresAdvisoryLock.lock(b, repo: repo, timeout: .seconds(10), waitingAfter: .milliseconds(100)) { holder in
                await told.add(holder)
            }
        }
        try await waitUntil("the waiter says who holds the lock", timeout: .seconds(5)) { await told.count == 1 }
        let pidOfA = try await PostgresTestServer.backendPID(a)
        let seen = await told.holders
        XCTAssertEqual(seen.first??.pid, pidOfA)
        try await PostgresAdvisoryLock.unlock(a, repo: repo)
        try await waiter.value
        let count = await told.count
        XCTAssertEqual(count, 1, "waiting is called once")
    }

    func testLockGivesUpAfterItsTimeoutNamingTheHolder() async throws {
        let (a, b) = try await twoConnections()
        let repo = repo()
        _ = try await PostgresAdvisoryLock.tryLock(a, repo: repo)
        let started = ContinuousClock.now
        do {
            try await PostgresAdvisoryLock.lock(b, repo: repo, timeout: .milliseconds(300))
            XCTFail("took a held lock")
        } catch let error as RepoLockTimeout {
            XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300))
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
            XCTAssertTrue("\(error)".hasPrefix("repository \(repo) stayed locked by \(applicationName) (server pid "), "\(error)")
        }
    }

    func testACancelledLockStopsWaitingAndHoldsNothing() async throws {
        let (a, b) = try await twoConnections()
        let repo = repo()
        _ = try await PostgresAdvisoryLock.tryLock(a, repo: repo)
        let waiter = Task { try await PostgresAdvisoryLock.lock(b, repo: repo, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        let started = ContinuousClock.now
        do {
            try await waiter.value
            XCTFail("a cancelled lock succeeded")
        } catch is CancellationError {}
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        try await PostgresAdvisoryLock.unlock(a, repo: repo)
        let holder = try await PostgresAdvisoryLock.holder(a, repo: repo)
        XCTAssertNil(holder)
    }
}

/// What `lock`'s `waiting` callback was given.
private actor ToldHolders {
    var holders: [PostgresLockHolder?] = []
    var count: Int { holders.count }
    func add(_ holder: PostgresLockHolder?) { holders.append(holder) }
}
