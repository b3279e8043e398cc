import Foundation
import Logging

/// The embedded store: files beside each other in the cache directory, a `flock` for the lock
/// (`IssueCacheStore` names them; `RepoHistory` is the history's log, checkpoint and archive).
/// For one machine: every process on it shares the directory.
public final class FileRepoStore: RepoStore {
    public let files: IssueCacheStore
    public let fileHistory: RepoHistory

    public init(files: IssueCacheStore, retentionDays: Int = CoordinatorSettings.defaultHistoryDays, logger: Logger) {
        self.files = files
        self.fileHistory = RepoHistory(
            log: files.ledgerURL, checkpoint: files.historyCheckpointURL, archive: files.historyArchiveURL,
            retentionDays: retentionDays, logger: logger)
    }

    public var location: String { files.fileURL.path }
    public var history: any DispatchHistory { fileHistory }

    public func readCache() async throws -> IssueCacheStore.Contents {
        try files.read()
    }

    public func readSkipNotes() async -> SkipNotes {
        SkipNotes.read(files.skipNotesURL)
    }

    public func readBusySince() async -> BusySinceNotes.Read {
        BusySinceNotes.read(files.busySinceURL)
    }

    public func lock(timeout: Duration, waiting: @escaping @Sendable (RepoLock.Holder?) -> Void) async throws -> any StoreSession {
        try files.ensureDirectory()
        let lock = try await RepoLock.acquire(path: files.lockPath, timeout: timeout, waiting: waiting)
        return Session(store: self, lock: lock)
    }

    private final class Session: StoreSession {
        let store: FileRepoStore
        let lock: RepoLock

        init(store: FileRepoStore, lock: RepoLock) {
            self.store = store
            self.lock = lock
        }

        func loadCache() async throws -> IssueCacheStore.Loaded {
            try store.files.load()
        }

        func saveCache(_ cache: IssueCache) async throws {
            try store.files.save(cache)
        }

        func saveSkipNotes(_ notes: SkipNotes) async throws {
            try notes.write(to: store.files.skipNotesURL)
        }

        func saveBusySince(_ notes: BusySinceNotes) async throws {
            AtomicFile.removeStaleTempFiles(of: store.files.busySinceURL)
            try notes.write(to: store.files.busySinceURL)
        }

        func append(_ record: HistoryRecord) async throws {
            try store.fileHistory.append(record)
        }

        func maintain() async {
            store.fileHistory.maintain()
        }

        func release() async {
            lock.release()
        }
    }
}

extension RepoService {
    /// The files of the embedded store; nil when the repository's state is in a database.
    public var fileStore: IssueCacheStore? {
        (store as? FileRepoStore)?.files
    }
}
