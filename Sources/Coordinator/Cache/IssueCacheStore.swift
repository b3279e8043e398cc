import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where one repository's cache, lock and ledger live, and how the cache file is read and written.
///
/// Reading is lenient; a file that is not a cache is moved aside (never silently overwritten).
/// Writing goes through `AtomicFile`. Changing the cache is `LockedRepo`'s: it holds `lockPath`
/// (see `RepoLock`) around every read-modify-write.
public struct IssueCacheStore: Sendable {
    public let directory: URL
    public let repo: RepoURL

    public init(directory: String, repo: RepoURL) {
        self.directory = URL(fileURLWithPath: directory)
        self.repo = repo
    }

    /// `CACHE_DIR/{host_with_underscores}_{owner}_{repo}.issues.json`
    public var fileURL: URL { directory.appendingPathComponent("\(repo.cacheStem).issues.json") }
    public var lockPath: String { directory.appendingPathComponent("\(repo.cacheStem).lock").path }
    /// The dispatch history's log (named `ledger` by earlier versions; the same file).
    public var ledgerURL: URL { directory.appendingPathComponent("\(repo.cacheStem).dispatches.jsonl") }
    /// The history's projection at a position of the log (`HistoryCheckpoint`).
    public var historyCheckpointURL: URL { directory.appendingPathComponent("\(repo.cacheStem).history.checkpoint") }
    /// Finished dispatches older than the retention, moved out of the log by compaction.
    public var historyArchiveURL: URL { directory.appendingPathComponent("\(repo.cacheStem).dispatches.archive.jsonl") }
    public var skipNotesURL: URL { directory.appendingPathComponent("\(repo.cacheStem).skips.json") }
    /// Since when busy issues we did not dispatch have been busy, as GitHub said (`BusySinceNotes`).
    public var busySinceURL: URL { directory.appendingPathComponent("\(repo.cacheStem).busy-since.json") }

    /// What reading found.
    public struct Loaded: Sendable {
        public var cache: IssueCache
        /// Set when the file was corrupt and moved aside: what the operator should be told.
        public var notice: String?

        public init(cache: IssueCache, notice: String?) {
            self.cache = cache
            self.notice = notice
        }
    }

    public struct StoreError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Creates the cache directory with mode 0700 when missing.
    public func ensureDirectory() throws {
        let path = directory.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StoreError(description: "cache dir \(path) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(description: "cannot create cache dir \(path): \(error.localizedDescription)")
        }
    }

    /// What the file holds: a cache (empty when there is no file), or why it is not one.
    public enum Contents: Sendable {
        case cache(IssueCache)
        case corrupt(reason: String)
    }

    /// Reads the file without changing anything. Safe without the lock: writers replace the file
    /// by rename, so a reader sees a whole old or a whole new cache.
    public func read() throws -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: fileURL)
        } catch CocoaError.fileReadNoSuchFile {
            return .cache(.empty)
        } catch {
            if !FileManager.default.fileExists(atPath: fileURL.path) { return .cache(.empty) }
            throw StoreError(description: "cannot read cache \(fileURL.path): \(error.localizedDescription)")
        }
        return Self.contents(of: data)
    }

    /// What a cache file's bytes hold.
    public static func contents(of data: Data) -> Contents {
        do {
            return .cache(try IssueCacheCodec.decode(data))
        } catch {
            return .corrupt(reason: error.reason)
        }
    }

    /// Reads the cache. Missing file: empty cache. Corrupt file: moved to `NAME.corrupt-TIMESTAMP`,
    /// reported in `notice`, and an empty cache returned. Caller holds the lock.
    public func load(now: Date = Date()) throws -> Loaded {
        let reason: String
        switch try read() {
        case let .cache(cache): return Loaded(cache: cache, notice: nil)
        case let .corrupt(why): reason = why
        }
        let stamp = Timestamp.format(now).replacingOccurrences(of: ":", with: "")
        // rename() replaces an existing target: a second corrupt file within the same second
        // would destroy the first copy. Callers hold the repo lock, so checking is enough.
        var aside = fileURL.path + ".corrupt-\(stamp)"
        var copy = 1
        while FileManager.default.fileExists(atPath: aside) {
            copy += 1
            aside = fileURL.path + ".corrupt-\(stamp)-\(copy)"
        }
        guard rename(fileURL.path, aside) == 0 else {
            throw StoreError(description: "cache \(fileURL.path) is corrupt (\(reason)) and could not be moved aside: \(String(cString: strerror(errno)))")
        }
        return Loaded(cache: .empty, notice: "cache \(fileURL.path) was corrupt (\(reason)); moved aside to \(aside) and rebuilt from GitHub")
    }

    /// Writes the cache crash-safely with mode 0600. Caller holds the lock.
    ///
    /// First removes the temp files earlier writers of this cache left when they were killed
    /// mid-write (each as big as the cache); nothing else in the directory is touched.
    public func save(_ cache: IssueCache) throws {
        try ensureDirectory()
        AtomicFile.removeStaleTempFiles(of: fileURL)
        let data = IssueCacheCodec.encode(cache)
        do {
            try AtomicFile.write(data, to: fileURL, permissions: 0o600)
        } catch {
            throw StoreError(description: "\(error)")
        }
    }
}
