import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock (`flock`) on `NAME.lock` beside a repository's cache. Every
/// read-modify-write of the cache and every dispatch of the repo happens while holding it, so a
/// cron run and an operator console (or two runs) never interleave (failure mode 15).
public final class RepoLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String

    public struct LockError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var reason: String
        public var description: String { "cannot lock \(path): \(reason)" }
    }

    /// Blocks the calling thread until the lock is held. Call it off the cooperative pool
    /// (`RepoLock.acquire(path:)` does that).
    private init(blockingPath path: String, timeout: Duration) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LockError(path: path, reason: String(cString: strerror(errno))) }
        let deadline = ContinuousClock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR else {
                close(fd)
                throw LockError(path: path, reason: String(cString: strerror(err)))
            }
            guard ContinuousClock.now < deadline else {
                close(fd)
                throw LockError(path: path, reason: "another coordinator holds it (waited \(timeout))")
            }
            usleep(10_000)
        }
        self.fd = fd
    }

    /// Takes the lock without blocking the cooperative thread pool.
    public static func acquire(path: String, timeout: Duration = .seconds(600)) async throws -> RepoLock {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try RepoLock(blockingPath: path, timeout: timeout) })
            }
        }
    }

    /// Runs `body` while holding the lock on `path`.
    public static func withLock<T: Sendable>(path: String, _ body: () async throws -> T) async throws -> T {
        let lock = try await acquire(path: path)
        defer { lock.release() }
        return try await body()
    }

    private let releasedFlag = ReleasedFlag()

    public func release() {
        guard releasedFlag.markReleased() else { return }
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
