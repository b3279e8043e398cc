import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe, concurrency-safe file replacement: a uniquely named temp file in the same
/// directory, fsync, rename over the target, fsync the directory. A reader sees the old file or
/// the new one, never half of either; two writers never share a temp file (failure mode 15).
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
        let tempPath = "\(directory)/.\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp"
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
