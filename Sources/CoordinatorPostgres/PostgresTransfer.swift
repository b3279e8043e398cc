import Coordinator
import Foundation
import Logging
import PostgresNIO

/// `coordinator store import` and `export`: a repository's files in a cache directory to the
/// database and back, byte for byte — the cache document and the notes as the files hold them,
/// the history one row per line (the archive's lines first, marked archived, then the log's).
///
/// Import is idempotent and never overwrites newer state: a cache or a note the database already
/// holds stays (unless it is the same); history lines the database already holds, as a prefix, are
/// not added again, and a database history that is not a prefix of the files' is refused. Each
/// repository is imported in one transaction under its lock.
public struct PostgresTransfer: Sendable {
    public let database: PostgresStore
    let logger: Logger

    public init(database: PostgresStore, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// What importing one repository did, in words for the operator.
    public struct Imported: Sendable, Equatable, CustomStringConvertible {
        public var repo: String
        public var cache: String
        public var notes: [String]
        public var historyLines: Int
        public var historyKept: Int

        public var description: String {
            var parts = ["cache \(cache)"] + notes
            parts.append(historyLines == 0 && historyKept == 0 ? "no history" : "\(historyLines) history lines added (\(historyKept) already there)")
            return "\(repo): " + parts.joined(separator: ", ")
        }
    }

    public struct TransferError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Imports the files of `files` (one repository in a cache directory) under key `key`.
    public func importFiles(_ files: IssueCacheStore, key: String) async throws -> Imported {
        let cacheBytes = try Self.read(files.fileURL)
        if let cacheBytes, case let .corrupt(reason) = IssueCacheStore.contents(of: cacheBytes) {
            throw TransferError(description: "\(files.fileURL.path) is not a cache (\(reason)); nothing of \(key) was imported")
        }
        let skips = try Self.read(files.skipNotesURL)
        let busySince = try Self.read(files.busySinceURL)
        let archived = HistoryLog(url: files.historyArchiveURL).readLines(after: nil).lines.map(\.1)
        let logged = HistoryLog(url: files.ledgerURL).readLines(after: nil).lines.map(\.1)
        let lines = archived.map { ($0, true) } + logged.map { ($0, false) }
        let logger = self.logger
        return try await database.withConnection { connection in
            try await connection.queryRows("BEGIN", logger: logger)
            do {
                try await connection.queryRows(
                    "SELECT pg_advisory_xact_lock(\(RepoLockKey.classID), hashtext(\(key)))", logger: logger)
                var imported = Imported(repo: key, cache: "none in the files", notes: [], historyLines: 0, historyKept: 0)
                if let cacheBytes {
                    imported.cache = try await Self.importDocument(
                        cacheBytes, existing: PostgresRepoStore.cacheDocument(key: key, on: connection, logger: logger),
                        on: connection, logger: logger
                    ) { try await PostgresRepoStore.saveCache(cacheBytes, key: key, on: connection, logger: logger) }
                }
                for (kind, bytes) in [(PostgresRepoStore.NoteKind.skips, skips), (.busySince, busySince)] {
                    guard let bytes else { continue }
                    let outcome = try await Self.importDocument(
                        bytes, existing: PostgresRepoStore.noteDocument(kind, key: key, on: connection, logger: logger),
                        on: connection, logger: logger
                    ) { try await PostgresRepoStore.saveNote(kind, bytes, key: key, on: connection, logger: logger) }
                    imported.notes.append("\(kind.rawValue) notes \(outcome)")
                }
                var present: [Data] = []
                let rows = try await connection.queryRows(
                    "SELECT line FROM coordinator_history WHERE repo = \(key) ORDER BY seq", logger: logger)
                for row in rows { present.append(try row.decode(Data.self)) }
                guard present.count <= lines.count, zip(present, lines).allSatisfy({ $0 == $1.0 }) else {
                    throw TransferError(description: "the database already holds a history of \(key) that the files in \(files.directory.path) do not begin with (\(present.count) rows); nothing of \(key) was imported")
                }
                for (line, isArchived) in lines.dropFirst(present.count) {
                    let time = (try? HistoryLine.decode(line))?.time ?? Date()
                    try await connection.queryRows("""
                        INSERT INTO coordinator_history (repo, line, recorded_at, archived) VALUES (\(key), \(line), \(time), \(isArchived))
                        """, logger: logger)
                }
                imported.historyLines = lines.count - present.count
                imported.historyKept = present.count
                try await connection.queryRows("COMMIT", logger: logger)
                return imported
            } catch {
                _ = try? await connection.queryRows("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// "imported", "already there", or "kept (the database's differs)".
    private static func importDocument(
        _ bytes: Data, existing: Data?, on connection: PostgresConnection, logger: Logger, write: () async throws -> Void
    ) async throws -> String {
        switch existing {
        case nil:
            try await write()
            return "imported"
        case bytes?:
            return "already there"
        default:
            return "kept: the database holds another one, newer than the files (nothing overwritten)"
        }
    }

    /// The file's bytes; nil when there is none.
    private static func read(_ url: URL) throws -> Data? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw TransferError(description: "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// What exporting one repository wrote.
    public struct Exported: Sendable, Equatable, CustomStringConvertible {
        public var repo: String
        public var files: [String]
        public var historyLines: Int

        public var description: String {
            "\(repo): \(files.isEmpty ? "nothing in the database" : files.joined(separator: ", ")) (\(historyLines) history lines)"
        }
    }

    /// Writes repository `key`'s state into `files`' directory, as the file store keeps it. Files
    /// already there are refused (nothing is overwritten): export into an empty directory.
    public func exportFiles(key: String, to files: IssueCacheStore) async throws -> Exported {
        let logger = self.logger
        let (cache, skips, busySince, lines) = try await database.withConnection { connection in
            let cache = try await PostgresRepoStore.cacheDocument(key: key, on: connection, logger: logger)
            let skips = try await PostgresRepoStore.noteDocument(.skips, key: key, on: connection, logger: logger)
            let busySince = try await PostgresRepoStore.noteDocument(.busySince, key: key, on: connection, logger: logger)
            var lines: [(Data, Bool)] = []
            let rows = try await connection.queryRows(
                "SELECT line, archived FROM coordinator_history WHERE repo = \(key) ORDER BY seq", logger: logger)
            for row in rows { lines.append(try row.decode((Data, Bool).self)) }
            return (cache, skips, busySince, lines)
        }
        func joined(_ archived: Bool) -> Data? {
            let chosen = lines.filter { $0.1 == archived }.map(\.0)
            guard !chosen.isEmpty else { return nil }
            var data = Data()
            for line in chosen {
                data.append(line)
                data.append(UInt8(ascii: "\n"))
            }
            return data
        }
        let writes: [(URL, Data?)] = [
            (files.fileURL, cache), (files.skipNotesURL, skips), (files.busySinceURL, busySince),
            (files.ledgerURL, joined(false)), (files.historyArchiveURL, joined(true)),
        ]
        let existing = writes.filter { $0.1 != nil && FileManager.default.fileExists(atPath: $0.0.path) }.map(\.0.path)
        guard existing.isEmpty else {
            throw TransferError(description: "\(existing.joined(separator: ", ")) already exist; nothing of \(key) was exported (export into an empty directory)")
        }
        try files.ensureDirectory()
        var written: [String] = []
        for case let (url, data?) in writes {
            do {
                try AtomicFile.write(data, to: url, permissions: 0o600)
            } catch {
                throw TransferError(description: "cannot write \(url.path): \(error)")
            }
            written.append(url.lastPathComponent)
        }
        return Exported(repo: key, files: written, historyLines: lines.count)
    }
}
