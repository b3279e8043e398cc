import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a child process could not be run, or did not end in time.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Child processes of the tests (tmux, the coordinator binary, PostgreSQL's tools), run to their end.
public enum ChildProcess {
    /// Runs `argv` (looked up on PATH) with stdin from /dev/null, and returns its exit status (-1
    /// when a signal ended it) and its stdout and stderr together.
    ///
    /// The output goes through a file, not a pipe: a server the child leaves running (tmux's,
    /// PostgreSQL's) inherits the descriptors and would hold a pipe open for ever. The child
    /// starts with no signal blocked and default actions: test threads block signals, and a
    /// server inheriting that mask could not be stopped. After `timeout` (nil: none) it is killed
    /// and `ChildProcessError` says so with what it wrote.
    public static func run(
        _ argv: [String], environment: [String: String]? = nil, timeout: Duration? = nil
    ) throws -> (status: Int32, output: String) {
        guard let program = argv.first else { throw ChildProcessError("nothing to run") }
        let outputPath = NSTemporaryDirectory() + "child-output-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let cEnvironment = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnvironment.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, &actions, &attributes, cArguments, cEnvironment)
        guard spawned == 0 else { throw ChildProcessError("cannot run \(program): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        if let timeout {
            let deadline = ContinuousClock.now + timeout
            while true {
                let waited = waitpid(pid, &status, WNOHANG)
                if waited == pid { break }
                if waited == -1 && errno != EINTR { throw ChildProcessError("waitpid for \(program) failed") }
                if ContinuousClock.now >= deadline {
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
                    throw ChildProcessError("\(argv.joined(separator: " ")) did not finish within \(timeout): \(text)")
                }
                usleep(5_000)
            }
        } else {
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : -1, text)
    }
}

/// Loopback ports for servers the tests start.
public enum LoopbackPort {
    /// A loopback port that was free a moment ago: bind to 0, read the port, close.
    public static func free() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcessError("socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw ChildProcessError("bind failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw ChildProcessError("getsockname failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
