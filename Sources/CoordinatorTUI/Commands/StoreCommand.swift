import ArgumentParser
import Coordinator
import CoordinatorPostgres
import Foundation

/// `coordinator store`: the PostgreSQL store's schema, and moving a cache directory's state into
/// it and back.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "The PostgreSQL store: migrate its schema, import a cache directory, export it back.",
        subcommands: [StoreMigrateCommand.self, StoreImportCommand.self, StoreExportCommand.self])
}

extension GlobalOptions {
    /// The config and its database, for `store` commands; a config without `[store] postgres_url`
    /// is an error (exit 1).
    func withDatabase<T>(command: String, _ body: (CoordinatorConfig, PostgresStore) async throws -> T) async throws -> T {
        let logger = makeLogger()
        let config = try loadConfig()
        guard let settings = config.store.postgres else {
            throw CommandFailure("\(config.path) has no [store] postgres_url (nor is \(StoreSettings.urlVariable) set): the store is the files in \(config.settings.cacheDirectory)")
        }
        let database = try await StoreOpening.database(settings, command: command, logger: logger)
        do {
            let result = try await body(config, database)
            await database.connections.shutdown()
            return result
        } catch {
            await database.connections.shutdown()
            throw error
        }
    }
}

struct StoreMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the schema migrations this version knows (every command also does, at its start).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.withDatabase(command: "store migrate") { config, database in
            let status = try await database.connections.withConnection { try await PostgresMigrations.status($0) }
            print("\(database.connections.endpoint): schema version \(status.applied.last ?? 0) (this coordinator knows \(status.known))")
        }
    }
}

struct StoreImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Copy each repository's cache, notes and history from a cache directory into the database (idempotent; never overwrites newer state).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: RepoSelection
    @Option(name: .long, help: "The cache directory to import (default: [coordinator] cache_dir).")
    var from: String?

    func run() async throws {
        try await global.withDatabase(command: "store import") { config, database in
            let directory = from ?? config.settings.cacheDirectory
            let transfer = PostgresTransfer(database: database, logger: global.makeLogger())
            for repo in try config.selectRepos(named: selection.names) {
                let imported = try await transfer.importFiles(IssueCacheStore(directory: directory, repo: repo.repo), key: repo.repo.cacheStem)
                print("\(repo.name): \(imported)")
            }
        }
    }
}

struct StoreExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write each repository's state from the database into a cache directory, as the file store keeps it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: RepoSelection
    @Option(name: .long, help: "The directory to write into; files already there are not overwritten.")
    var to: String

    func run() async throws {
        try await global.withDatabase(command: "store export") { config, database in
            let transfer = PostgresTransfer(database: database, logger: global.makeLogger())
            for repo in try config.selectRepos(named: selection.names) {
                let exported = try await transfer.exportFiles(key: repo.repo.cacheStem, to: IssueCacheStore(directory: to, repo: repo.repo))
                print("\(repo.name): \(exported)")
            }
        }
    }
}
