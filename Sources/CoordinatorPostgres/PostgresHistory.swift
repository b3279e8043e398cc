import Coordinator
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One repository's dispatch history in the database: `coordinator_history` is the log (one row
/// per record, the record's JSON line as the file has it; `seq` orders it), and
/// `coordinator_history_checkpoint` the projection at a `seq`, in the file checkpoint's own binary
/// form. A new process reads the checkpoint and the rows after it; a running one only the rows
/// appended since. Appends are made under the repository's lock (one writer per repository), so
/// a repository's rows commit in `seq` order and "after the last `seq` read" misses none.
///
/// Nothing is compacted: the checkpoint bounds what a start reads, and the rows stay for
/// `coordinator history`.
public final class PostgresHistory: DispatchHistory {
    let key: String
    let database: PostgresStore
    let logger: Logger
    private let state = Mutex(State())

    /// A checkpoint is written when a locked session finds at least this many rows after the last.
    static let checkpointEvery = 256
    /// Rows one read takes at most.
    static let readPiece = 4_096

    private struct State {
        var projection = HistoryProjection()
        var seq: Int64 = 0
        /// Rows read (the checkpoint's count, plus those after it).
        var rows = 0
        var checkpointRows = 0
        var loaded = false
        var notice: String?
        /// Set while the database cannot be read; cleared by the next read that works.
        var problem: String?
        var pruneAbove = HistoryProjection.pruneFloor
    }

    init(key: String, database: PostgresStore, logger: Logger) {
        self.key = key
        self.database = database
        self.logger = logger
    }

    var source: String { "the history of \(key) in postgres \(database.connections.endpoint.description)" }

    public func current() -> HistoryProjection {
        state.withLock { $0.projection }
    }

    public func refresh() async {
        do {
            try await database.withConnection { try await self.catchUp(on: $0) }
            state.withLock { $0.problem = nil }
        } catch {
            let problem = "\(source) could not be read: \(error)"
            logger.warning("\(problem)")
            state.withLock { $0.problem = problem }
        }
    }

    public func notices() -> [String] {
        state.withLock { state in
            [state.problem, state.notice].compactMap { $0 } + state.projection.notices.map(\.description)
        }
    }

    public func audit() async throws -> (dispatches: [DispatchSummary], notices: [HistoryLog.Notice]) {
        var projection = HistoryProjection()
        var notices: [HistoryLog.Notice] = []
        var after: Int64 = 0
        while true {
            let rows = try await database.withConnection { try await self.rows(after: after, on: $0) }
            for (seq, line) in rows {
                let (record, notice) = HistoryLog.decode(line, number: Int(seq), source: source)
                if let record { projection.apply(record) }
                if let notice { notices.append(notice) }
                after = seq
            }
            if rows.count < Self.readPiece { break }
        }
        return (projection.dispatches.values.sorted { $0.sequence > $1.sequence }, notices)
    }

    // MARK: Catching up

    private func rows(after seq: Int64, on connection: PostgresConnection) async throws -> [(Int64, Data)] {
        let rows = try await connection.queryRows("""
            SELECT seq, line FROM coordinator_history WHERE repo = \(key) AND seq > \(seq) ORDER BY seq LIMIT \(Self.readPiece)
            """, logger: logger)
        var read: [(Int64, Data)] = []
        for row in rows { read.append(try row.decode((Int64, Data).self)) }
        return read
    }

    /// Reads the checkpoint the first time, then the rows after what is known.
    func catchUp(on connection: PostgresConnection) async throws {
        if !state.withLock({ $0.loaded }) {
            let checkpoint = try await checkpointRow(on: connection)
            state.withLock { state in
                guard !state.loaded else { return }
                state.loaded = true
                guard let (seq, data) = checkpoint else { return }
                do {
                    let snapshot = try HistoryCheckpoint.decode(data)
                    state.projection = snapshot.projection
                    state.seq = seq
                    state.rows = snapshot.position.line
                    state.checkpointRows = state.rows
                } catch {
                    // Never trusted, never fatal: the projection is rebuilt from the rows, and the
                    // next checkpoint replaces it.
                    state.notice = "the history checkpoint of \(key) was unreadable (\(error)); rebuilt from the history"
                    logger.warning("\(state.notice ?? "")")
                }
            }
        }
        while true {
            let after = state.withLock { $0.seq }
            let rows = try await rows(after: after, on: connection)
            state.withLock { state in
                var notices: [HistoryLog.Notice] = []
                for (seq, line) in rows where seq > state.seq {
                    let (record, notice) = HistoryLog.decode(line, number: Int(seq), source: source)
                    if let record { state.projection.apply(record) }
                    if let notice { notices.append(notice) }
                    state.seq = seq
                    state.rows += 1
                }
                for notice in notices { logger.warning("\(notice)") }
                state.projection.note(notices)
                state.projection.pruneWhenLarge(&state.pruneAbove)
            }
            if rows.count < Self.readPiece { return }
        }
    }

    private func checkpointRow(on connection: PostgresConnection) async throws -> (Int64, Data)? {
        let rows = try await connection.queryRows(
            "SELECT seq, snapshot FROM coordinator_history_checkpoint WHERE repo = \(key)", logger: logger)
        for row in rows { return try row.decode((Int64, Data).self) }
        return nil
    }

    /// Writes the checkpoint when enough rows came after the last (the caller holds the lock).
    func checkpointIfDue(on connection: PostgresConnection) async throws {
        try await catchUp(on: connection)
        let due: (seq: Int64, rows: Int, data: Data)? = state.withLock { state in
            guard state.rows - state.checkpointRows >= Self.checkpointEvery else { return nil }
            state.projection.prune()
            let position = HistoryLog.Position(device: 0, inode: 0, offset: state.seq, line: state.rows)
            return (state.seq, state.rows, HistoryCheckpoint.encode(.init(position: position, projection: state.projection)))
        }
        guard let due else { return }
        try await connection.queryRows("""
            INSERT INTO coordinator_history_checkpoint (repo, seq, snapshot) VALUES (\(key), \(due.seq), \(due.data))
            ON CONFLICT (repo) DO UPDATE SET seq = EXCLUDED.seq, snapshot = EXCLUDED.snapshot
            """, logger: logger)
        state.withLock { $0.checkpointRows = due.rows }
    }
}
