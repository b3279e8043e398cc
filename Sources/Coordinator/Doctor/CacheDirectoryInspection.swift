import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cache directory and each repository's files in it, as `coordinator doctor` checks them:
/// the directory exists (or is created, as a run would create it), is a directory, can be written
/// (a probe file is created and removed), and is private (0700); every file the coordinator keeps
/// there is readable and writable and private (0600).
///
/// Modes are warnings, not failures: the coordinator works with them, but issue contents and the
/// dispatch ledger would be readable by other users of the machine.
enum CacheDirectoryInspection {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    /// `cache.directory` and `cache.mode`.
    static func directoryChecks(path: String) -> [DoctorCheck] {
        let fix = "or set cache_dir in [coordinator] to a directory you can write"
        var created = false
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            // Created the way a run creates it, so doctor leaves what the first run would.
            let store = IssueCacheStore(directory: path, repo: RepoURL(host: "doctor", owner: "doctor", name: "doctor"))
            do {
                try store.ensureDirectory()
                created = true
            } catch {
                return [
                    .failed("cache.directory", "\(error)", fix: "create it (mkdir -m 700 \(RequiredLabels.shellQuoted(path))) \(fix)"),
                    .skipped("cache.mode", because: "the cache directory does not exist"),
                ]
            }
        } else if !isDirectory.boolValue {
            return [
                .failed("cache.directory", "cache dir \(path) exists and is not a directory", fix: "move that file away \(fix)"),
                .skipped("cache.mode", because: "the cache directory is not a directory"),
            ]
        }

        if let failure = probeWrite(in: path) {
            return [
                .failed(
                    "cache.directory", "cannot write in cache dir \(path): \(failure)",
                    fix: "make it writable for this user (chmod 700 \(RequiredLabels.shellQuoted(path))) \(fix)"),
                .skipped("cache.mode", because: "the cache directory cannot be written"),
            ]
        }
        let directory: DoctorCheck = .ok(
            "cache.directory", created ? "created \(path) (mode 0700), writable" : "\(path) is writable")

        let mode: DoctorCheck
        switch permissions(of: path) {
        case nil:
            mode = DoctorCheck(id: "cache.mode", status: .unknown, found: "the mode of \(path) cannot be read")
        case directoryMode?:
            mode = .ok("cache.mode", "\(path) has mode 0700")
        case let other?:
            mode = DoctorCheck(
                id: "cache.mode", status: .warning, found: "\(path) has mode \(octal(other)), expected 0700 (others can read the caches)",
                fix: "chmod 700 \(RequiredLabels.shellQuoted(path))")
        }
        return [directory, mode]
    }

    /// `cache.files`: the files one repository has in the cache directory, those that exist.
    static func filesCheck(store: IssueCacheStore, repo: String) -> DoctorCheck {
        let id = "cache.files"
        let paths = [
            store.fileURL.path, store.skipNotesURL.path, store.ledgerURL.path, store.historyCheckpointURL.path, store.historyArchiveURL.path,
            store.busySinceURL.path, store.lockPath,
        ]
        var existing: [String] = []
        var unusable: [String] = []
        var wrongMode: [(path: String, mode: mode_t)] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            existing.append(path)
            if isDirectory.boolValue || access(path, R_OK | W_OK) != 0 {
                unusable.append(path)
            } else if let mode = permissions(of: path), mode != fileMode {
                wrongMode.append((path, mode))
            }
        }
        if !unusable.isEmpty {
            let names = unusable.map { ($0 as NSString).lastPathComponent }
            return .failed(
                id, repo: repo, "cannot read and write \(names.joined(separator: ", ")) in \(store.directory.path)",
                fix: "give them back to this user (chmod 600), or move them away if they are not cache files",
                details: names)
        }
        if !wrongMode.isEmpty {
            let names = wrongMode.map { "\(($0.path as NSString).lastPathComponent) (\(octal($0.mode)))" }
            return DoctorCheck(
                id: id, repo: repo, status: .warning, found: "expected mode 0600: \(names.joined(separator: ", "))",
                fix: "chmod 600 \(wrongMode.map { RequiredLabels.shellQuoted($0.path) }.joined(separator: " "))",
                details: wrongMode.map { ($0.path as NSString).lastPathComponent })
        }
        if existing.isEmpty { return .ok(id, repo: repo, "no cache files yet (the first run writes them)") }
        return .ok(id, repo: repo, "\(existing.count) cache \(existing.count == 1 ? "file" : "files"), mode 0600")
    }

    /// Creates and removes a file in `directory`; nil when that worked, else why not.
    static func probeWrite(in directory: String) -> String? {
        let probe = (directory as NSString).appendingPathComponent(".coordinator-doctor-\(getpid())-\(UUID().uuidString).probe")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        let wrote = write(fd, "ok", 2)
        let failure = wrote == 2 ? nil : String(cString: strerror(errno))
        close(fd)
        unlink(probe)
        return failure
    }

    /// The permission bits of `path`, nil when it cannot be read.
    static func permissions(of path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
