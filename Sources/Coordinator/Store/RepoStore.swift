import Foundation

/// Where one repository's state lives: the issue cache, the dispatch history and its projection,
/// the skip and busy-since notes, and the lock every write is made under. Files beside each other
/// in the cache directory (`FileRepoStore`, the embedded default for one machine), or PostgreSQL
/// for several instances (the `CoordinatorPostgres` target). Everything above this seam —
/// `RepoService`, `LockedRepo`, the dispatcher, the busy survey — is the same for both.
///
/// Reads need no lock. Every write happens in a `StoreSession`, which holds the repository's lock
/// from `lock` until `release`: one writer per repository, across processes and machines.
public protocol RepoStore: Sendable {
    /// Where the state is, in words for messages and `status`: the cache file's path, or the
    /// database and the repository's key in it.
    var location: String { get }
    /// The dispatch history and its one projection.
    var history: any DispatchHistory { get }
    /// The cache as it is now, or why it is not one. Never waits for the lock.
    func readCache() async throws -> IssueCacheStore.Contents
    /// The skip notes (none when missing or unreadable: they only save requests).
    func readSkipNotes() async -> SkipNotes
    /// The busy-since notes, and why they are none when they could not be read.
    func readBusySince() async -> BusySinceNotes.Read
    /// Takes the repository's lock, waiting at most `timeout`; after `RepoLock.patience`,
    /// `waiting` is told once who holds it (nil when unknown). The session begins with `history`
    /// caught up with everything appended before it (or does not begin): what the dispatcher's
    /// guard reads must not miss another process's dispatch.
    func lock(timeout: Duration, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async throws -> any StoreSession
    /// The dispatches a process that no longer holds the lock left unfinished: not ended in the
    /// history, the newest record older than `quiet`, and nobody holding the repository's lock. A
    /// store shared by several machines answers it so another instance takes the repository over
    /// (its next poll finishes them); the files of one machine answer none (the next start, poll
    /// or run there does it).
    func abandonedDispatches(quiet: Duration) async -> Set<String>
}

extension RepoStore {
    public func abandonedDispatches(quiet: Duration) async -> Set<String> { [] }
}

/// One repository's store while its lock is held: the only way to write. `release` ends it;
/// a process that dies holding it loses the lock with its file descriptor or connection.
public protocol StoreSession: AnyObject, Sendable {
    /// The cache, a corrupt one set aside with a notice (and an empty cache in its place).
    func loadCache() async throws -> IssueCacheStore.Loaded
    /// Writes the whole cache, durably, before returning.
    func saveCache(_ cache: IssueCache) async throws
    /// Writes the skip notes (none: removes them).
    func saveSkipNotes(_ notes: SkipNotes) async throws
    /// Writes the busy-since notes (none: removes them).
    func saveBusySince(_ notes: BusySinceNotes) async throws
    /// Appends one record to the history, durably, and the projection learns it.
    func append(_ record: HistoryRecord) async throws
    /// Checkpoints and compacts the history when due; a failure is logged, never thrown.
    func maintain() async
    /// Gives the lock back. Idempotent.
    func release() async
}

/// The dispatch history of one repository: an append-only log of `HistoryRecord`s and the one
/// projection of it (`HistoryProjection`), caught up with what every process has appended.
public protocol DispatchHistory: Sendable {
    /// The projection as this process knows it. The file store reads what was appended since the
    /// last call; a database store answers from memory, as of the last `refresh` (every locked
    /// session starts with one).
    func current() -> HistoryProjection
    /// Catches up with what other processes appended. A failure is kept as a notice.
    func refresh() async
    /// What the operator should hear about this history (records that could not be used, a
    /// checkpoint set aside, a store that could not be read).
    func notices() -> [String]
    /// The whole audit trail, archive included, folded afresh, newest first (`coordinator history`).
    func audit() async throws -> (dispatches: [DispatchSummary], notices: [HistoryLog.Notice])
}

extension RepoStore {
    /// Runs `body` in a session holding the repository's lock, released whatever happens.
    public func withSession<T: Sendable>(
        timeout: Duration = .seconds(600), waiting: @escaping @Sendable (RepoLock.Holder?) -> Void = { _ in },
        _ body: (any StoreSession) async throws -> T
    ) async throws -> T {
        let session = try await lock(timeout: timeout, waiting: waiting)
        do {
            let result = try await body(session)
            await session.release()
            return result
        } catch {
            await session.release()
            throw error
        }
    }
}
