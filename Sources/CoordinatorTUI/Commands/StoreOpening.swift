import Coordinator
import CoordinatorPostgres
import Foundation
import Logging

/// The store a command's workspace works on: the configured cache directory's files, or the
/// PostgreSQL database `[store] postgres_url` names — connected and migrated before anything
/// else happens, so a database that cannot be reached stops the command with its reason (exit 1)
/// instead of falling back to files, which would split the state.
enum StoreOpening {
    /// `command` names the process to the database (`application_name`).
    static func stores(for config: CoordinatorConfig, command: String, logger: Logger) async throws -> Workspace.Stores {
        guard let settings = config.store.postgres else { return .files(in: config.settings.cacheDirectory) }
        return try await database(settings, command: command, logger: logger).stores
    }

    /// The subcommand this process runs ("run", "status"…), as the database is told.
    static var commandName: String {
        CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") } ?? "coordinator"
    }

    /// The database of `settings`, connected and migrated.
    static func database(_ settings: PostgresStoreSettings, command: String, logger: Logger) async throws -> PostgresStore {
        let endpoint = PostgresEndpoint(settings: settings, applicationName: PostgresEndpoint.applicationName(command: command))
        do {
            return try await PostgresStore.open(endpoint, logger: logger)
        } catch {
            throw CommandFailure("the store \(settings) cannot be used: \(error)")
        }
    }
}
