import Coordinator
import Foundation
import Logging
import PostgresNIO

/// `coordinator doctor` for the PostgreSQL store (`[store] postgres_url`), where the cache
/// directory's checks go for the files: whether the server can be reached with the configured
/// login and TLS (`store.connection`), whether the schema is the one this binary works with
/// (`store.schema`), and per repository who holds its lock now (`store.lock`).
///
/// Nothing is written: the schema is read, never migrated, and no lock is taken (a lock taken to
/// look would make a running coordinator wait). The one session doctor opens bounds its own
/// statements (`statement_timeout`, for this session only) and is closed at the end. Every text
/// names the server by its redacted URL; the password is never in it.
public enum PostgresDoctor {
    /// The checks of the whole store, in order; `store.lock` follows per repository.
    public static let ids = ["store.connection", "store.schema"]
    public static let lockID = "store.lock"

    /// Runs the checks. Every repository's `store.lock` carries `repo: repo.name`, so `Doctor`
    /// can put it among that repository's checks.
    /// - Parameters:
    ///   - connectTimeout: bound on the connect and login; each statement gets as long.
    ///   - applicationName: what the server is told this session is (`pg_stat_activity`).
    public static func checks(
        _ settings: PostgresStoreSettings, repos: [RepoConfig], connectTimeout: Duration = .seconds(10),
        applicationName: String = PostgresEndpoint.applicationName(command: "doctor"), logger: Logger
    ) async -> [DoctorCheck] {
        let endpoint = PostgresEndpoint(settings: settings, applicationName: applicationName)
        let connections = PostgresConnections(endpoint: endpoint, maxIdle: 0, connectTimeout: connectTimeout, logger: logger)
        var checks: [DoctorCheck] = []
        let connection: PostgresConnection
        let version: String
        do {
            connection = try await connections.take()
        } catch {
            await connections.shutdown()
            return scrubbed(unreachable(error, settings: settings, repos: repos), endpoint: endpoint)
        }
        do {
            // Session-local, so a statement waiting behind another session's lock ends in time.
            let milliseconds = max(1, connectTimeout.inMilliseconds)
            try await connection.queryRows("SELECT set_config('statement_timeout', \(String(milliseconds)), false)", logger: logger)
            version = try await connection.queryFirst("SHOW server_version", as: String.self, logger: logger) ?? "version unknown"
        } catch {
            PostgresConnections.closeQuietly(connection)
            await connections.shutdown()
            let translated = PostgresFailure.translate(error, endpoint: endpoint, connecting: true)
            return scrubbed(unreachable(translated, settings: settings, repos: repos), endpoint: endpoint)
        }

        var via = "PostgreSQL \(version)"
        switch settings.passwordSource {
        case .none, .url: break
        case .environment, .file: via += "; \(settings.passwordSource)"
        }
        checks.append(DoctorCheck(id: "store.connection", status: .ok, found: "\(settings.url.redacted) reachable (\(via))"))

        var lost: String?
        do {
            let status = try await PostgresMigrations.status(connection, logger: logger)
            checks.append(schemaCheck(status))
        } catch {
            let translated = PostgresFailure.translate(error, endpoint: endpoint, connecting: false)
            checks.append(DoctorCheck(
                id: "store.schema", status: .failed, found: "the schema version cannot be read: \(reason(translated))",
                fix: "give \(settings.user) the rights a coordinator needs in database \(settings.database) (it creates and reads its own tables), or check the server's log"))
            if translated is StoreUnavailable || connection.isClosed { lost = "the connection to the store was lost" }
        }

        for repo in repos {
            if let lost {
                checks.append(DoctorCheck(id: lockID, repo: repo.name, status: .skipped, found: "skipped: \(lost)"))
                continue
            }
            do {
                checks.append(try await lockCheck(repo, on: connection, logger: logger))
            } catch {
                let translated = PostgresFailure.translate(error, endpoint: endpoint, connecting: false)
                checks.append(DoctorCheck(
                    id: lockID, repo: repo.name, status: .unknown,
                    found: "who holds the lock of \(repo.repo.fullName) cannot be read: \(reason(translated))"))
                if translated is StoreUnavailable || connection.isClosed { lost = "the connection to the store was lost" }
            }
        }
        PostgresConnections.closeQuietly(connection)
        await connections.shutdown()
        return scrubbed(checks, endpoint: endpoint)
    }

    // MARK: The checks

    /// `store.schema`: equal is ok; older is a warning (the first command migrates it); newer
    /// fails (every command of this binary refuses the database). Pure.
    public static func schemaCheck(_ status: PostgresSchemaStatus) -> DoctorCheck {
        let id = "store.schema"
        let current = status.current ?? 0
        let known = status.known
        if current > known {
            return DoctorCheck(
                id: id, status: .failed,
                found: "the database was migrated by a newer coordinator (\(current) > \(known)): this binary refuses to work on it",
                fix: "upgrade this binary to the version the other instances run")
        }
        if current < known {
            let tables = status.current == nil ? " (no coordinator tables yet)" : ""
            return DoctorCheck(
                id: id, status: .warning,
                found: "schema at \(current)\(tables), this binary migrates to \(known) at its first command",
                fix: "run `coordinator store migrate` now, or let the first command do it (either needs the right to create tables)")
        }
        return DoctorCheck(id: id, status: .ok, found: "schema at \(current), the version this binary works with")
    }

    /// `store.lock`: who holds the repository's advisory lock. Held or free, both are fine: a
    /// holder is at work on the repository now, and a crashed one's lock is gone with its
    /// connection, so a held lock is never a leftover to clear.
    static func lockCheck(_ repo: RepoConfig, on connection: PostgresConnection, logger: Logger) async throws -> DoctorCheck {
        // The key every store of this repository locks (`PostgresStore.stores`).
        let key = repo.repo.cacheStem
        let name = repo.repo.fullName
        guard let holder = try await PostgresAdvisoryLock.holder(connection, repo: key, logger: logger) else {
            return DoctorCheck(id: lockID, repo: repo.name, status: .ok, found: "lock of \(name) free (no coordinator is at work on it now)")
        }
        return DoctorCheck(id: lockID, repo: repo.name, status: .ok, found: "lock of \(name) held by \(holder)")
    }

    /// `store.connection` failed; the rest cannot be asked.
    static func unreachable(_ error: any Error, settings: PostgresStoreSettings, repos: [RepoConfig]) -> [DoctorCheck] {
        let because = "the store cannot be reached"
        return [
            DoctorCheck(
                id: "store.connection", status: .failed, found: "\(settings.url.redacted) is unavailable: \(reason(error))",
                fix: fix(for: error, settings: settings)),
            DoctorCheck(id: "store.schema", status: .skipped, found: "skipped: \(because)"),
        ] + repos.map { DoctorCheck(id: lockID, repo: $0.name, status: .skipped, found: "skipped: \(because)") }
    }

    /// What to do, by what went wrong: the login, the database's name, TLS, or the server itself.
    static func fix(for error: any Error, settings: PostgresStoreSettings) -> String {
        let source = "[store] postgres_url (or \(StoreSettings.urlVariable))"
        let unavailable = error as? StoreUnavailable
        let state = unavailable?.sqlState ?? ""
        let text = unavailable?.reason ?? "\(error)"
        if state.hasPrefix("28") || text.contains("password") || text.contains("authentication") || text.contains("SCRAM") {
            return "check the user \(settings.user) and its password (\(settings.passwordSource); the URL, \(StoreSettings.passwordVariable) or [store] password_file), and that the server's pg_hba.conf lets this host in"
        }
        if state == "3D000" {
            return "create the database (createdb -O \(settings.user) \(settings.database)) or correct its name in \(source)"
        }
        if text.contains("TLS") {
            return "check sslmode (and sslrootcert) in \(source) against the server's TLS set-up"
        }
        return "start PostgreSQL, or check the host and port in \(source) and that the server listens there (listen_addresses, pg_hba.conf); sslmode, password_file and \(StoreSettings.passwordVariable) come next"
    }

    /// The reason alone: `StoreUnavailable`'s description repeats the server the URL names already.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let unavailable as StoreUnavailable: return unavailable.reason
        case let refused as StoreQueryFailed: return refused.reason
        default: return "\(error)"
        }
    }

    /// Every text without the password (defence in depth: none should carry it).
    static func scrubbed(_ checks: [DoctorCheck], endpoint: PostgresEndpoint) -> [DoctorCheck] {
        checks.map { check in
            var check = check
            check.found = PostgresFailure.scrub(check.found, endpoint: endpoint)
            check.fix = check.fix.map { PostgresFailure.scrub($0, endpoint: endpoint) }
            check.details = check.details.map { PostgresFailure.scrub($0, endpoint: endpoint) }
            return check
        }
    }
}
