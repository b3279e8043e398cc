import ArgumentParser
import Coordinator

/// `coordinator sync`: write the live state into the cache (a forced full refresh).
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Write the live GitHub state into the cache (a forced full refresh).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: RepoSelection

    func validate() throws {
        try selection.requireChoice(toWhat: "sync")
    }

    func run() async throws {
        try await global.withWorkspace { workspace in
            for service in try workspace.services(named: selection.names) {
                let cache = try await service.sync()
                print("\(service.repo.name): cache synced, \(cache.issues.count) open issues (\(service.store.location))")
            }
        }
    }
}
