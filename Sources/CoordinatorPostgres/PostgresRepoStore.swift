import Coordinator
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The shared store of several coordinators: one PostgreSQL database holds every repository's
/// cache, history, notes and lock (`[store] postgres_url`). Opening it connects and applies the
/// migrations this version knows (under their own lock), so a process never works on a schema it
/// does not understand; a database that cannot be reached stops the process there — it never falls
/// back to files, which would split the state.
public final class PostgresStore: Sendable {
    public let connections: PostgresConnections
    let logger: Logger

    init(connections: PostgresConnections, logger: Logger) {
        self.connections = connections
        self.logger = logger
    }

    /// Connects to `endpoint` and brings its schema up to this version's.
    /// - Throws: `StoreUnavailable` (cannot connect), `StoreQueryFailed`, or the migrations' own
    ///   errors (a schema newer than this coordinator).
    public static func open(_ endpoint: PostgresEndpoint, logger: Logger) async throws -> PostgresStore {
        let connections = PostgresConnections(endpoint: endpoint, logger: logger)
        do {
            _ = try await connections.withConnection { connection in
                try await PostgresMigrations.migrate(connection, logger: logger)
            }
        } catch {
            await connections.shutdown()
            throw error
        }
        return PostgresStore(connections: connections, logger: logger)
    }

    /// The store of one repository, keyed by its cache stem (`github.com_acme_demo`), the name its
    /// files have in a cache directory: `store import` and `export` map one onto the other.
    public func repoStore(key: String, logger: Logger) -> PostgresRepoStore {
        PostgresRepoStore(key: key, database: self, logger: logger)
    }

    /// Every configured repository's store in this database, for `Workspace.open`.
    public var stores: Workspace.Stores {
        Workspace.Stores(
            store: { repo, _, logger in self.repoStore(key: repo.repo.cacheStem, logger: logger) },
            close: { await self.connections.shutdown() })
    }

    /// `body` on a pooled connection, errors named after this database.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connections.withConnection { try await body($0) }
    }

    /// What a statement on a connection the caller holds (a locked session's) threw, named after
    /// this database.
    func translate(_ error: any Error) -> any Error {
        PostgresFailure.translate(error, endpoint: connections.endpoint, connecting: false)
    }
}

/// One repository's state in the database. The lock is a session advisory lock held on a
/// connection taken out of the pool for the locked session; every write of the session goes
/// through that same connection, so a session whose connection was cut (its lock gone with it)
/// cannot write another byte: its next statement fails and the dispatch stops there, to be
/// recovered from the history by the next holder.
public final class PostgresRepoStore: RepoStore {
    public let key: String
    let database: PostgresStore
    let postgresHistory: PostgresHistory
    let logger: Logger

    init(key: String, database: PostgresStore, logger: Logger) {
        self.key = key
        self.database = database
        self.logger = logger
        self.postgresHistory = PostgresHistory(key: key, database: database, logger: logger)
    }

    public var location: String { "postgres \(database.connections.endpoint.description), repository \(key)" }
    public var history: any DispatchHistory { postgresHistory }

    enum NoteKind: String {
        case skips
        case busySince = "busy-since"
    }

    public func readCache() async throws -> IssueCacheStore.Contents {
        let key = self.key
        let document = try await database.withConnection { try await Self.cacheDocument(key: key, on: $0, logger: self.logger) }
        return document.map(IssueCacheStore.contents(of:)) ?? .cache(.empty)
    }

    public func readSkipNotes() async -> SkipNotes {
        do {
            return try await note(.skips).map(SkipNotes.decode) ?? SkipNotes()
        } catch {
            logger.notice("skip notes not read (branches are asked again): \(error)")
            return SkipNotes()
        }
    }

    public func readBusySince() async -> BusySinceNotes.Read {
        do {
            guard let data = try await note(.busySince) else { return BusySinceNotes.Read(notes: BusySinceNotes(), problem: nil) }
            return BusySinceNotes.decode(data, source: "the busy-since notes of \(location)")
        } catch {
            return BusySinceNotes.Read(notes: BusySinceNotes(), problem: "the busy-since notes of \(location) could not be read: \(error)")
        }
    }

    private func note(_ kind: NoteKind) async throws -> Data? {
        let key = self.key
        return try await database.withConnection { connection in
            try await Self.noteDocument(kind, key: key, on: connection, logger: self.logger)
        }
    }

    public func lock(timeout: Duration, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async throws -> any StoreSession {
        let connection = try await database.connections.take()
        do {
            try await PostgresAdvisoryLock.lock(connection, repo: key, timeout: timeout, logger: logger) { holder in
                waiting(holder.map(RepoLock.Holder.init(postgres:)))
            }
            // Under the lock, the projection must hold everything appended before: a dispatch
            // guarded by a stale one could start a job another instance has started. A session
            // that cannot read the history does not begin.
            try await postgresHistory.catchUp(on: connection)
        } catch {
            // Closing the connection gives the lock back.
            PostgresConnections.closeQuietly(connection)
            throw database.translate(error)
        }
        return Session(store: self, connection: connection)
    }

    public func abandonedDispatches(quiet: Duration) async -> Set<String> {
        await postgresHistory.refresh()
        let cutoff = Date().addingTimeInterval(-quiet.inSeconds)
        let quietOnes = Set(postgresHistory.current().unfinished.filter { $0.lastStepAt < cutoff }.map(\.dispatchID))
        guard !quietOnes.isEmpty else { return [] }
        do {
            let key = self.key
            return try await database.withConnection { connection in
                // Free now: nobody is at work on it. Taken and given straight back; the poll this
                // answer starts takes it for real.
                guard try await PostgresAdvisoryLock.tryLock(connection, repo: key, logger: self.logger) else { return [] }
                try await PostgresAdvisoryLock.unlock(connection, repo: key, logger: self.logger)
                return quietOnes
            }
        } catch {
            logger.warning("could not check \(key) for abandoned work: \(error)")
            return []
        }
    }

    // MARK: Statements

    static func cacheDocument(key: String, on connection: PostgresConnection, logger: Logger) async throws -> Data? {
        let rows = try await connection.queryRows("SELECT document FROM coordinator_issue_cache WHERE repo = \(key)", logger: logger)
        for row in rows { return try row.decode(Data.self) }
        return nil
    }

    static func noteDocument(_ kind: NoteKind, key: String, on connection: PostgresConnection, logger: Logger) async throws -> Data? {
        let rows = try await connection.queryRows(
            "SELECT document FROM coordinator_notes WHERE repo = \(key) AND kind = \(kind.rawValue)", logger: logger)
        for row in rows { return try row.decode(Data.self) }
        return nil
    }

    static func saveCache(_ document: Data, key: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.queryRows("""
            INSERT INTO coordinator_issue_cache (repo, document, saved_at) VALUES (\(key), \(document), now())
            ON CONFLICT (repo) DO UPDATE SET document = EXCLUDED.document, saved_at = EXCLUDED.saved_at
            """, logger: logger)
    }

    /// Writes a note's document; nil removes it.
    static func saveNote(_ kind: NoteKind, _ document: Data?, key: String, on connection: PostgresConnection, logger: Logger) async throws {
        guard let document else {
            try await connection.queryRows("DELETE FROM coordinator_notes WHERE repo = \(key) AND kind = \(kind.rawValue)", logger: logger)
            return
        }
        try await connection.queryRows("""
            INSERT INTO coordinator_notes (repo, kind, document) VALUES (\(key), \(kind.rawValue), \(document))
            ON CONFLICT (repo, kind) DO UPDATE SET document = EXCLUDED.document
            """, logger: logger)
    }

    static func appendLine(_ line: Data, time: Date, key: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.queryRows(
            "INSERT INTO coordinator_history (repo, line, recorded_at) VALUES (\(key), \(line), \(time))", logger: logger)
    }

    // MARK: The locked session

    final class Session: StoreSession {
        let store: PostgresRepoStore
        let connection: PostgresConnection
        private let released = Mutex(false)

        init(store: PostgresRepoStore, connection: PostgresConnection) {
            self.store = store
            self.connection = connection
        }

        private var key: String { store.key }
        private var logger: Logger { store.logger }

        /// `body` on the session's connection, its errors named after the database.
        private func run<T>(_ body: () async throws -> T) async throws -> T {
            do {
                return try await body()
            } catch {
                throw store.database.translate(error)
            }
        }

        func loadCache() async throws -> IssueCacheStore.Loaded {
            let document = try await run { try await PostgresRepoStore.cacheDocument(key: key, on: connection, logger: logger) }
            guard let document else { return IssueCacheStore.Loaded(cache: .empty, notice: nil) }
            switch IssueCacheStore.contents(of: document) {
            case let .cache(cache):
                return IssueCacheStore.Loaded(cache: cache, notice: nil)
            case let .corrupt(reason):
                // Kept in the table under another key, never overwritten: as a corrupt file is
                // moved aside.
                let aside = key + ".corrupt-" + Timestamp.format(Date()).replacingOccurrences(of: ":", with: "") + "-" + UUID().uuidString.prefix(8).lowercased()
                try await run {
                    _ = try await connection.queryRows("UPDATE coordinator_issue_cache SET repo = \(aside) WHERE repo = \(key)", logger: logger)
                }
                return IssueCacheStore.Loaded(
                    cache: .empty, notice: "the cache of \(store.location) was corrupt (\(reason)); kept aside as repository \(aside) and rebuilt from GitHub")
            }
        }

        func saveCache(_ cache: IssueCache) async throws {
            try await run { try await PostgresRepoStore.saveCache(IssueCacheCodec.encode(cache), key: key, on: connection, logger: logger) }
        }

        func saveSkipNotes(_ notes: SkipNotes) async throws {
            let document = notes.byIssue.isEmpty ? nil : try notes.encoded()
            try await run { try await PostgresRepoStore.saveNote(.skips, document, key: key, on: connection, logger: logger) }
        }

        func saveBusySince(_ notes: BusySinceNotes) async throws {
            let document = notes.byIssue.isEmpty ? nil : try notes.encoded()
            try await run { try await PostgresRepoStore.saveNote(.busySince, document, key: key, on: connection, logger: logger) }
        }

        func append(_ record: HistoryRecord) async throws {
            try await run {
                try await PostgresRepoStore.appendLine(HistoryLine.encode(record), time: record.time, key: key, on: connection, logger: logger)
                try await store.postgresHistory.catchUp(on: connection)
            }
        }

        func maintain() async {
            do {
                try await run { try await store.postgresHistory.checkpointIfDue(on: connection) }
            } catch {
                logger.warning("history checkpoint not written (start-up reads more of the history until it is): \(error)")
            }
        }

        /// A session dropped without `release` (a task cancelled on its way) closes its
        /// connection, which gives the lock back: a connection is never left open unowned.
        deinit {
            if !released.withLock({ $0 }) { PostgresConnections.closeQuietly(connection) }
        }

        func release() async {
            guard released.withLock({ done in defer { done = true }; return !done }) else { return }
            do {
                try await PostgresAdvisoryLock.unlock(connection, repo: key, logger: logger)
                await store.database.connections.give(back: connection)
            } catch {
                // The connection is gone, and the lock with it.
                PostgresConnections.closeQuietly(connection)
            }
        }
    }
}

extension PostgresRepoStore: LosableLockStore {
    /// A build request is answered within a second or two; label writes likewise. Five seconds
    /// leave room for a slow Jenkins while keeping an interrupted dispatch's issue waiting well
    /// under the half minute a pickup may wait.
    public var requestInFlightAllowance: Duration { .seconds(5) }
}

extension RepoLock.Holder {
    /// A database lock's holder as the "waiting for the lock" message names it.
    init(postgres holder: PostgresLockHolder) {
        self.init(pid: holder.pid, host: holder.clientAddress ?? "the database host", command: holder.applicationName ?? "a client", since: holder.backendStart ?? Date())
    }
}
