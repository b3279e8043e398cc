import Foundation
import XCTest

/// A throw-away PostgreSQL server from Debian's binaries (`initdb`, `pg_ctl`, `postgres`): its
/// own data directory in a temporary directory, listening on 127.0.0.1 at a free port and on a
/// unix socket inside that directory, with `trust` authentication for the user `coordinator`.
/// `stop()` (also on deinit) stops it at once and removes the directory.
///
/// PostgreSQL refuses to run as root, and CI runs as root: then the server runs as Debian's
/// `postgres` system user (`runuser -u postgres --`), which owns the temporary directory.
///
/// Every command runs with a time limit; a server that does not come up within 30 s fails the
/// start. Where the binaries are missing a test skips — unless `CI` is set, where it fails:
/// CI installs PostgreSQL (`.ci/run`), so missing binaries there are a broken set-up, not a
/// reason to pass.
public final class TemporaryPostgres: @unchecked Sendable {
    /// The superuser `initdb` creates (trust authentication: no password).
    public static let user = "coordinator"

    public let port: Int
    /// The directory holding the socket file `.s.PGSQL.PORT`.
    public let socketDirectory: String
    /// The database made for the tests.
    public let database: String
    /// The temporary directory: data, socket, log.
    public let directory: String
    private let binaries: Binaries
    private let lock = NSLock()
    private var stopped = false

    /// `postgres://coordinator@127.0.0.1:PORT/DATABASE?sslmode=disable`.
    public var url: String { "postgres://\(Self.user)@127.0.0.1:\(port)/\(database)?sslmode=disable" }
    /// The same server through its unix socket.
    public var socketURL: String { "postgres://\(Self.user)@:\(port)/\(database)?host=\(socketDirectory)" }
    /// The server's log, for a failing test's message.
    public var logFile: String { directory + "/server.log" }
    private var dataDirectory: String { directory + "/data" }

    // MARK: - Finding PostgreSQL

    /// The binaries a server needs, found on PATH or in the newest `/usr/lib/postgresql/*/bin`.
    struct Binaries {
        var initdb: String
        var pgCtl: String
        var postgres: String
        var psql: String
    }

    /// Whether a server can be started here (the binaries exist; as root, also the `postgres`
    /// user and `runuser`).
    public static var isAvailable: Bool { (try? findBinaries()) != nil }

    /// Throws `XCTSkip` when PostgreSQL is missing, or a failing error when `CI` is set.
    public static func requireAvailable() throws {
        do {
            _ = try findBinaries()
        } catch {
            let message = "\(error) (Debian: apt-get install postgresql; .ci/run installs it)"
            if let ci = ProcessInfo.processInfo.environment["CI"], !ci.isEmpty { throw TemporaryPostgresError(message + " — CI must have it") }
            throw XCTSkip(message)
        }
    }

    static func findBinaries() throws -> Binaries {
        let fm = FileManager.default
        var directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
            .split(separator: ":").map(String.init)
        // Debian keeps the server binaries out of PATH, one directory per major version.
        let versions = ((try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap { name in Int(name).map { (name, $0) } }
            .sorted { $0.1 > $1.1 }
        directories += versions.map { "/usr/lib/postgresql/\($0.0)/bin" }
        func find(_ name: String) -> String? {
            directories.lazy.map { "\($0)/\(name)" }.first { fm.isExecutableFile(atPath: $0) }
        }
        // initdb, pg_ctl and postgres must be of one version: take them from one directory.
        guard let initdb = find("initdb") else {
            throw TemporaryPostgresError("PostgreSQL's initdb is neither on PATH nor in /usr/lib/postgresql/*/bin")
        }
        let bin = (initdb as NSString).deletingLastPathComponent
        let resolvedBin = ((try? fm.destinationOfSymbolicLink(atPath: initdb)).map { ($0 as NSString).deletingLastPathComponent }) ?? bin
        func beside(_ name: String) -> String? {
            [resolvedBin, bin].map { "\($0)/\(name)" }.first { fm.isExecutableFile(atPath: $0) } ?? find(name)
        }
        guard let pgCtl = beside("pg_ctl"), let postgres = beside("postgres") else {
            throw TemporaryPostgresError("PostgreSQL's pg_ctl or postgres is missing beside \(initdb)")
        }
        guard let psql = beside("psql") ?? (fm.isExecutableFile(atPath: "/usr/bin/psql") ? "/usr/bin/psql" : nil) else {
            throw TemporaryPostgresError("psql is missing")
        }
        if getuid() == 0 {
            guard getpwnam("postgres") != nil else {
                throw TemporaryPostgresError("running as root, and there is no postgres user to run PostgreSQL as (it refuses root)")
            }
            guard fm.isExecutableFile(atPath: "/usr/sbin/runuser") || fm.isExecutableFile(atPath: "/sbin/runuser") else {
                throw TemporaryPostgresError("running as root, and runuser (util-linux) is missing")
            }
        }
        return Binaries(initdb: initdb, pgCtl: pgCtl, postgres: postgres, psql: psql)
    }

    // MARK: - Start and stop

    /// initdb, start on a free port (a few tries: another process may take the port between the
    /// probe and the start), and create `database`.
    public init(database: String = "coordinator_test") throws {
        try Self.requireAvailable()
        binaries = try Self.findBinaries()
        self.database = database
        let base = getuid() == 0 ? "/tmp" : NSTemporaryDirectory()
        Self.stopOrphans(in: base, binaries: binaries)
        directory = (base as NSString).appendingPathComponent("\(Self.directoryPrefix)\(UUID().uuidString.prefix(8))")
        socketDirectory = directory + "/socket"
        let fm = FileManager.default
        try fm.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: directory + "/" + Self.ownerFile))
        var started: Int?
        do {
            if getuid() == 0 {
                guard let account = getpwnam("postgres") else { throw TemporaryPostgresError("no postgres user") }
                let (uid, gid) = (account.pointee.pw_uid, account.pointee.pw_gid)
                for path in [directory, socketDirectory] where chown(path, uid, gid) != 0 {
                    throw TemporaryPostgresError("cannot hand \(path) to the postgres user: \(String(cString: strerror(errno)))")
                }
            }
            try Self.runChecked(asServerUser: true, [
                binaries.initdb, "-D", directory + "/data", "-A", "trust", "-U", Self.user, "--no-instructions",
                "-E", "UTF8", "--locale=C", "--no-sync",
            ], timeout: .seconds(90), what: "initdb")
            var lastError: (any Error)?
            for _ in 0..<4 {
                let port = try LoopbackPort.free()
                do {
                    try Self.runChecked(
                        asServerUser: true, Self.startArguments(binaries, directory: directory, socketDirectory: socketDirectory, port: port),
                        timeout: .seconds(40), what: "pg_ctl start")
                    started = port
                    break
                } catch {
                    lastError = error
                    _ = try? Self.run(asServerUser: true, [binaries.pgCtl, "-D", directory + "/data", "-m", "immediate", "-w", "-t", "10", "stop"], timeout: .seconds(15))
                }
            }
            guard let started else {
                let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
                throw TemporaryPostgresError("PostgreSQL did not start: \(lastError.map { "\($0)" } ?? "")\n\(log.suffix(2000))")
            }
            port = started
        } catch {
            try? fm.removeItem(atPath: directory)
            throw error
        }
        do {
            try Self.runChecked(asServerUser: false, [
                binaries.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)", "-U", Self.user,
                "-d", "postgres", "-c", "CREATE DATABASE \(database)",
            ], timeout: .seconds(30), what: "CREATE DATABASE")
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// `pg_ctl start` of the server in `directory` on `port`, its socket in `socketDirectory`.
    private static func startArguments(_ binaries: Binaries, directory: String, socketDirectory: String, port: Int) -> [String] {
        [
            binaries.pgCtl, "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "30",
            "-o", "-p \(port) -k \(socketDirectory) -h 127.0.0.1 -c max_connections=40 -c shared_buffers=16MB",
            "start",
        ]
    }

    /// Stops the server as an administrator would (`pg_ctl -m fast`: every connection ended),
    /// keeping its data for `restart()`: the database is down until then.
    public func halt() throws {
        try Self.runChecked(asServerUser: true, [binaries.pgCtl, "-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], timeout: .seconds(40), what: "pg_ctl stop")
    }

    /// Starts a halted server again on its port, with its data.
    public func restart() throws {
        try Self.runChecked(
            asServerUser: true, Self.startArguments(binaries, directory: directory, socketDirectory: socketDirectory, port: port),
            timeout: .seconds(40), what: "pg_ctl start")
    }

    /// Stops the server at once (`pg_ctl -m immediate`; the process if that fails) and removes
    /// the directory. Idempotent.
    public func stop() {
        lock.lock()
        let already = stopped
        stopped = true
        lock.unlock()
        guard !already else { return }
        let data = dataDirectory
        let result = try? Self.run(asServerUser: true, [binaries.pgCtl, "-D", data, "-m", "immediate", "-w", "-t", "20", "stop"], timeout: .seconds(30))
        if result?.status != 0, let text = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first, let pid = Int32(first.trimmingCharacters(in: .whitespaces)), pid > 0 {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let directoryPrefix = "coordinator-pg-"
    /// The pid of the test process a server belongs to.
    static let ownerFile = "owner.pid"

    /// Stops and removes the servers of test processes that died without `stop()` (a crash, a
    /// kill): their postgres would otherwise run on. Only directories with an owner file whose
    /// process is gone are touched, so a parallel test run keeps its server.
    static func stopOrphans(in base: String, binaries: Binaries) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix(directoryPrefix) {
            let directory = (base as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: directory + "/" + ownerFile, encoding: .utf8),
                let owner = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), owner > 0,
                kill(owner, 0) == -1, errno == ESRCH
            else { continue }
            _ = try? run(asServerUser: true, [binaries.pgCtl, "-D", directory + "/data", "-m", "immediate", "-w", "-t", "10", "stop"], timeout: .seconds(15))
            try? fm.removeItem(atPath: directory)
        }
    }

    // MARK: - psql

    /// Runs `sql` through psql (`-At`: unaligned, tuples only) on the test database over the
    /// socket and returns its output without the final line break.
    /// - Throws: when psql fails (its output in the error).
    @discardableResult
    public func psql(_ sql: String, database: String? = nil, timeout: Duration = .seconds(30)) throws -> String {
        let output = try Self.runChecked(asServerUser: false, [
            binaries.psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)", "-U", Self.user,
            "-d", database ?? self.database, "-c", sql,
        ], timeout: timeout, what: "psql")
        return output.hasSuffix("\n") ? String(output.dropLast()) : output
    }

    /// Ends every other connection whose `application_name` is LIKE `pattern` (`pg_terminate_backend`,
    /// waiting up to 5 s for each to go); the number ended.
    @discardableResult
    public func terminateBackends(applicationLike pattern: String) throws -> Int {
        let escaped = pattern.replacingOccurrences(of: "'", with: "''")
        let output = try psql("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
            WHERE application_name LIKE '\(escaped)' AND pid <> pg_backend_pid()
            """)
        return Int(output) ?? 0
    }

    // MARK: - Processes

    /// Runs `argv` (as the `postgres` user when `asServerUser` and this process is root) with
    /// stdin from /dev/null and stdout + stderr into a file; throws on a non-zero exit.
    @discardableResult
    static func runChecked(asServerUser: Bool, _ argv: [String], timeout: Duration, what: String) throws -> String {
        let (status, output) = try run(asServerUser: asServerUser, argv, timeout: timeout)
        guard status == 0 else { throw TemporaryPostgresError("\(what) failed (exit \(status)): \(output)") }
        return output
    }

    /// Runs `argv` (`ChildProcess`) with PG* variables removed and the C locale, killed after
    /// `timeout`.
    static func run(asServerUser: Bool, _ argv: [String], timeout: Duration) throws -> (status: Int32, output: String) {
        let argv = asServerUser && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv : argv
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") && !$0.key.hasPrefix("LC_") }
        environment["LANG"] = "C"
        environment["LC_ALL"] = "C"
        do {
            return try ChildProcess.run(argv, environment: environment, timeout: timeout)
        } catch {
            throw TemporaryPostgresError("\(error)")
        }
    }
}

extension TemporaryPostgres {
    /// One server for a whole test class: started by the first `server()` (from `setUp`),
    /// stopped by `stop()` (from `override class func tearDown()`). A failed start is remembered,
    /// so the class's other tests fail fast with the same error instead of retrying.
    public final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private let database: String
        private var started: Result<TemporaryPostgres, any Error>?

        public init(database: String = "coordinator_test") {
            self.database = database
        }

        public func server() throws -> TemporaryPostgres {
            try TemporaryPostgres.requireAvailable()
            lock.lock()
            defer { lock.unlock() }
            if let started { return try started.get() }
            let result = Result { try TemporaryPostgres(database: database) }
            started = result
            return try result.get()
        }

        public func stop() {
            lock.lock()
            let server = try? started?.get()
            started = nil
            lock.unlock()
            server?.stop()
        }
    }
}

/// Why a temporary PostgreSQL could not be used.
public struct TemporaryPostgresError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
