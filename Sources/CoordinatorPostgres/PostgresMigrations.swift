import Coordinator
import Logging
import PostgresNIO

/// One step of the store's schema: its version and the statements that make it (each a single
/// statement: the extended query protocol takes one at a time).
public struct PostgresMigration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Which schema versions a database has, and which this binary knows.
public struct PostgresSchemaStatus: Sendable, Equatable, CustomStringConvertible {
    /// Versions recorded in `coordinator_schema_migrations`, ascending; empty for a fresh database.
    public var applied: [Int]
    /// The newest version this binary knows.
    public var known: Int

    public init(applied: [Int], known: Int) {
        self.applied = applied
        self.known = known
    }

    /// The newest applied version; nil for a fresh database.
    public var current: Int? { applied.last }
    /// Known versions not yet applied.
    public var pending: [Int] { PostgresMigrations.all.map(\.version).filter { !applied.contains($0) } }
    /// The database was migrated by a newer coordinator.
    public var isNewerThanKnown: Bool { (current ?? 0) > known }

    public var description: String {
        let current = self.current.map { "version \($0)" } ?? "no schema"
        if isNewerThanKnown { return "\(current), newer than this coordinator (\(known)); upgrade coordinator" }
        if pending.isEmpty { return "\(current), up to date" }
        return "\(current); this coordinator knows \(known), pending: \(pending.map(String.init).joined(separator: ", "))"
    }
}

/// The database was migrated by a newer coordinator; this one must not touch it.
public struct SchemaTooNew: Error, Sendable, Equatable, CustomStringConvertible {
    public var databaseVersion: Int
    public var knownVersion: Int

    public var description: String {
        "database schema version \(databaseVersion) is newer than this coordinator (\(knownVersion)); upgrade coordinator"
    }
}

/// The store's versioned schema. `migrate` applies what is missing in one transaction that first
/// takes a transaction-scoped advisory lock, so instances starting together apply each step
/// exactly once and none sees a half-made schema.
public enum PostgresMigrations {
    /// The `pg_advisory_xact_lock(bigint)` key that serialises migrations ("coordmig" in ASCII).
    /// One-bigint keys never meet the two-int4 keys of `RepoLockKey` (pg_locks tells them apart).
    public static let lockKey: Int64 = 0x636F_6F72_646D_6967

    /// Every migration, ascending by version. Append only: a shipped step never changes.
    public static let all: [PostgresMigration] = [
        PostgresMigration(version: 1, name: "store tables", statements: [
            "CREATE TABLE coordinator_issue_cache (repo text PRIMARY KEY, document bytea NOT NULL, saved_at timestamptz NOT NULL DEFAULT now())",
            "CREATE TABLE coordinator_notes (repo text NOT NULL, kind text NOT NULL, document bytea NOT NULL, PRIMARY KEY (repo, kind))",
            "CREATE TABLE coordinator_history (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, repo text NOT NULL, line bytea NOT NULL, recorded_at timestamptz NOT NULL, archived boolean NOT NULL DEFAULT false)",
            "CREATE INDEX coordinator_history_repo_seq ON coordinator_history (repo, seq)",
            "CREATE TABLE coordinator_history_checkpoint (repo text PRIMARY KEY, seq bigint NOT NULL, snapshot bytea NOT NULL)",
            "CREATE TABLE coordinator_deliveries (delivery_id text PRIMARY KEY, seen_at timestamptz NOT NULL DEFAULT now())",
            "CREATE TABLE coordinator_idempotency (key text PRIMARY KEY, operator text NOT NULL, answer bytea, created_at timestamptz NOT NULL DEFAULT now())",
            "CREATE TABLE coordinator_lanes (repo text PRIMARY KEY, owner text NOT NULL, renewed_at timestamptz NOT NULL)",
        ]),
        // Version 1's idempotency table and lanes were never written: a key belongs to an
        // operator and keeps its request's fingerprint and answer; a repository's lane is its
        // advisory lock, so it needs no table.
        PostgresMigration(version: 2, name: "idempotency keys per operator", statements: [
            "DROP TABLE coordinator_lanes",
            "DROP TABLE coordinator_idempotency",
            "CREATE TABLE coordinator_idempotency (operator text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, status integer NOT NULL, body bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (operator, key))",
        ]),
    ]

    /// The newest version this binary knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }

    static let createVersionTable = """
        CREATE TABLE IF NOT EXISTS coordinator_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
        """

    /// Applies every missing migration, in one transaction under the migration lock.
    /// - Returns: The versions this call applied (empty when the schema was up to date).
    /// - Throws: `SchemaTooNew` when the database has a version this binary does not know (and
    ///   then nothing is changed); postgres-nio's errors otherwise (`PostgresConnections`
    ///   translates them).
    @discardableResult
    public static func migrate(
        _ connection: PostgresConnection, migrations: [PostgresMigration] = all, logger: Logger = quietLogger
    ) async throws -> [Int] {
        try await inTransaction(connection, logger: logger) {
            try await connection.queryRows("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.queryRows(PostgresQuery(unsafeSQL: createVersionTable), logger: logger)
            let applied = try await appliedVersions(connection, logger: logger)
            let known = migrations.last?.version ?? 0
            if let newest = applied.last, newest > known {
                throw SchemaTooNew(databaseVersion: newest, knownVersion: known)
            }
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.queryRows(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.queryRows(
                    "INSERT INTO coordinator_schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                logger.info("applied PostgreSQL schema migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration.version)
            }
            return done
        }
    }

    /// The versions applied and known, without changing anything (and without the lock: a
    /// migration under way is seen as not yet applied, as its transaction is not committed).
    public static func status(
        _ connection: PostgresConnection, migrations: [PostgresMigration] = all, logger: Logger = quietLogger
    ) async throws -> PostgresSchemaStatus {
        let exists = try await connection.queryFirst(
            "SELECT to_regclass('coordinator_schema_migrations') IS NOT NULL", as: Bool.self, logger: logger) ?? false
        let known = migrations.last?.version ?? 0
        guard exists else { return PostgresSchemaStatus(applied: [], known: known) }
        return PostgresSchemaStatus(applied: try await appliedVersions(connection, logger: logger), known: known)
    }

    private static func appliedVersions(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await connection.queryRows("SELECT version FROM coordinator_schema_migrations ORDER BY version", logger: logger)
            .map { Int(try $0.decode(Int32.self)) }
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK when `body` throws (a rollback failure leaves the
    /// connection to be closed by whoever lent it, as `PostgresConnections` does on any error).
    static func inTransaction<Result: Sendable>(
        _ connection: PostgresConnection, logger: Logger, _ body: () async throws -> Result
    ) async throws -> Result {
        try await connection.queryRows("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body()
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        try await connection.queryRows("COMMIT", logger: logger)
        return result
    }

    /// A logger that drops everything: the default where callers pass none.
    public static let quietLogger = Logger(label: "coordinator.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}
