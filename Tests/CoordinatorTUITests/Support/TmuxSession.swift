import Foundation
import XCTest

/// A tmux server on a private socket (`tmux -L NAME`), so a test gives a program a real terminal
/// and reads the screen back, without touching the user's tmux. `kill()` removes it.
final class TmuxSession {
    let socketName: String

    init(prefix: String) {
        socketName = "\(prefix)-\(UUID().uuidString.prefix(8))"
    }

    /// Runs tmux on the private socket; throws when tmux fails.
    @discardableResult
    func run(_ arguments: String...) throws -> String {
        let (code, text) = try TmuxSession.spawn(["tmux", "-L", socketName] + arguments)
        if code != 0 { throw TmuxError("tmux \(arguments.joined(separator: " ")) failed (\(code)): \(text)") }
        return text
    }

    /// The visible screen of the first pane, wrapped lines joined.
    func screen() -> String {
        (try? run("capture-pane", "-p", "-J", "-t", "0")) ?? ""
    }

    /// A tmux format of the first pane, e.g. `#{alternate_on}`.
    func format(_ format: String) throws -> String {
        try run("display-message", "-p", "-t", "0", format).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `predicate` holds; bounded, no fixed sleeps.
    func waitFor(
        _ what: String, timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line,
        _ predicate: (String) -> Bool
    ) async throws -> String {
        var screen = ""
        try await waitUntil(what, timeout: .seconds(timeout), interval: .milliseconds(50), file: file, line: line,
                            detail: "the screen was:\n\(screen)") {
            screen = self.screen()
            guard predicate(screen) else { return false }
            // A capture may land while curses is still painting a frame: the screen returned (the
            // one the caller reads) is one taken a moment later, for which the predicate holds too.
            try? await Task.sleep(for: .milliseconds(40))
            screen = self.screen()
            return predicate(screen)
        }
        return screen
    }

    /// Stops the server and removes the socket file a killed server leaves behind.
    func kill() {
        _ = try? run("kill-server")
        let socketDirectory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(socketDirectory)/tmux-\(getuid())/\(socketName)")
    }

    /// Runs `argv` to completion with `waitpid` and returns its exit code and output. Output goes
    /// through a file, not a pipe: the tmux server forked by `new-session` inherits the
    /// descriptors and would hold a pipe open forever. Children start with no signal blocked and
    /// default actions: test threads block signals, and a tmux server inheriting that mask could
    /// neither be stopped nor deliver signals to its panes' programs as a terminal would.
    static func spawn(_ argv: [String]) throws -> (Int32, String) {
        let outputPath = NSTemporaryDirectory() + "spawn-output-\(UUID().uuidString)"
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
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let env = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, env)
        guard spawned == 0 else { throw TmuxError("cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : -1, text)
    }

    /// A loopback port that was free a moment ago: bind to 0, read the port, close.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TmuxError("socket failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw TmuxError("bind failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw TmuxError("getsockname failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
