import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe, concurrency-safe file replacement: a uniquely named temp file in the same
/// directory, fsync, rename over the target, fsync the directory. A reader sees the old file or
/// the new one, never half of either; two writers never share a temp file (failure mode 15).
///
/// A writer killed before its rename leaves its temp file behind; `removeStaleTempFiles(of:)`
/// clears those of one target.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var step: String
        public var errno: Int32

        public var description: String {
            "cannot write \(path) (\(step): \(String(cString: strerror(errno))))"
        }
    }

    public static func write(_ data: Data, to url: URL, permissions: mode_t = 0o600) throws {
        let directory = url.deletingLastPathComponent().path
        let tempName = TempName(target: url.lastPathComponent, pid: getpid(), id: UUID()).fileName
        let tempPath = "\(directory)/\(tempName)"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw WriteError(path: url.path, step: "create temp file", errno: errno) }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw WriteError(path: url.path, step: "write", errno: errno)
                    }
                    offset += n
                }
            }
            // The umask may have narrowed the mode at creation.
            guard fchmod(fd, permissions) == 0 else { throw WriteError(path: url.path, step: "chmod", errno: errno) }
            guard fsync(fd) == 0 else { throw WriteError(path: url.path, step: "fsync", errno: errno) }
            closed = true
            guard close(fd) == 0 else { throw WriteError(path: url.path, step: "close", errno: errno) }
            guard rename(tempPath, url.path) == 0 else { throw WriteError(path: url.path, step: "rename", errno: errno) }
        } catch {
            unlink(tempPath)
            throw error
        }
        fsyncDirectory(directory)
    }

    /// Makes a rename durable. Best effort: some filesystems refuse fsync on a directory.
    static func fsyncDirectory(_ path: String) {
        let dirFD = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { return }
        _ = fsync(dirFD)
        close(dirFD)
    }
}

extension AtomicFile {
    /// The name of a writer's temp file, `.NAME.PID.UUID.tmp`: the target it will replace, the
    /// writer's process id (so a later writer can tell whether it is still alive), and a UUID (so
    /// two writers in one process never share it).
    public struct TempName: Equatable, Sendable {
        public var target: String
        public var pid: pid_t
        public var id: UUID

        public init(target: String, pid: pid_t, id: UUID) {
            self.target = target
            self.pid = pid
            self.id = id
        }

        public var fileName: String { ".\(target).\(pid).\(id.uuidString).tmp" }

        /// Reads `fileName` as a temp file of `target`; nil for anything else: another target's
        /// temp file (`.a.json.bak.…` is not `a.json`'s), another tool's file, a pid that is not a
        /// positive decimal number (`kill(0, …)` and `kill(-1, …)` mean groups, not a process).
        public init?(fileName: String, target: String) {
            let prefix = ".\(target)."
            let suffix = ".tmp"
            guard fileName.hasPrefix(prefix), fileName.hasSuffix(suffix),
                fileName.count > prefix.count + suffix.count
            else { return nil }
            let middle = fileName.dropFirst(prefix.count).dropLast(suffix.count)
            let parts = middle.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let pidText = parts.first, let idText = parts.last,
                !pidText.isEmpty, pidText.count <= 10, pidText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let number = Int64(pidText), number > 0, number <= Int64(Int32.max),
                let id = UUID(uuidString: String(idText)), id.uuidString == idText
            else { return nil }
            self.init(target: target, pid: pid_t(number), id: id)
        }
    }

    /// A temp file older than this is stale even when a process with its pid runs: that pid was
    /// reused. A live writer renames its temp file within a moment of creating it.
    public static let staleTempFileAge: TimeInterval = 10 * 60

    /// Whether a temp file was left behind: its writer's pid is gone, or it is older than `maxAge`.
    /// A modification time in the future (clock skew) does not make it old.
    public static func isStale(
        pid: pid_t, modified: Date, now: Date, maxAge: TimeInterval = staleTempFileAge, isAlive: (pid_t) -> Bool
    ) -> Bool {
        if now.timeIntervalSince(modified) > maxAge { return true }
        return !isAlive(pid)
    }

    /// Whether process `pid` exists. Only ESRCH says no: EPERM means it runs under another user.
    /// A zombie counts as alive until its parent reaps it.
    public static func processIsAlive(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno != ESRCH
    }

    /// Removes the temp files of `url` that killed writers left behind (see `isStale`) and returns
    /// their names. Touches nothing else in the directory: not the target, not another target's
    /// temp files, not a file of another tool, not a live writer's temp file, not a symbolic link.
    ///
    /// Best effort: a file that cannot be examined or removed stays for the next writer. Callers
    /// hold the target's lock, so no writer honouring it is between create and rename; the pid and
    /// age checks keep that true for one that does not.
    @discardableResult
    public static func removeStaleTempFiles(
        of url: URL, now: Date = Date(), maxAge: TimeInterval = staleTempFileAge,
        isAlive: (pid_t) -> Bool = processIsAlive
    ) -> [String] {
        let directory = url.deletingLastPathComponent().path
        let target = url.lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names.sorted() {
            guard let temp = TempName(fileName: name, target: target) else { continue }
            let path = "\(directory)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            #if os(Linux)
            let stamp = info.st_mtim
            #else
            let stamp = info.st_mtimespec
            #endif
            let modified = Date(timeIntervalSince1970: TimeInterval(stamp.tv_sec) + TimeInterval(stamp.tv_nsec) / 1e9)
            guard isStale(pid: temp.pid, modified: modified, now: now, maxAge: maxAge, isAlive: isAlive) else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed
    }
}
