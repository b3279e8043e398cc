import Coordinator
import Foundation
import Logging
import PostgresNIO

/// The advisory lock of one repository: PostgreSQL's two-int4 form, `(classID, hashtext(repo))`,
/// the hash computed by the server so every coordinator version agrees on it. Two repositories
/// whose names hash alike share a lock: they only wait for each other, nothing breaks.
public struct RepoLockKey: Sendable, Equatable, CustomStringConvertible {
    /// The first key of every repository lock ("CoRp" in ASCII), so other users of advisory locks
    /// in the same database do not collide with ours.
    public static let classID: Int32 = 0x436F_5270

    public let repo: String

    public init(repo: String) { self.repo = repo }

    public var description: String { "repository lock (\(Self.classID), hashtext('\(repo)'))" }
}

/// Who holds a repository lock, from `pg_locks` and `pg_stat_activity`.
public struct PostgresLockHolder: Sendable, Equatable, CustomStringConvertible {
    /// The server process holding it.
    public var pid: Int32
    /// `application_name`: "coordinator PID@HOST (COMMAND)" for a coordinator.
    public var applicationName: String?
    /// The client's address; nil over a unix socket or when this role may not see it.
    public var clientAddress: String?
    /// When that connection started.
    public var backendStart: Date?

    public init(pid: Int32, applicationName: String?, clientAddress: String?, backendStart: Date?) {
        self.pid = pid
        self.applicationName = applicationName
        self.clientAddress = clientAddress
        self.backendStart = backendStart
    }

    public var description: String {
        let name = applicationName.flatMap { $0.isEmpty ? nil : $0 } ?? "a client without application_name"
        var text = name + " (server pid \(pid)"
        if let clientAddress { text += ", from \(clientAddress)" }
        if let backendStart { text += ", connected \(backendStart.formatted(.iso8601))" }
        return text + ")"
    }
}

/// `lock` gave up: someone else held the repository the whole time.
public struct RepoLockTimeout: Error, Sendable, CustomStringConvertible {
    public var repo: String
    public var waited: Duration
    public var holder: PostgresLockHolder?

    public var description: String {
                let who = holder.map { " by \($0)" } ?? ""
        return "repository \(repo) stayed locked\(who) for \(String(format: "%.1f", waited.inSeconds)) s; gave up waiting"
    }
}

/// Session-level advisory locks per repository: held until `unlock` or until the connection
/// ends — a crashed or killed coordinator releases its locks with its connection, which is the
/// point. The lock belongs to the connection: lock and unlock on the same one, and keep it
/// out of the pool while held. Errors are postgres-nio's, or `StoreUnavailable` /
/// `StoreQueryFailed` when called inside `PostgresConnections.withConnection`.
public enum PostgresAdvisoryLock {
    /// Takes the lock if it is free. Re-entrant on the same connection (PostgreSQL counts).
    public static func tryLock(_ connection: PostgresConnection, repo: String, logger: Logger = PostgresMigrations.quietLogger) async throws -> Bool {
        try await connection.queryFirst(
            "SELECT pg_try_advisory_lock(\(RepoLockKey.classID), hashtext(\(repo)))", as: Bool.self, logger: logger) ?? false
    }

    /// Releases one hold of the lock; false when this connection did not hold it.
    @discardableResult
    public static func unlock(_ connection: PostgresConnection, repo: String, logger: Logger = PostgresMigrations.quietLogger) async throws -> Bool {
        try await connection.queryFirst(
            "SELECT pg_advisory_unlock(\(RepoLockKey.classID), hashtext(\(repo)))", as: Bool.self, logger: logger) ?? false
    }

    /// Waits for the lock by polling `pg_try_advisory_lock` every `pollInterval` (a blocking
    /// `pg_advisory_lock` could not be cancelled or bounded from here). After `waitingAfter`,
    /// `waiting` is called once with the holder, for a "waiting for …" message.
    /// - Throws: `RepoLockTimeout` after `timeout`; `CancellationError` when the task is
    ///   cancelled (the lock is then not held).
    public static func lock(
        _ connection: PostgresConnection, repo: String, timeout: Duration,
        pollInterval: Duration = .milliseconds(20), waitingAfter: Duration = .seconds(1),
        logger: Logger = PostgresMigrations.quietLogger,
        waiting: (@Sendable (PostgresLockHolder?) async -> Void)? = nil
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var told = false
        while true {
            if try await tryLock(connection, repo: repo, logger: logger) { return }
            let elapsed = clock.now - start
            if elapsed >= timeout {
                throw RepoLockTimeout(repo: repo, waited: elapsed, holder: try? await holder(connection, repo: repo, logger: logger))
            }
            if !told, elapsed >= waitingAfter, let waiting {
                told = true
                await waiting(try? await holder(connection, repo: repo, logger: logger))
            }
            try await Task.sleep(for: min(pollInterval, timeout - elapsed))
        }
    }

    /// Who holds the repository's lock now (in this database), nil when nobody does.
    public static func holder(_ connection: PostgresConnection, repo: String, logger: Logger = PostgresMigrations.quietLogger) async throws -> PostgresLockHolder? {
        // Two-int4 advisory locks show in pg_locks as classid = key1, objid = key2, objsubid = 2;
        // oid is unsigned, so a negative int4 compares as its two's complement, which the int4 →
        // oid cast gives.
        let rows = try await connection.queryRows("""
            SELECT l.pid, a.application_name, host(a.client_addr), a.backend_start
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = (\(RepoLockKey.classID)::int4)::oid
              AND l.objid = (hashtext(\(repo)))::oid
            LIMIT 1
            """, logger: logger)
        guard let row = rows.first else { return nil }
        let (pid, name, address, started) = try row.decode((Int32, String?, String?, Date?).self)
        return PostgresLockHolder(pid: pid, applicationName: name, clientAddress: address, backendStart: started)
    }
}
