import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One repository's dispatch history in this process: the log, its checkpoint and archive, and the
/// projection caught up with the log — read from the checkpoint and the tail the first time, then
/// only the lines appended since (by this process or another). One per `RepoService`: the locked
/// session, the busy survey, `status`, `stuck`, the console and `serve` all ask it.
///
/// Files beside the cache: `NAME.dispatches.jsonl` (the log), `NAME.history.checkpoint` (the
/// projection at a log position, binary), `NAME.dispatches.archive.jsonl` (finished dispatches
/// compaction moved out of the log; `coordinator history` reads it too).
public final class RepoHistory: DispatchHistory {
    public let log: HistoryLog
    public let checkpointURL: URL
    public let archive: HistoryLog
    /// Finished history older than this moves to the archive.
    public let retention: TimeInterval
    private let logger: Logger
    private let state = Mutex(State())

    /// A checkpoint is written when a locked session finds at least this many lines after the last.
    static let checkpointEvery = 256
    /// Compaction runs when a finished dispatch is this much past the retention, so it runs about
    /// once a day, not after every dispatch.
    static let compactionSlack: TimeInterval = 86_400

    private struct State {
        var projection = HistoryProjection()
        var position: HistoryLog.Position?
        /// The line the checkpoint on disk stands at (as far as this process knows).
        var checkpointLine = 0
        var loaded = false
        /// What the operator should hear about the checkpoint (moved aside, unreadable).
        var notice: String?
        /// The projection is pruned when it holds more dispatches than this (a long-running reader
        /// that never holds the lock, such as the console, keeps it small too).
        var pruneAbove = HistoryProjection.pruneFloor
    }


    public init(log: URL, checkpoint: URL, archive: URL, retentionDays: Int = CoordinatorSettings.defaultHistoryDays, logger: Logger) {
        self.log = HistoryLog(url: log)
        self.checkpointURL = checkpoint
        self.archive = HistoryLog(url: archive)
        self.retention = TimeInterval(max(1, retentionDays)) * 86_400
        self.logger = logger
    }

    /// The projection caught up with the log now. No lock needed: appends are whole lines, and a
    /// line not yet ended waits for the next read.
    public func current() -> HistoryProjection {
        state.withLock { state in
            catchUp(&state)
            return state.projection
        }
    }

    /// Reads what was appended since (as `current` does).
    public func refresh() async {
        _ = current()
    }

    /// What the operator should hear about this history: a checkpoint moved aside, and lines that
    /// could not be used.
    public func notices() -> [String] {
        state.withLock { state in
            catchUp(&state)
            return (state.notice.map { [$0] } ?? []) + state.projection.notices.map(\.description)
        }
    }

    /// Appends `record` to the log (fsync'd). The caller holds the repository's lock. The
    /// projection learns it as the file holds it (times in whole seconds), with anything another
    /// process appended before it.
    public func append(_ record: HistoryRecord) throws {
        try log.append(record)
        _ = current()
    }

    // MARK: Catching up

    private func catchUp(_ state: inout State) {
        if !state.loaded {
            state.loaded = true
            loadCheckpoint(&state)
        }
        var read = log.read(after: state.position, limit: Self.readPiece)
        if read.restarted {
            // Compaction replaced the file (and wrote a checkpoint for the new one), or it shrank.
            state.projection = HistoryProjection()
            state.position = nil
            state.checkpointLine = 0
            loadCheckpoint(&state)
            read = log.read(after: state.position, limit: Self.readPiece)
        }
        // A piece at a time, pruning as it goes: a long tail (an upgrade, a reader that slept) never
        // sits in memory whole.
        while true {
            for record in read.records { state.projection.apply(record) }
            for notice in read.notices { logger.warning("\(notice)") }
            state.projection.note(read.notices)
            state.projection.pruneWhenLarge(&state.pruneAbove)
            let moved = read.position != state.position
            state.position = read.position
            guard moved, read.position != nil else { return }
            read = log.read(after: state.position, limit: Self.readPiece)
            if read.restarted { return }
        }
    }

    /// How much of the log one read takes at most (whole lines).
    static let readPiece = 1 << 20

    /// Starts from the checkpoint when it is for the log as it is now; a checkpoint that does not
    /// read is moved aside with a notice, and the projection is rebuilt from the log.
    private func loadCheckpoint(_ state: inout State) {
        let data: Data
        do {
            data = try Data(contentsOf: checkpointURL)
        } catch {
            return
        }
        let snapshot: HistoryCheckpoint.Snapshot
        do {
            snapshot = try HistoryCheckpoint.decode(data)
        } catch {
            let aside = moveAside(checkpointURL)
            let notice = "history checkpoint \(checkpointURL.path) was unreadable (\(error.reason))" + (aside.map { "; moved aside to \($0)" } ?? "") + "; rebuilt from the log"
            logger.warning("\(notice)")
            state.notice = notice
            return
        }
        // A checkpoint of another file (the log was replaced since) or past its end is of no use.
        guard let end = log.end(), end.device == snapshot.position.device, end.inode == snapshot.position.inode,
            snapshot.position.offset <= end.offset
        else { return }
        state.projection = snapshot.projection
        state.position = snapshot.position
        state.checkpointLine = snapshot.position.line
    }

    private func moveAside(_ url: URL) -> String? {
        let stamp = Timestamp.format(Date()).replacingOccurrences(of: ":", with: "")
        var aside = url.path + ".corrupt-\(stamp)"
        var copy = 1
        while FileManager.default.fileExists(atPath: aside) {
            copy += 1
            aside = url.path + ".corrupt-\(stamp)-\(copy)"
        }
        return rename(url.path, aside) == 0 ? aside : nil
    }

    // MARK: Under the lock

    /// Checkpoints and compacts when due. The caller holds the repository's lock; a failure is
    /// logged and costs only start-up time later.
    public func maintain(now: Date = Date()) {
        state.withLock { state in
            catchUp(&state)
            if let oldest = state.projection.oldestRecord, oldest < now.addingTimeInterval(-retention - Self.compactionSlack),
                (state.projection.compactionNotBefore ?? .distantPast) <= now
            {
                do {
                    _ = try compact(&state, now: now)
                } catch {
                    logger.warning("history compaction failed (nothing was lost; it is tried again next time): \(error)")
                }
            }
            if let position = state.position, position.line - state.checkpointLine >= Self.checkpointEvery {
                writeCheckpoint(&state)
            }
        }
    }

    /// Writes the checkpoint now (the caller holds the lock).
    public func checkpoint() {
        state.withLock { state in
            catchUp(&state)
            writeCheckpoint(&state)
        }
    }

    private func writeCheckpoint(_ state: inout State) {
        guard let position = state.position else { return }
        state.projection.prune()
        let data = HistoryCheckpoint.encode(.init(position: position, projection: state.projection))
        do {
            AtomicFile.removeStaleTempFiles(of: checkpointURL)
            try AtomicFile.write(data, to: checkpointURL)
            state.checkpointLine = position.line
        } catch {
            logger.warning("history checkpoint not written (start-up reads more of the log until it is): \(error)")
        }
    }

    /// Compacts now, whatever the age of the oldest record (the caller holds the lock). Returns how
    /// many records moved to the archive.
    @discardableResult
    public func compact(now: Date = Date()) throws -> Int {
        try state.withLock { state in
            catchUp(&state)
            return try compact(&state, now: now)
        }
    }

    /// Moves the finished dispatches with no record since the retention to the archive: appended
    /// there first (fsync'd), then the log is rewritten without them (atomically: a crash leaves
    /// the old log, and at worst a second copy in the archive), then a checkpoint is written for
    /// the new log. What recovery needs stays (`HistoryProjection.recoveryNeeds`). Lines that were
    /// not records go to the archive as they are.
    private func compact(_ state: inout State, now: Date) throws -> Int {
        let raw = log.readLines(after: nil)
        guard let end = raw.position, end == state.position else {
            // The file changed under a holder of the lock: leave it for next time.
            return 0
        }
        let lines = raw.lines.map { (bytes: $0.1, record: try? HistoryLine.decode($0.1)) }
        var lastOf: [String: (issue: Int, time: Date)] = [:]
        for case let record? in lines.map(\.record) {
            lastOf[record.dispatchID] = (record.issue, max(lastOf[record.dispatchID]?.time ?? record.time, record.time))
        }
        let unfinished = Set(state.projection.unfinished.map(\.dispatchID))
        let needs = state.projection.recoveryNeeds()
        let cutoff = now.addingTimeInterval(-retention)
        let moved = Set(lastOf.filter { id, last in
            !unfinished.contains(id) && last.time < cutoff && !(needs[last.issue].map { last.time >= $0 } ?? false)
        }.keys)
        var kept = Data()
        var archived = Data()
        var archivedRecords = 0
        var keptLines = 0
        var oldestKept: Date?
        for line in lines {
            if let record = line.record, !moved.contains(record.dispatchID) {
                kept.append(line.bytes)
                kept.append(UInt8(ascii: "\n"))
                keptLines += 1
                oldestKept = min(oldestKept ?? record.time, record.time)
            } else {
                archived.append(line.bytes)
                archived.append(UInt8(ascii: "\n"))
                if line.record != nil { archivedRecords += 1 }
            }
        }
        // Whole seconds, as every time the checkpoint holds.
        let notBefore = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Self.compactionSlack).rounded(.down))
        guard !archived.isEmpty else {
            state.projection.compacted(moved: [], records: 0, oldest: oldestKept, notBefore: notBefore)
            writeCheckpoint(&state)
            return 0
        }
        // A line being written when the file was read (none can be: the lock is held) or a torn
        // one stays at the end of the new log as it was.
        let tornTail = logTail(after: end.offset)
        try archive.appendLines(archived)
        var newLog = kept
        newLog.append(tornTail)
        try AtomicFile.write(newLog, to: log.url)
        state.projection.compacted(moved: moved, records: archivedRecords, oldest: oldestKept, notBefore: notBefore)
        guard let replaced = log.end() else { throw HistoryLog.LogError(description: "history \(log.url.path) vanished during compaction") }
        state.position = HistoryLog.Position(device: replaced.device, inode: replaced.inode, offset: Int64(kept.count), line: keptLines)
        writeCheckpoint(&state)
        logger.notice("history compacted: \(archivedRecords) records of \(moved.count) finished dispatches older than \(Int(retention / 86_400)) days moved to \(archive.url.path)")
        return archivedRecords
    }

    /// The bytes of the log after `offset` (a line without its newline).
    private func logTail(after offset: Int64) -> Data {
        guard let handle = try? FileHandle(forReadingFrom: log.url) else { return Data() }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(max(0, offset)))
            return try handle.readToEnd() ?? Data()
        } catch {
            return Data()
        }
    }
}

extension Error {
    /// The reason an `Unreadable` checkpoint gives, or the error in words.
    fileprivate var reason: String {
        (self as? HistoryCheckpoint.Unreadable)?.reason ?? "\(self)"
    }
}

extension RepoHistory {
    /// The whole audit trail — the archive, then the log — folded afresh: every dispatch and
    /// unstick with where it ended, newest first (`coordinator history`). Reads everything, so it
    /// is for a person asking, not for a hot path; the notices name lines that could not be used.
    public func audit() -> (dispatches: [DispatchSummary], notices: [HistoryLog.Notice]) {
        var projection = HistoryProjection()
        var notices: [HistoryLog.Notice] = []
        for file in [archive, log] {
            let read = file.read(after: nil)
            for record in read.records { projection.apply(record) }
            notices += read.notices
        }
        return (projection.dispatches.values.sorted { $0.sequence > $1.sequence }, notices)
    }
}
