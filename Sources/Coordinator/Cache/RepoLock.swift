import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock (`flock`) on `NAME.lock` beside a repository's cache. Every
/// read-modify-write of the cache and every dispatch of the repo happens while holding it, so a
/// cron run and an operator console (or two runs) never interleave (failure mode 15).
///
/// The holder writes who it is into the lock file (pid, host, command, since when), so that a
/// process that has to wait can say whom it waits for.
public final class RepoLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String

    public struct LockError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "cannot lock \(path): \(reason)" }
    }

    /// Who holds a lock, as its holder wrote it into the lock file.
    public struct Holder: Codable, Sendable, Equatable, CustomStringConvertible {
        public var pid: Int32
        public var host: String
        public var command: String
        public var since: Date

        public init(pid: Int32, host: String, command: String, since: Date) {
            self.pid = pid
            self.host = host
            self.command = command
            self.since = since
        }

        /// This process, now.
        public static func current(now: Date = Date()) -> Holder {
            let arguments = CommandLine.arguments
            let name = arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "coordinator"
            // Enough to recognise the command; the whole line can be long (a test runner's).
            let command = ([name] + arguments.dropFirst()).joined(separator: " ")
            return Holder(
                pid: getpid(), host: ProcessInfo.processInfo.hostName,
                command: command.count > 160 ? String(command.prefix(159)) + "…" : command, since: now)
        }

        /// "a run of PID 4242 on build-host (coordinator run --all) since 2026-11-24T10:00:00Z"
        public var description: String {
            "PID \(pid) on \(host) (\(command)) since \(Timestamp.format(since))"
        }

        enum CodingKeys: String, CodingKey { case pid, host, command, since }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            pid = try c.decode(Int32.self, forKey: .pid)
            host = try c.decode(String.self, forKey: .host)
            command = try c.decode(String.self, forKey: .command)
            guard let since = Timestamp.parse(try c.decode(String.self, forKey: .since)) else {
                throw DecodingError.dataCorruptedError(forKey: .since, in: c, debugDescription: "not a time")
            }
            self.since = since
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pid, forKey: .pid)
            try c.encode(host, forKey: .host)
            try c.encode(command, forKey: .command)
            try c.encode(Timestamp.format(since), forKey: .since)
        }
    }

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// How often a waiting process tries again.
    static let pollInterval: Duration = .milliseconds(20)
    /// After this long a waiter says whom it waits for.
    public static let patience: Duration = .seconds(1)

    /// Takes the lock, trying again every few milliseconds on the cooperative pool (no thread is
    /// blocked, and cancelling the task ends the wait). After `patience` it calls `waiting` once
    /// with the holder the lock file names (nil when it names none, e.g. an older version holds it).
    public static func acquire(
        path: String, timeout: Duration = .seconds(600), holder: Holder = .current(),
        waiting: @Sendable (Holder?) -> Void = { _ in }
    ) async throws -> RepoLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LockError(path: path, reason: String(cString: strerror(errno))) }
        let clock = ContinuousClock()
        let started = clock.now
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR else {
                close(fd)
                throw LockError(path: path, reason: String(cString: strerror(err)))
            }
            let waited = clock.now - started
            guard waited < timeout else {
                let who = readHolder(fd: fd).map { "held by \($0)" } ?? "held by another coordinator"
                close(fd)
                throw LockError(path: path, reason: "\(who); waited \(timeout)")
            }
            if !told, waited >= patience {
                told = true
                waiting(readHolder(fd: fd))
            }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                close(fd)
                throw error
            }
        }
        let lock = RepoLock(fd: fd, path: path)
        lock.write(holder)
        return lock
    }

    /// Runs `body` while holding the lock on `path`.
    public static func withLock<T: Sendable>(
        path: String, waiting: @Sendable (Holder?) -> Void = { _ in }, _ body: () async throws -> T
    ) async throws -> T {
        let lock = try await acquire(path: path, waiting: waiting)
        defer { lock.release() }
        return try await body()
    }

    /// Who holds the lock on `path` now, as the lock file says; nil when nobody says.
    public static func holder(path: String) -> Holder? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readHolder(fd: fd)
    }

    private static func readHolder(fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { bytes in bytes.baseAddress.map { pread(fd, $0, bytes.count, 0) } ?? -1 }
        guard count > 0 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: Data(buffer.prefix(count)))
    }

    /// Says who holds the lock. Best effort: the lock works without it.
    private func write(_ holder: Holder) {
        guard var data = try? JSONEncoder().encode(holder) else { return }
        data.append(UInt8(ascii: "\n"))
        _ = ftruncate(fd, 0)
        _ = data.withUnsafeBytes { bytes in bytes.baseAddress.map { pwrite(fd, $0, bytes.count, 0) } ?? -1 }
    }

    private let releasedFlag = ReleasedFlag()

    public func release() {
        guard releasedFlag.markReleased() else { return }
        // Nobody holds it any more; a waiter must not name this process.
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }

    deinit { release() }
}

private final class ReleasedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var released = false

    func markReleased() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if released { return false }
        released = true
        return true
    }
}
